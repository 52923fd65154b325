/**
 * Checks a gate server's audit log from the outside (`modelgate audit-log verify`), trusting nothing the server
 * says except what its signing key vouches for:
 *
 * 1. the checkpoint's signed note verifies with the pinned key (--public-key, else the key recorded in the state
 *    file by an earlier run, else — first use — the key the server publishes, reported as such);
 * 2. every entry is fetched (pages of 1000); indices must run 0…size-1 without gaps, and each entry's leaf hash
 *    is re-derived from its content (index, time, type, actor, project, subject, data) — an edited row shows as
 *    an entry whose content does not match its recorded leaf hash;
 * 3. the root recomputed from those leaves must be the checkpoint's root; when it is not (a row rewritten with a
 *    matching leaf hash), the first differing entry is found with O(log n) inclusion proofs;
 * 4. against the checkpoint verified last time (the state file): the log must not have shrunk, the first M
 *    entries must still hash to that checkpoint's root, and the server's consistency proof must verify;
 * 5. a sample of the server's inclusion proofs (first, last and random entries) must verify.
 * When everything holds, the new checkpoint and the key are saved to the state file for the next run.
 */
import { randomInt, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ModelgateError, type ModelgateErrorCode } from "../../core/errors.js";
import { checkKeyName, noteVerifier, parseCheckpointText, parseNote, verifyCheckpointNote, type Checkpoint } from "./checkpoint.js";
import { entryLeafHash, type AuditEntry } from "./entry.js";
import { HASH_SIZE, MerkleTree, inclusionProofRanges, verifyConsistency, verifyInclusion } from "./merkle.js";

export interface AuditLogClientOptions {
  /** Base URL of the gate server, e.g. http://127.0.0.1:8414. */
  server: string;
  /** Bearer token with "audit:read" (auditor or admin). */
  token?: string;
  /** fetch to use (tests); default the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 60 s). */
  timeoutMs?: number;
}

export interface VerifyOptions extends AuditLogClientOptions {
  /** PEM of the log's public key to pin (overrides the state file's). */
  publicKeyPem?: string;
  /** State file (default ~/.config/modelgate/audit-log/<server URL origin>/<log name>.json, or under $XDG_CONFIG_HOME). */
  statePath?: string;
  /** Do not save the verified checkpoint. */
  noStateUpdate?: boolean;
  /** Random inclusion proofs to check besides the first and last entries (default 16). */
  spotChecks?: number;
  onProgress?: (done: number, total: number) => void;
  /** Messages the user must see (trust on first use, key changes). */
  onNotice?: (message: string) => void;
}

export interface VerifyProblem {
  /** The entry concerned, when one is. */
  index?: number;
  message: string;
}

export type KeyTrust = "pinned" | "state" | "first-use";

export interface VerifyResult {
  verified: boolean;
  problems: VerifyProblem[];
  origin: string;
  size: number;
  rootHash: string;
  checkpointTime: string;
  keyId: string;
  trust: KeyTrust;
  entriesChecked: number;
  /**
   * Entries the server served redacted (a project auditor's view of other projects' and server-wide entries):
   * their leaf hashes are part of the verified tree, their content was not read.
   */
  entriesRedacted?: number;
  inclusionProofsChecked: number;
  /** The checkpoint verified on an earlier run, when the state file had one. */
  previous?: { size: number; rootHash: string; timestamp: string; verifiedAt: string };
  statePath: string;
  stateSaved: boolean;
}

/** What the state file holds: the key and the last checkpoint that verified. */
export interface VerifierState {
  version: 1;
  origin: string;
  server: string;
  publicKeyPem: string;
  keyId: string;
  checkpoint: { size: number; rootHash: string; timestamp: string; note: string };
  verifiedAt: string;
}

const PAGE = 1000;
/** Problems listed at most (the rest are counted). */
const MAX_PROBLEMS = 50;

/**
 * Where the trusted key and last checkpoint of one server's log are kept. Every gate server names its log the same
 * (modelgate/audit-log), so the state is kept per server (its URL: scheme, host, port and path) and log name: a second
 * server is a first use of its own key, not a key change of the first.
 */
