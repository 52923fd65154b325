/* global crypto, atob */
/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing and inclusion-proof verification, run in the
 * browser with SubtleCrypto SHA-256, so the dashboard checks the server's audit log itself instead of trusting
 * a "verified: true" from it.
 *   leaf hash  = SHA-256(0x00 || entry)           (RFC 9162 §2.1.1)
 *   node hash  = SHA-256(0x01 || left || right)
 *   inclusion  = §2.1.3.2 "Verifying an Inclusion Proof"
 *   consistency = §2.1.4.2 "Verifying Consistency between Two Tree Heads"
 */

const subtle = () => {
  if (!crypto?.subtle) throw new Error("SubtleCrypto is not available (the dashboard needs a secure context: https or localhost)");
  return crypto.subtle;
};

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await subtle().digest("SHA-256", buf));
}

export function hexToBytes(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not a hex string: ${String(hex).slice(0, 80)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64ToBytes(b64) {
  const bin = atob(String(b64).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** SHA-256(0x00 || data): the hash of one log entry's bytes. */
export function leafHash(data) {
  return sha256(Uint8Array.of(0), data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(Uint8Array.of(1), left, right);
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Recomputes the root from a leaf hash and its inclusion proof (RFC 9162 §2.1.3.2). Returns the root, or throws
 * when the proof has the wrong shape for (index, treeSize). Indices are plain numbers (exact up to 2^53).
 */
export async function rootFromInclusionProof(index, treeSize, leaf, proof) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || treeSize < 1) throw new Error("index and tree size must be non-negative integers, size ≥ 1");
  if (index >= treeSize) throw new Error(`leaf index ${index} is outside a tree of size ${treeSize}`);
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) throw new Error("a proof hash is not 32 bytes");
    if (sn === 0) throw new Error("the proof is longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("the proof is shorter than the tree is deep");
  return r;
}

/**
 * Verifies that `leaf` (32-byte hash) is entry `index` of the tree of `treeSize` entries whose root is `rootHash`.
 * Returns { ok: true, root } or { ok: false, reason, root? } — never throws for a bad proof.
 */
export async function verifyInclusion({ index, treeSize, leaf, proof, rootHash }) {
  try {
    const root = await rootFromInclusionProof(index, treeSize, leaf, proof);
    if (!equalBytes(root, rootHash)) return { ok: false, reason: "the proof leads to a different root hash than the checkpoint's", root };
    return { ok: true, root };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Verifies that the tree of `toSize` entries with root `toRoot` extends the tree of `fromSize` entries with root
 * `fromRoot` (RFC 9162 §2.1.4.2): nothing logged before was changed or removed. Returns { ok: true } or
 * { ok: false, reason } — never throws for a bad proof.
 */
export async function verifyConsistency({ fromSize, toSize, fromRoot, toRoot, proof }) {
  try {
    if (!Number.isSafeInteger(fromSize) || !Number.isSafeInteger(toSize) || fromSize < 1 || toSize < fromSize) {
      throw new Error(`cannot prove consistency from size ${fromSize} to size ${toSize}`);
    }
    if (proof.some((p) => p.length !== 32)) throw new Error("a proof hash is not 32 bytes");
    if (fromSize === toSize) {
      if (proof.length !== 0) throw new Error("a proof between equal sizes must be empty");
      return equalBytes(fromRoot, toRoot) ? { ok: true } : { ok: false, reason: "two different root hashes for the same tree size: the log was rewritten" };
    }
    if (proof.length === 0) throw new Error("the consistency proof is empty");
    // Step 2: a first tree whose size is a power of two is itself a node of the second: its root starts the path.
    const path = (fromSize & (fromSize - 1)) === 0 ? [fromRoot, ...proof] : proof;
    let fn = fromSize - 1;
    let sn = toSize - 1;
    while (fn % 2 === 1) {
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    let fr = path[0];
    let sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) throw new Error("the proof is longer than the tree is deep");
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("the proof is shorter than the tree is deep");
    if (!equalBytes(fr, fromRoot)) return { ok: false, reason: `the proof does not lead to the root you saw at size ${fromSize}: the log was rewritten` };
    if (!equalBytes(sr, toRoot)) return { ok: false, reason: "the proof does not lead to the current checkpoint's root" };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
