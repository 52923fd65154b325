/**
 * Signed tree heads of the audit log as C2SP checkpoints (c2sp.org/tlog-checkpoint) in C2SP signed notes
 * (c2sp.org/signed-note), signed with Ed25519 (node:crypto):
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n
 *   \n
 *   — <key name> base64(key ID (4 bytes) || Ed25519 signature over the text above the blank line)\n
 *
 * key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. The key name is the log's origin. Notes
 * written here are readable by Go's golang.org/x/mod/sumdb/note and transparency-dev tooling; the verifier key
 * string (`<name>+<hex key ID>+base64(0x01 || public key)`) is the one those tools take.
 *
 * The private key lives on disk (keyDir, mode 0600), never in the database, so whoever can write the database
 * still cannot sign a rewritten history.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import { chmod, link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelgateError } from "../../core/errors.js";
import { HASH_SIZE } from "./merkle.js";

/** A checkpoint as the API serves it (GET /api/v1/audit-log/checkpoint). */
export interface Checkpoint {
  origin: string;
  size: number;
  /** Base64 of the 32-byte root hash. */
  rootHash: string;
  /** When the server signed it (ISO 8601). Informational: the signed text is origin, size and root. */
  timestamp: string;
  /** Base64 of the 64-byte Ed25519 signature (the note's signature line without the key ID). */
  signature: string;
  /** Hex of the 4-byte note key ID. */
  keyId: string;
  /** The whole C2SP signed note: what a verifier checks. */
  note: string;
}

const ED25519_TYPE = 0x01;
/** Size limit of a note a verifier will parse (the note spec asks for one). */
export const MAX_NOTE_BYTES = 64 * 1024;
const MAX_SIGNATURES = 64;
const KEY_FILE = "audit-log-ed25519.pem";

const fail = (message: string): never => {
  throw new ModelgateError("VERIFICATION_FAILED", message);
};
const malformed = (message: string): never => {
  throw new ModelgateError("MALFORMED_INPUT", message);
};

/** Key names (and so origins) must be non-empty, without Unicode spaces, '+' or control characters. */
export function checkKeyName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || /[\s+\u0000-\u001f\u007f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name)) {
    throw new ModelgateError("INVALID_OPTION", `"${name}" cannot name a signed-note key: it must be non-empty, without spaces, '+' or control characters`);
  }
}

/** Strict standard base64 (RFC 4648 §4, padded): anything that does not re-encode identically is refused. */
export function decodeBase64Strict(s: string, what: string): Buffer {
  const b = Buffer.from(s, "base64");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || b.toString("base64") !== s) malformed(`${what} is not valid base64`);
  return b;
}

/** The raw 32-byte Ed25519 public key of a KeyObject (public or private). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== "ed25519") malformed(`expected an Ed25519 key, got ${pub.asymmetricKeyType ?? "a non-asymmetric key"}`);
  const der = pub.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

/** key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function ed25519KeyId(name: string, rawPublicKey: Uint8Array): Buffer {
  return createHash("sha256").update(name).update(Buffer.from([0x0a, ED25519_TYPE])).update(rawPublicKey).digest().subarray(0, 4);
}

/** A key that checks notes: its name, ID and Ed25519 public key. */
export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
}

/** A key that signs notes. */
export interface NoteSigner extends NoteVerifier {
  privateKey: KeyObject;
}

export function noteVerifier(name: string, publicKey: KeyObject | string): NoteVerifier {
  checkKeyName(name);
  let key: KeyObject;
  try {
    key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey.type === "private" ? createPublicKey(publicKey) : publicKey;
  } catch (e) {
    return malformed(`not a public key in PEM: ${(e as Error).message}`);
  }
  const raw = rawEd25519PublicKey(key);
  return { name, keyId: ed25519KeyId(name, raw), publicKey: key };
}

export function noteSigner(name: string, privateKey: KeyObject): NoteSigner {
  const v = noteVerifier(name, createPublicKey(privateKey));
  return { ...v, privateKey };
}