export function defaultStatePath(origin: string, server: string): string {
  const base = process.env.XDG_CONFIG_HOME && process.env.XDG_CONFIG_HOME.length > 0 ? process.env.XDG_CONFIG_HOME : join(homedir(), ".config");
  const url = new URL(server);
  const where = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return join(base, "modelgate", "audit-log", encodeURIComponent(where), `${encodeURIComponent(origin)}.json`);
}

const STATUS_CODES: Record<number, ModelgateErrorCode> = { 400: "INVALID_OPTION", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND" };

/** A small JSON client for the audit log routes. */
export class AuditLogClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: AuditLogClientOptions) {
    let url: URL;
    try {
      url = new URL(options.server);
    } catch {
      throw new ModelgateError("INVALID_OPTION", `--server must be a URL such as http://127.0.0.1:8414, got "${options.server}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ModelgateError("INVALID_OPTION", `--server must be an http(s) URL, got "${options.server}"`);
    this.base = url.toString().replace(/\/+$/, "");
    this.doFetch = options.fetch ?? fetch;
  }

  async get<T>(path: string, query: Record<string, number> = {}): Promise<T> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const url = `${this.base}${path}${qs ? `?${qs}` : ""}`;
    let res: Response;
    try {
      res = await this.doFetch(url, {
        headers: { accept: "application/json", ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (e) {
      throw new ModelgateError("NETWORK_ERROR", `cannot reach ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { cause: e });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ModelgateError("NETWORK_ERROR", `${url} answered ${res.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: string; message?: string } }).error;
      throw new ModelgateError(STATUS_CODES[res.status] ?? "NETWORK_ERROR", `${url} answered ${res.status} ${err?.code ?? ""}: ${err?.message ?? text.slice(0, 200)}`);
    }
    return body as T;
  }

  checkpoint(): Promise<Checkpoint> {
    return this.get<Checkpoint>("/api/v1/audit-log/checkpoint");
  }

  /** Entries from ≤ index < to (the server sends at most 1000; without `to`, the next page from `from`). */
  async entries(from: number, to?: number): Promise<AuditEntry[]> {
    const body = await this.get<{ entries?: unknown }>("/api/v1/audit-log/entries", to === undefined ? { from } : { from, to });
    if (!Array.isArray(body.entries)) throw new ModelgateError("MALFORMED_INPUT", "the server's entries page has no entries array");
    return body.entries as AuditEntry[];
  }

  inclusionProof(index: number, size: number): Promise<{ leafHash: string; proof: string[] }> {
    return this.get("/api/v1/audit-log/proof/inclusion", { index, size });
  }

  async consistencyProof(from: number, to: number): Promise<string[]> {
    return (await this.get<{ proof: string[] }>("/api/v1/audit-log/proof/consistency", { from, to })).proof;
  }

  publicKey(): Promise<{ publicKeyPem: string; keyId: string }> {
    return this.get("/api/v1/audit-log/public-key");
  }
}

const isHash = (s: unknown): s is string => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
const hexList = (l: unknown): Buffer[] | undefined => (Array.isArray(l) && l.every(isHash) ? l.map((s) => Buffer.from(s, "hex")) : undefined);

/** An entry as served has the fields and types its leaf is made of; returns what is wrong, if anything. */
function entryShapeProblem(e: AuditEntry): string | undefined {
  const optionalString = (v: unknown): boolean => v === undefined || v === null || typeof v === "string";
  if (typeof e.time !== "string" || typeof e.type !== "string" || typeof e.actor !== "string") return "it lacks its time, type or actor";
  if (!optionalString(e.project) || !optionalString(e.subject)) return "its project or subject is not a string";
  if (e.data !== undefined && (e.data === null || typeof e.data !== "object" || Array.isArray(e.data))) return "its data is not an object";
  if (!isHash(e.leafHash)) return "its leaf hash is not 64 hex digits";
  return undefined;
}

async function readState(path: string): Promise<VerifierState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ModelgateError("PATH_UNREADABLE", `cannot read the state file ${path}: ${(e as Error).message}`);
  }
  try {
    const s = JSON.parse(text) as VerifierState;
    if (s.version !== 1 || typeof s.publicKeyPem !== "string" || !Number.isSafeInteger(s.checkpoint?.size) || typeof s.checkpoint?.rootHash !== "string") throw new Error("unexpected content");
    return s;
  } catch (e) {
    throw new ModelgateError("MALFORMED_INPUT", `the state file ${path} is not a modelgate audit-log state file (${(e as Error).message}); move it away to start over`);
  }
}

async function writeState(path: string, state: VerifierState): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Finds the first entry where the server's tree (seen through its inclusion proofs) and the tree recomputed
 * from the entries' content differ: each proof's sibling hashes are compared with our own subtree hashes, and
 * the search descends into the leftmost differing subtree — O(log n) proofs.
 */
async function localize(client: AuditLogClient, tree: MerkleTree, size: number): Promise<number | undefined> {
  let target = 0;
  for (let step = 0; step < 64; step++) {
    const p = await client.inclusionProof(target, size);
    const proof = hexList(p.proof);
    if (!isHash(p.leafHash) || proof === undefined) return undefined;
    if (p.leafHash !== tree.leaf(target).toString("hex")) return target;
    const ranges = inclusionProofRanges(target, size);
    if (proof.length !== ranges.length) return undefined;
    let differing: [number, number] | undefined;
    ranges.forEach(([a, b], i) => {
      if (!proof[i]!.equals(tree.subtreeHash(a, b)) && (differing === undefined || a < differing[0])) differing = [a, b];
    });
    if (differing === undefined) return undefined;
    if (differing[1] - differing[0] === 1) return differing[0];
    target = differing[0];
  }
  return undefined;
}

/** Verifies the server's audit log; see the file comment. Throws ModelgateError on errors (network, access). */
export async function verifyAuditLog(options: VerifyOptions): Promise<VerifyResult> {
  const client = new AuditLogClient(options);
  const notice = options.onNotice ?? (() => undefined);
  const problems: VerifyProblem[] = [];
  let dropped = 0;
  const problem = (message: string, index?: number): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(index === undefined ? { message } : { index, message });
    else dropped++;
  };

  // 1. The checkpoint and the key that must have signed it.
  let cp: Checkpoint;
  try {
    cp = await client.checkpoint();
  } catch (e) {
    // The server found its own stored history damaged and refuses to sign over it (see log.ts): a failed
    // verification, not a transport error.
    if (e instanceof ModelgateError && e.message.includes("audit log integrity:")) {
      const index = /entry (\d+)/.exec(e.message)?.[1];
      problem(`the server refuses to sign a checkpoint: ${e.message.slice(e.message.indexOf("audit log integrity:"))}`, index === undefined ? undefined : Number(index));
      return { verified: false, problems, origin: "", size: 0, rootHash: "", checkpointTime: "", keyId: "", trust: "first-use", entriesChecked: 0, inclusionProofsChecked: 0, statePath: options.statePath ?? "", stateSaved: false };
    }
    throw e;
  }
  if (typeof cp?.note !== "string") throw new ModelgateError("MALFORMED_INPUT", "the server's checkpoint has no signed note");
  const unverified = parseCheckpointText(parseNote(cp.note).text);
  const origin = unverified.origin;
  checkKeyName(origin);
  const statePath = options.statePath ?? defaultStatePath(origin, options.server);
  const state = await readState(statePath);
  if (state !== undefined && state.origin !== origin) {
    throw new ModelgateError("INVALID_OPTION", `the state file ${statePath} belongs to the log "${state.origin}", but the server's log is "${origin}"`);
  }
  let trust: KeyTrust;
  let publicKeyPem: string;
  if (options.publicKeyPem !== undefined) {
    trust = "pinned";
    publicKeyPem = options.publicKeyPem;
    if (state !== undefined && noteVerifier(origin, state.publicKeyPem).keyId.toString("hex") !== noteVerifier(origin, publicKeyPem).keyId.toString("hex")) {
      notice(`the key given with --public-key is not the key recorded in ${statePath}; the given key is used`);
    }
  } else if (state !== undefined) {
    trust = "state";
    publicKeyPem = state.publicKeyPem;
  } else {
    trust = "first-use";
    publicKeyPem = (await client.publicKey()).publicKeyPem;
    if (typeof publicKeyPem !== "string") throw new ModelgateError("MALFORMED_INPUT", "the server's public key answer has no publicKeyPem");
  }
  const verifier = noteVerifier(origin, publicKeyPem);
  const keyId = verifier.keyId.toString("hex");
  if (trust === "first-use") {
    notice(
      `trust on first use: no pinned key for the log "${origin}"; trusting the key the server publishes now (key ID ${keyId}). ` +
        `It is saved to ${statePath} and required from now on; pin it independently with --public-key to be sure.`,
    );
  }

  const base: { origin: string; keyId: string; trust: KeyTrust; statePath: string; entriesChecked: number; entriesRedacted?: number; inclusionProofsChecked: number; stateSaved: boolean } = { origin, keyId, trust, statePath, entriesChecked: 0, inclusionProofsChecked: 0, stateSaved: false };
  const previous = state === undefined ? undefined : { size: state.checkpoint.size, rootHash: state.checkpoint.rootHash, timestamp: state.checkpoint.timestamp, verifiedAt: state.verifiedAt };
  let body: ReturnType<typeof verifyCheckpointNote>;
  try {
    body = verifyCheckpointNote(cp.note, verifier);
  } catch (e) {
    if (!(e instanceof ModelgateError) || e.code !== "VERIFICATION_FAILED") throw e;
    problem(`the checkpoint's signature does not verify with the ${trust === "pinned" ? "pinned" : trust === "state" ? "previously trusted" : "published"} key (key ID ${keyId}): ${e.message}`);
    return { ...base, verified: false, problems, size: unverified.size, rootHash: unverified.rootHash.toString("base64"), checkpointTime: String(cp.timestamp), ...(previous ? { previous } : {}) };
  }
  const size = body.size;
  const root = body.rootHash;
  if (cp.size !== size || cp.rootHash !== root.toString("base64")) problem("the checkpoint's size or root hash fields differ from its signed note (the signed note is what counts)");
  const result = (verified: boolean, extra: Partial<VerifyResult> = {}): VerifyResult => ({
    ...base,
    verified,
    problems: dropped > 0 ? [...problems, { message: `… and ${dropped} more problems` }] : problems,
    size,
    rootHash: root.toString("base64"),
    checkpointTime: String(cp.timestamp),
    ...(previous ? { previous } : {}),
    ...extra,
  });

  if (state !== undefined && state.checkpoint.size > size) {
    problem(
      `the log shrank: a checkpoint of ${state.checkpoint.size} entries was verified on ${state.verifiedAt}, the server now signs ${size} entries (entries were deleted or the log was rolled back)`,
      size,
    );
    return result(false);
  }

  // 2. Every entry, its leaf re-derived from its content.
  const tree = new MerkleTree();
  let gaps = false;
  const fetchPage = (from: number): Promise<AuditEntry[]> => client.entries(from, Math.min(size, from + PAGE));
  let next: Promise<AuditEntry[]> | undefined = size > 0 ? fetchPage(0) : undefined;
  while (next !== undefined) {
    const page = await next;
    next = undefined;
    const expectedStart = tree.size;
    const last = page.at(-1);
    const lastIndex = typeof last?.index === "number" ? last.index : -1;
    // Ask for the next page before hashing this one.
    if (lastIndex + 1 < size && lastIndex >= expectedStart) next = fetchPage(lastIndex + 1);
    if (page.length === 0) {
      problem(expectedStart + 1 === size ? `entry ${expectedStart} is missing` : `entries ${expectedStart}…${size - 1} are missing (the server returned none of them)`, expectedStart);
      gaps = true;
      break;
    }
    for (const e of page) {
      if (!Number.isSafeInteger(e?.index) || e.index < tree.size || e.index >= size) {
        problem(`the server returned an entry with index ${JSON.stringify(e?.index)} where entry ${tree.size} was expected (rows out of order or duplicated)`, tree.size);
        gaps = true;
        continue;
      }
      while (tree.size < e.index) {
        problem(`entry ${tree.size} is missing (deleted from the database)`, tree.size);
        gaps = true;
        tree.append(Buffer.alloc(HASH_SIZE));
      }
      const shape = entryShapeProblem(e);
      let recomputed: Buffer;
      if ((e as { redacted?: unknown }).redacted === true && isHash(e.leafHash)) {
        // Not ours to read: its leaf hash goes into the tree as served, so the root still proves it unchanged.
        recomputed = Buffer.from(e.leafHash, "hex");
        base.entriesRedacted = (base.entriesRedacted ?? 0) + 1;
      } else if (shape !== undefined) {
        problem(`entry ${e.index} is malformed: ${shape}`, e.index);
        recomputed = Buffer.alloc(HASH_SIZE);
      } else {
        recomputed = Buffer.from(entryLeafHash({ ...e, project: e.project ?? undefined, subject: e.subject ?? undefined }), "hex");
        if (recomputed.toString("hex") !== e.leafHash) {
          problem(`entry ${e.index} (${e.type} by ${e.actor} at ${e.time}): its content does not match its recorded leaf hash — the row was edited`, e.index);
        }
      }
      tree.append(recomputed);
    }
    base.entriesChecked = tree.size;
    options.onProgress?.(tree.size, size);
    if (next === undefined && tree.size < size && !gaps) {
      problem(`entries ${tree.size}…${size - 1} are missing (the server returned none of them)`, tree.size);
      gaps = true;
    }
  }
  // Entry-level problems already say where the log differs from what was signed.
  if (gaps || problems.length > 0) return result(false);

  // 3. The recomputed root is the signed root.
  if (!tree.root(size).equals(root)) {
    const at = await localize(client, tree, size);
    if (at !== undefined) {
      const [e] = await client.entries(at, at + 1);
      problem(
        `entry ${at}${e ? ` (${e.type} by ${e.actor} at ${e.time})` : ""} is not the entry the log's signed checkpoint commits to — the row was rewritten, leaf hash included`,
        at,
      );
    } else {
      problem("the entries do not hash to the root of the signed checkpoint");
    }
    return result(false);
  }

  // 4. Consistency with the checkpoint verified last time.
  if (state !== undefined) {
    const m = state.checkpoint.size;
    const oldRoot = Buffer.from(state.checkpoint.rootHash, "base64");
    if (!tree.root(m).equals(oldRoot)) {
      problem(`the first ${m} entries no longer hash to the root of the checkpoint verified on ${state.verifiedAt}: the history before it was rewritten`);
    } else {
      const proof = hexList(await client.consistencyProof(m, size));
      if (proof === undefined || !verifyConsistency(m, size, oldRoot, root, proof)) {
        problem(`the server's consistency proof from ${m} to ${size} entries does not verify against the checkpoint verified on ${state.verifiedAt}`);
      }
    }
    if (problems.length > 0) return result(false);
  }

  // 5. Spot checks of the server's inclusion proofs.
  const sample = new Set<number>();
  if (size > 0) {
    sample.add(0);
    sample.add(size - 1);
    for (let i = 0, want = Math.min(options.spotChecks ?? 16, size); i < want * 4 && sample.size < want + 2; i++) sample.add(randomInt(size));
  }
  let checked = 0;
  for (const index of [...sample].sort((a, b) => a - b)) {
    const p = await client.inclusionProof(index, size);
    const proof = hexList(p.proof);
    const leaf = tree.leaf(index);
    if (p.leafHash !== leaf.toString("hex") || proof === undefined || !verifyInclusion(index, size, leaf, proof, root)) {
      problem(`the server's inclusion proof for entry ${index} does not verify against the checkpoint`, index);
    }
    checked++;
  }
  base.inclusionProofsChecked = checked;
  if (problems.length > 0) return result(false);

  let stateSaved = false;
  if (!options.noStateUpdate) {
    await writeState(statePath, {
      version: 1,
      origin,
      server: options.server,
      publicKeyPem,
      keyId,
      checkpoint: { size, rootHash: root.toString("base64"), timestamp: String(cp.timestamp), note: cp.note },
      verifiedAt: new Date().toISOString(),
    });
    stateSaved = true;
  }
  return result(true, { stateSaved });
}
