/* global crypto, TextEncoder, atob, localStorage */
/**
 * Checks the audit log from the browser, trusting only math:
 *  - an entry's leaf hash is recomputed from its content (canonical JSON of {actor, data, index, project,
 *    subject, time, type}, keys sorted, no whitespace — the server's src/server/audit/entry.ts), so a row edited
 *    in the database no longer matches;
 *  - its inclusion proof must lead to the checkpoint's root (RFC 9162, lib/merkle.js);
 *  - the checkpoint is a C2SP signed note whose Ed25519 signature is checked with the log's public key;
 *  - the log only grew since this browser last saw it: the last verified checkpoint is remembered (localStorage,
 *    public data only) and a consistency proof from it to the current one is checked (RFC 9162 §2.1.4.2).
 */
import { api, apiPath } from "./api.js";
import { base64ToBytes, bytesToHex, hexToBytes, leafHash, verifyConsistency, verifyInclusion } from "./merkle.js";

/** Canonical JSON as the server hashes it: sorted keys at every level, no whitespace. */
export function canonicalJson(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "number") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  throw new Error(`an audit entry holds a ${typeof value}, which JSON cannot represent`);
}

/** The bytes an entry contributes to the tree. */
export function entryLeafData(e) {
  return canonicalJson({ actor: e.actor, data: e.data ?? {}, index: e.index, project: e.project ?? null, subject: e.subject ?? null, time: e.time, type: e.type });
}

/** Hex leaf hash recomputed from the entry's content. */
export async function entryLeafHash(e) {
  return bytesToHex(await leafHash(new TextEncoder().encode(entryLeafData(e))));
}

/**
 * Verifies one entry against a checkpoint. Returns { ok: true } or { ok: false, reason }; throws only when the
 * server cannot be asked for the proof.
 */
export async function verifyEntry(entry, checkpoint) {
  const treeSize = Number(checkpoint.size);
  const leaf = await entryLeafHash(entry);
  if (typeof entry.leafHash === "string" && entry.leafHash.toLowerCase() !== leaf) {
    return { ok: false, reason: "the entry's content does not hash to its recorded leaf hash: it was changed after it was logged" };
  }
  const proof = await api(apiPath("audit-log", "proof", "inclusion"), { query: { index: entry.index, size: treeSize } });
  if (Number(proof.index) !== Number(entry.index) || Number(proof.treeSize) !== treeSize) {
    return { ok: false, reason: "the server answered with a proof for another entry or tree size" };
  }
  if (String(proof.leafHash).toLowerCase() !== leaf) {
    return { ok: false, reason: "the proof is for a different leaf than this entry's content" };
  }
  let proofHashes;
  try {
    proofHashes = (Array.isArray(proof.proof) ? proof.proof : []).map((p) => hexToBytes(String(p)));
  } catch (err) {
    return { ok: false, reason: err.message };
  }
  const result = await verifyInclusion({ index: Number(entry.index), treeSize, leaf: hexToBytes(leaf), proof: proofHashes, rootHash: base64ToBytes(checkpoint.rootHash) });
  return result.ok ? { ok: true, root: bytesToHex(result.root) } : result;
}

function pemToDer(pem) {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(String(pem));
  if (!m) throw new Error("the log's public key is not a PEM public key");
  return Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

/**
 * Checks the checkpoint's signed note with the log's Ed25519 key: the signature line for the key's name and ID
 * must verify over the note text, and the text must say the same origin, size and root as the JSON fields.
 */
export async function verifyCheckpoint(checkpoint, key) {
  try {
    const note = String(checkpoint.note ?? "");
    const split = note.lastIndexOf("\n\n");
    if (split < 0) return { ok: false, reason: "the checkpoint note has no signature block" };
    const text = note.slice(0, split + 1);
    const [origin, size, root] = text.slice(0, -1).split("\n");
    if (origin !== checkpoint.origin || Number(size) !== Number(checkpoint.size) || root !== checkpoint.rootHash) {
      return { ok: false, reason: "the signed note says something else than the checkpoint's fields" };
    }
    const der = pemToDer(key.publicKeyPem);
    const raw = der.slice(der.length - 32);
    const enc = new TextEncoder();
    const idInput = new Uint8Array([...enc.encode(origin), 0x0a, 0x01, ...raw]);
    const keyId = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", idInput)).slice(0, 4));
    if (key.keyId && String(key.keyId).toLowerCase() !== keyId) return { ok: false, reason: `the published key ID ${key.keyId} does not belong to the published key (${keyId})` };
    const lines = note.slice(split + 2).split("\n").filter(Boolean);
    const sigLine = lines.map((l) => /^\u2014 (\S+) (\S+)$/u.exec(l)).find((m) => m && m[1] === origin && bytesToHex(base64ToBytes(m[2]).slice(0, 4)) === keyId);
    if (!sigLine) return { ok: false, reason: `the note carries no signature by ${origin} with key ${keyId}` };
    const signature = base64ToBytes(sigLine[2]).slice(4);
    const publicKey = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, enc.encode(text));
    return ok ? { ok: true, keyId } : { ok: false, reason: "the Ed25519 signature on the checkpoint does not verify" };
  } catch (err) {
    return { ok: false, reason: `cannot check the checkpoint signature: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const SEEN_PREFIX = "modelgate.audit-log.seen.";

function seenKey(checkpoint) {
  return `${SEEN_PREFIX}${checkpoint.origin}`;
}

/** The checkpoint this browser last verified for the log's origin, or undefined. */
export function lastSeenCheckpoint(checkpoint) {
  try {
    const seen = JSON.parse(localStorage.getItem(seenKey(checkpoint)) ?? "null");
    return seen && Number.isSafeInteger(seen.size) && typeof seen.rootHash === "string" ? seen : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks that the current (signature-verified) checkpoint extends the one this browser verified last, then
 * remembers the current one. Returns { status: "first" | "ok" | "fail", seen?, reason? }. A failed check keeps
 * the remembered checkpoint, so every later visit fails too until someone looks into it.
 */
export async function checkAgainstLastSeen(checkpoint) {
  const seen = lastSeenCheckpoint(checkpoint);
  const size = Number(checkpoint.size);
  const remember = () => localStorage.setItem(seenKey(checkpoint), JSON.stringify({ size, rootHash: checkpoint.rootHash, keyId: checkpoint.keyId, seenAt: new Date().toISOString() }));
  if (!seen) {
    if (size > 0) remember();
    return { status: "first" };
  }
  if (size < seen.size) return { status: "fail", seen, reason: `the log shrank from ${seen.size} to ${size} entries since you last checked it` };
  let result;
  if (seen.size === 0) {
    result = { ok: true };
  } else {
    const answer = size === seen.size ? { proof: [] } : await api(apiPath("audit-log", "proof", "consistency"), { query: { from: seen.size, to: size } });
    let proof;
    try {
      proof = (Array.isArray(answer.proof) ? answer.proof : []).map((p) => hexToBytes(String(p)));
    } catch (err) {
      return { status: "fail", seen, reason: err.message };
    }
    result = await verifyConsistency({ fromSize: seen.size, toSize: size, fromRoot: base64ToBytes(seen.rootHash), toRoot: base64ToBytes(checkpoint.rootHash), proof });
  }
  if (!result.ok) return { status: "fail", seen, reason: result.reason };
  remember();
  return { status: "ok", seen };
}