/** An Ed25519 private key from its 32-byte RFC 8032 seed (PKCS#8 wrapping, RFC 8410). */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) malformed(`an Ed25519 seed has 32 bytes, got ${seed.length}`);
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

/** The verifier key string of Go's sumdb/note: `<name>+<hex key ID>+base64(0x01 || public key)`. */
export function verifierKeyString(v: NoteVerifier): string {
  const raw = rawEd25519PublicKey(v.publicKey);
  return `${v.name}+${v.keyId.toString("hex")}+${Buffer.concat([Buffer.from([ED25519_TYPE]), raw]).toString("base64")}`;
}

/** Parses a verifier key string (`name+hexid+base64`); the ID must match the key. */
export function parseVerifierKeyString(vkey: string): NoteVerifier {
  const first = vkey.indexOf("+");
  const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
  if (second < 0) return malformed("a verifier key reads <name>+<key id>+<base64 key>");
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  const material = decodeBase64Strict(vkey.slice(second + 1), "verifier key");
  if (!/^[0-9a-f]{8}$/.test(id)) malformed("the key ID of a verifier key is 8 lower-case hex digits");
  if (material.length !== 33 || material[0] !== ED25519_TYPE) malformed("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported");
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), material.subarray(1)]), format: "der", type: "spki" });
  const v = noteVerifier(name, publicKey);
  if (v.keyId.toString("hex") !== id) fail(`the key ID ${id} of the verifier key does not match its key (${v.keyId.toString("hex")})`);
  return v;
}

/** Signs `text` (which must end in a newline) as a C2SP signed note. */
export function signNote(text: string, signer: NoteSigner): string {
  checkNoteText(text);
  const sig = sign(null, Buffer.from(text, "utf8"), signer.privateKey);
  return `${text}\n— ${signer.name} ${Buffer.concat([signer.keyId, sig]).toString("base64")}\n`;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

function checkNoteText(text: string): void {
  if (!text.endsWith("\n")) malformed("a note's text must end with a newline");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) malformed("a note must not contain control characters other than newline");
}

/** Splits a signed note into its text and signature lines, without checking any signature. */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (Buffer.byteLength(note, "utf8") > MAX_NOTE_BYTES) malformed(`note is larger than ${MAX_NOTE_BYTES} bytes`);
  if (/\p{Surrogate}/u.test(note)) malformed("note is not valid UTF-8 (lone surrogate)");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return malformed("note has no blank line between its text and its signatures");
  const text = note.slice(0, split + 1);
  checkNoteText(text);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) malformed("note signatures must end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) malformed(`note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (m === null) return malformed(`malformed note signature line: ${JSON.stringify(line.slice(0, 100))}`);
    const blob = decodeBase64Strict(m[2]!, "note signature");
    if (blob.length < 5) malformed("note signature is too short");
    return { name: m[1]!, keyId: Buffer.from(blob.subarray(0, 4)), signature: Buffer.from(blob.subarray(4)) };
  });
  return { text, signatures };
}

/**
 * Checks a signed note against a trusted key: signatures from other keys are ignored (as the spec says), the
 * one from `verifier` (same name and key ID) must verify. Returns the text and that signature; throws
 * ModelgateError VERIFICATION_FAILED when no valid signature of the key is present, MALFORMED_INPUT when the
 * note cannot be parsed.
 */
export function openNote(note: string, verifier: NoteVerifier): { text: string; signature: NoteSignature } {
  const { text, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId));
  if (mine.length === 0) {
    const names = signatures.map((s) => `${s.name} (key ${s.keyId.toString("hex")})`).join(", ");
    return fail(`the note is not signed by the trusted key ${verifier.name} (key ${verifier.keyId.toString("hex")}); it is signed by ${names}`);
  }
  for (const s of mine) {
    if (s.signature.length !== 64 || !verify(null, Buffer.from(text, "utf8"), verifier.publicKey, s.signature)) {
      fail(`the signature of ${verifier.name} (key ${verifier.keyId.toString("hex")}) on the note does not verify: the note was changed or forged`);
    }
  }
  return { text, signature: mine[0]! };
}

