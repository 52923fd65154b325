/**
 * Seeded randomness and byte mutations shared by the fuzz tests: the same seed gives the same inputs, so a
 * failure reproduces.
 */

/** mulberry32: a small seeded generator returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomInt(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000];
/** A varint that decodes to a huge length: stresses length-prefixed formats (protobuf, ONNX, TensorFlow). */
const HUGE_VARINT = [0xff, 0xff, 0xff, 0x0f];

/**
 * One to eight random edits: bit flips, interesting bytes and 32-bit values, huge varints, truncation,
 * duplication, insertion, deletion, self-append.
 */
export function mutateBytes(input: Buffer, rnd: () => number): Buffer {
  const int = (n: number): number => randomInt(rnd, n);
  let buf = Buffer.from(input);
  const edits = 1 + int(8);
  for (let i = 0; i < edits && buf.length > 0; i++) {
    const at = int(buf.length);
    switch (int(10)) {
      case 0:
        buf[at]! ^= 1 << int(8);
        break;
      case 1:
        buf[at] = INTERESTING[int(INTERESTING.length)]!;
        break;
      case 2:
        if (at + 4 <= buf.length) buf.writeUInt32LE(INTERESTING32[int(INTERESTING32.length)]!, at);
        break;
      case 3:
        buf = buf.subarray(0, at);
        break;
      case 4: {
        const len = int(Math.min(512, buf.length - at));
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at, at + len), buf.subarray(at)]);
        break;
      }
      case 5:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([int(256), int(256)]), buf.subarray(at)]);
        break;
      case 6:
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + int(64)))]);
        break;
      case 7:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([int(256), ...HUGE_VARINT]), buf.subarray(at)]);
        break;
      case 8:
        buf = Buffer.concat([buf, buf.subarray(0, int(buf.length))]);
        break;
      default:
        buf[at] = int(256);
    }
  }
  return buf;
}

/** Up to `max` random bytes. */
export function randomBytes(rnd: () => number, max: number): Buffer {
  const b = Buffer.alloc(randomInt(rnd, max));
  for (let i = 0; i < b.length; i++) b[i] = randomInt(rnd, 256);
  return b;
}
