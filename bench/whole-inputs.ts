/**
 * Inputs of the whole-process benchmark (bench/whole-process.ts), generated into bench/out/whole/ and never
 * committed. Each generator leaves a stamp file beside its output (`NAME.stamp.json`: generator version and the
 * sizes it wrote) so a later run reuses an input that is already there with the right size.
 * Nothing here is ever unpickled.
 */
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";

const MiB = 1024 * 1024;

interface Stamp {
  version: number;
  /** Relative path → size in bytes, for every file the generator wrote. */
  files: Record<string, number>;
}

function stampPath(path: string): string {
  return `${path}.stamp.json`;
}

/** True when `path` was written by generator `version` and every file it wrote is still there with its size. */
function upToDate(path: string, version: number): boolean {
  try {
    const s = JSON.parse(readFileSync(stampPath(path), "utf8")) as Stamp;
    if (s.version !== version) return false;
    const base = statSync(path).isDirectory() ? path : join(path, "..");
    return Object.entries(s.files).every(([rel, size]) => {
      const p = rel === "." ? path : join(base, rel);
      return existsSync(p) && statSync(p).size === size;
    });
  } catch {
    return false;
  }
}

function writeStamp(path: string, version: number, files: Record<string, number>): void {
  writeFileSync(stampPath(path), `${JSON.stringify({ version, files } satisfies Stamp)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// A PyTorch zip checkpoint whose storages are holes (sparse zeros): a 1 GiB model on almost no disk.

/** Pickle opcodes, written the way CPython's pickler writes a torch state dict (protocol 2, memoised). */
class PickleWriter {
  private parts: Buffer[] = [];
  private memo = 0;
  private readonly strings = new Map<string, number>();

  op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  private put(): number {
    const i = this.memo++;
    if (i < 256) this.op(0x71, i); // BINPUT
    else {
      const b = Buffer.alloc(5);
      b[0] = 0x72; // LONG_BINPUT
      b.writeUInt32LE(i, 1);
      this.parts.push(b);
    }
    return i;
  }

  private get(i: number): this {
    if (i < 256) return this.op(0x68, i); // BINGET
    const b = Buffer.alloc(5);
    b[0] = 0x6a; // LONG_BINGET
    b.writeUInt32LE(i, 1);
    this.parts.push(b);
    return this;
  }

  /** A string, or a reference to the memoised copy when it was written before (as the pickler does). */
  str(s: string): this {
    const seen = this.strings.get(s);
    if (seen !== undefined) return this.get(seen);
    const b = Buffer.from(s, "utf8");
    const h = Buffer.alloc(5);
    h[0] = 0x58; // BINUNICODE
    h.writeUInt32LE(b.length, 1);
    this.parts.push(h, b);
    this.strings.set(s, this.put());
    return this;
  }

  /** GLOBAL module\nname\n, memoised like a string. */
  global(module: string, name: string): this {
    const key = `\0global:${module}.${name}`;
    const seen = this.strings.get(key);
    if (seen !== undefined) return this.get(seen);
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, "latin1"));
    this.strings.set(key, this.put());
    return this;
  }

  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n); // BININT1
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8); // BININT2
    const b = Buffer.alloc(5);
    b[0] = 0x4a; // BININT
    b.writeInt32LE(n, 1);
    this.parts.push(b);
    return this;
  }

  /** A tuple of small ints, as TUPLE1/TUPLE2/TUPLE3 or MARK … TUPLE, then memoised. */
  ints(xs: number[]): this {
    if (xs.length === 0) return this.op(0x29); // EMPTY_TUPLE
    if (xs.length > 3) this.op(0x28);
    for (const x of xs) this.int(x);
    this.op(xs.length === 1 ? 0x85 : xs.length === 2 ? 0x86 : xs.length === 3 ? 0x87 : 0x74);
    this.put();
    return this;
  }

  memoize(): this {
    this.put();
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface TorchTensor {
  name: string;
  shape: number[];
}

/** data.pkl of `torch.save(OrderedDict(name → float32 tensor))`: one storage per tensor, keys "0", "1", … */
export function torchStateDictPickle(tensors: TorchTensor[]): Buffer {
  const w = new PickleWriter();
  w.op(0x80, 2).global("collections", "OrderedDict").op(0x29, 0x52).memoize().op(0x28); // PROTO 2, EMPTY_TUPLE, REDUCE, MARK
  tensors.forEach((t, i) => {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    w.str(t.name).global("torch._utils", "_rebuild_tensor_v2");
    w.op(0x28, 0x28).str("storage").global("torch", "FloatStorage").str(String(i)).str("cpu").int(numel).op(0x74).memoize().op(0x51); // MARK MARK … TUPLE BINPERSID
    w.int(0).ints(t.shape).ints(stride).op(0x89); // storage offset, size, stride, requires_grad=False
    w.global("collections", "OrderedDict").op(0x29, 0x52).memoize(); // backward_hooks = OrderedDict()
    w.op(0x74).memoize().op(0x52).memoize(); // TUPLE, REDUCE
  });
  w.op(0x75, 0x2e); // SETITEMS, STOP
  return w.bytes();
}

const ALIGN = 64;

/** Local header of a stored member, data 64-byte aligned with PyTorch's "FB" padding extra field. */
function localHeader(name: Buffer, size: number, crc: number, at: number): Buffer {
  const unpadded = at + 30 + name.length + 4;
  const pad = (ALIGN - (unpadded % ALIGN)) % ALIGN;
  const fb = Buffer.alloc(4 + pad, 0x5a);
  fb.writeUInt16LE(0x4246, 0); // "FB"
  fb.writeUInt16LE(pad, 2);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt32LE(crc, 14);
  h.writeUInt32LE(size, 18);
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(fb.length, 28);
  return Buffer.concat([h, name, fb]);
}

const zeroCrcs = new Map<number, number>();
function crcOfZeros(size: number): number {
  let crc = zeroCrcs.get(size);
  if (crc === undefined) {
    const zeros = Buffer.alloc(Math.min(size, 8 * MiB));
    crc = 0;
    for (let done = 0; done < size; done += zeros.length) crc = zlib.crc32(zeros.subarray(0, Math.min(zeros.length, size - done)), crc);
    crc >>>= 0;
    zeroCrcs.set(size, crc);
  }
  return crc;
}

/**
 * A PyTorch zip checkpoint as torch.save writes it (archive/data.pkl with persistent-id storages, byteorder,
 * data/0…N stored uncompressed and 64-byte aligned, version, .data/serialization_id), of `layers` 4096×4096
 * float32 weights and 4096 biases: 1 GiB of storages for 16 layers. The storages are all zeros and left as
 * holes, so the file takes almost no disk; `torch.load` reads it as a real checkpoint. No ZIP64 (< 4 GiB).
 */
export function writeSparseTorchZip(path: string, layers = 16, dim = 4096): number {
  const VERSION = 1;
  if (upToDate(path, VERSION)) return statSync(path).size;
  const tensors: TorchTensor[] = [];
  for (let i = 0; i < layers; i++) tensors.push({ name: `layers.${i}.weight`, shape: [dim, dim] }, { name: `layers.${i}.bias`, shape: [dim] });
  const members: { name: string; data?: Buffer; size: number }[] = [
    { name: "archive/data.pkl", data: torchStateDictPickle(tensors), size: 0 },
    { name: "archive/byteorder", data: Buffer.from("little"), size: 0 },
    ...tensors.map((t, i) => ({ name: `archive/data/${i}`, size: 4 * t.shape.reduce((a, b) => a * b, 1) })),
    { name: "archive/version", data: Buffer.from("3\n"), size: 0 },
    { name: "archive/.data/serialization_id", data: Buffer.from("0000000000000000000000000000000000000000"), size: 0 },
  ];
  rmSync(path, { force: true });
  const fd = openSync(path, "w");
  try {
    let pos = 0;
    const put = (buf: Buffer): void => {
      writeSync(fd, buf, 0, buf.length, pos);
      pos += buf.length;
    };
    const central: Buffer[] = [];
    for (const m of members) {
      const name = Buffer.from(m.name);
      const size = m.data ? m.data.length : m.size;
      const crc = m.data ? zlib.crc32(m.data) >>> 0 : crcOfZeros(size);
      const offset = pos;
      put(localHeader(name, size, crc, pos));
      if (m.data) put(m.data);
      else pos += size; // a hole: the file system reads it back as zeros
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt32LE(crc, 16);
      c.writeUInt32LE(size, 20);
      c.writeUInt32LE(size, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt32LE(offset, 42);
      central.push(c, name);
    }
    const cdStart = pos;
    const cd = Buffer.concat(central);
    put(cd);
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0);
    e.writeUInt16LE(members.length, 8);
    e.writeUInt16LE(members.length, 10);
    e.writeUInt32LE(cd.length, 12);
    e.writeUInt32LE(cdStart, 16);
    put(e);
  } finally {
    closeSync(fd);
  }
  const size = statSync(path).size;
  writeStamp(path, VERSION, { [path.split("/").pop()!]: size });
  return size;
}

// ---------------------------------------------------------------------------------------------------------
// Pickles written by CPython itself (pickle.dumps, protocol 4), so their opcode mix is the real one.

const PICKLES_PY = String.raw`
import collections, os, pickle, sys

def record(i, target):
    # A small sklearn-like object: names, coefficients, and an OrderedDict (a global the loader imports).
    m = 1
    while True:
        obj = {
            "name": f"model-{i}",
            "version": 3,
            "classes": [f"class_{j}" for j in range(8)],
            "coef": [((i * 31 + j) % 97) / 7 for j in range(m)],
            "params": collections.OrderedDict(alpha=0.1, fit_intercept=True, max_iter=100),
        }
        data = pickle.dumps(obj, protocol=4)
        if len(data) >= target:
            return data
        m += max(1, (target - len(data)) // 10)

kind, out = sys.argv[1], sys.argv[2]
if kind == "folder":
    os.makedirs(out, exist_ok=True)
    for i in range(int(sys.argv[3])):
        with open(os.path.join(out, f"model-{i:04d}.pkl"), "wb") as f:
            f.write(record(i, int(sys.argv[4])))
elif kind == "one":
    with open(out, "wb") as f:
        f.write(record(0, int(sys.argv[3])))
elif kind == "dicts":
    with open(out, "wb") as f:
        f.write(pickle.dumps([{"id": i, "name": f"sample-{i:08d}.json", "v": i * 0.5} for i in range(int(sys.argv[3]))], protocol=4))
`;

function python(python3: string, args: string[]): void {
  const r = spawnSync(python3, ["-c", PICKLES_PY, ...args], { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
  if (r.status !== 0) throw new Error(`${python3} could not write the pickles (${args.join(" ")}): ${r.error?.message ?? r.stderr}`);
}

/** A folder of `count` pickles of about `each` bytes (CPython protocol 4). */
export function writePickleFolder(python3: string, dir: string, count: number, each: number): number {
  const VERSION = 1;
  if (upToDate(dir, VERSION)) return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  rmSync(dir, { recursive: true, force: true });
  python(python3, ["folder", dir, String(count), String(each)]);
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).size]));
  writeStamp(dir, VERSION, files);
  return Object.values(files).reduce((a, b) => a + b, 0);
}

/** One pickle of about `bytes` bytes, the same shape as the folder's. */
export function writeSmallPickle(python3: string, path: string, bytes: number): number {
  return writeOne(python3, path, 1, ["one", path, String(bytes)]);
}

/**
 * `pickle.dumps([{"id": i, "name": f"sample-{i:08d}.json", "v": i * 0.5} for i in range(count)], protocol=4)`:
 * 46.9 MB for 1M dicts (the 47 MB; with `f"n{i}"` as the name it would be 33.8 MB).
 */
export const DICTS_EXPRESSION = `[{"id": i, "name": f"sample-{i:08d}.json", "v": i * 0.5} for i in range(N)]`;
export function writeDictsPickle(python3: string, path: string, count: number): number {
  return writeOne(python3, path, 2, ["dicts", path, String(count)]);
}

function writeOne(python3: string, path: string, version: number, args: string[]): number {
  if (upToDate(path, version)) return statSync(path).size;
  python(python3, args);
  const size = statSync(path).size;
  writeStamp(path, version, { [path.split("/").pop()!]: size });
  return size;
}

// ---------------------------------------------------------------------------------------------------------

/** `count` files of `size` bytes of random data (8 MiB at a time, never a whole file in memory). */
export function writeRandomFolder(dir: string, count: number, size: number): string[] {
  const VERSION = 1;
  const names = Array.from({ length: count }, (_, i) => `model-${String(i + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.safetensors`);
  if (!upToDate(dir, VERSION)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const chunk = Buffer.allocUnsafe(8 * MiB);
    for (const n of names) {
      const fd = openSync(join(dir, n), "w");
      try {
        for (let done = 0; done < size; ) {
          const k = Math.min(chunk.length, size - done);
          randomFillSync(chunk, 0, k);
          writeSync(fd, chunk, 0, k);
          done += k;
        }
      } finally {
        closeSync(fd);
      }
    }
    writeStamp(dir, VERSION, Object.fromEntries(names.map((n) => [n, size])));
  }
  return names.map((n) => join(dir, n));
}