/** The checkpoint note text: origin, size, base64 root, each on its own line. */
export function checkpointText(origin: string, size: number, root: Uint8Array): string {
  checkKeyName(origin);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size must be a non-negative integer, got ${size}`);
  if (root.length !== HASH_SIZE) throw new RangeError(`root hash has ${HASH_SIZE} bytes, got ${root.length}`);
  return `${origin}\n${size}\n${Buffer.from(root).toString("base64")}\n`;
}

export interface CheckpointBody {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

/** Parses the text of a checkpoint note (c2sp.org/tlog-checkpoint). */
export function parseCheckpointText(text: string): CheckpointBody {
  if (!text.endsWith("\n")) malformed("a checkpoint must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) malformed("a checkpoint has at least three lines: origin, tree size, root hash");
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) malformed("the checkpoint's origin line is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) malformed(`the checkpoint's tree size is not a number: ${JSON.stringify(sizeLine.slice(0, 40))}`);
  const rootHash = decodeBase64Strict(rootLine, "the checkpoint's root hash");
  if (rootHash.length !== HASH_SIZE) malformed(`the checkpoint's root hash has ${rootHash.length} bytes, not ${HASH_SIZE}`);
  if (extensions.some((l) => l.length === 0)) malformed("a checkpoint's extension lines must not be empty");
  return { origin, size: Number(sizeLine), rootHash, extensions };
}

/** Verifies a checkpoint note with the log's key and parses it. The origin must be the key's name. */
export function verifyCheckpointNote(note: string, verifier: NoteVerifier): CheckpointBody & { signature: NoteSignature } {
  const { text, signature } = openNote(note, verifier);
  const body = parseCheckpointText(text);
  if (body.origin !== verifier.name) fail(`the checkpoint's origin "${body.origin}" is not the log's name "${verifier.name}"`);
  return { ...body, signature };
}

/** Signs a checkpoint of `size` leaves with root `root`. */
export function signCheckpoint(signer: NoteSigner, size: number, root: Uint8Array, timestamp: string): Checkpoint {
  const note = signNote(checkpointText(signer.name, size, root), signer);
  const { signatures } = parseNote(note);
  return {
    origin: signer.name,
    size,
    rootHash: Buffer.from(root).toString("base64"),
    timestamp,
    signature: signatures[0]!.signature.toString("base64"),
    keyId: signer.keyId.toString("hex"),
    note,
  };
}

/** The log's signing key: the Ed25519 key in keyDir, created (mode 0600) on first use. */
export interface LogKey {
  signer: NoteSigner;
  publicKeyPem: string;
  keyPath: string;
}

/**
 * Loads keyDir/audit-log-ed25519.pem, or creates it. Creation is atomic (written to a temporary file, then
 * hard-linked into place, which fails when another process won the race; the winner's key is used).
 */
export async function loadOrCreateLogKey(keyDir: string, name: string): Promise<LogKey> {
  checkKeyName(name);
  const keyPath = join(keyDir, KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(keyPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new ModelgateError("PATH_UNREADABLE", `cannot read the audit log key ${keyPath}: ${(e as Error).message}`, { cause: e });
    await mkdir(keyDir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync("ed25519");
    const fresh = privateKey.export({ format: "pem", type: "pkcs8" });
    const tmp = `${keyPath}.${randomUUID()}.tmp`;
    await writeFile(tmp, fresh, { mode: 0o600, flag: "wx" });
    try {
      await chmod(tmp, 0o600);
      await link(tmp, keyPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      await rm(tmp, { force: true });
    }
    pem = await readFile(keyPath, "utf8");
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new ModelgateError("MALFORMED_INPUT", `the audit log key ${keyPath} is not a PEM private key: ${(e as Error).message}`, { cause: e });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new ModelgateError("MALFORMED_INPUT", `the audit log key ${keyPath} is not an Ed25519 key`);
  const signer = noteSigner(name, privateKey);
  return { signer, keyPath, publicKeyPem: signer.publicKey.export({ format: "pem", type: "spki" }).toString() };
}
