import { readFile } from "node:fs/promises";
import { ModelgateError } from "../../core/errors.js";
import { AuditLogClient, verifyAuditLog, type VerifyResult } from "../../server/audit/verify-client.js";
import type { AuditEntry } from "../../server/audit/entry.js";
import { EXIT } from "../exit-codes.js";
import { progressActive } from "../progress.js";

interface CommonCliOptions {
  server?: string;
  token?: string;
}

interface VerifyCliOptions extends CommonCliOptions {
  publicKey?: string;
  state?: string;
  spotChecks?: string;
  format?: string;
  quiet?: boolean;
}

interface ShowCliOptions extends CommonCliOptions {
  from?: string;
  to?: string;
  format?: string;
}

function fail(e: unknown): number {
  if (e instanceof ModelgateError) {
    process.stderr.write(`modelgate: ${e.message}\n`);
    return EXIT.USAGE;
  }
  throw e;
}

function server(opts: CommonCliOptions): { server: string; token?: string } {
  opts.server ??= process.env.MODELGATE_SERVER;
  if (opts.server === undefined) throw new ModelgateError("USAGE", "--server URL is required (the gate server, e.g. http://127.0.0.1:8414; or MODELGATE_SERVER)");
  const token = opts.token ?? process.env.MODELGATE_TOKEN;
  return token ? { server: opts.server, token } : { server: opts.server };
}

function count(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(raw)) throw new ModelgateError("INVALID_OPTION", `${name} must be a non-negative whole number, got "${raw}"`);
  return Number(raw);
}

const TRUST_TEXT = { pinned: "pinned with --public-key", state: "the key trusted on an earlier run (state file)", "first-use": "trusted on first use (not pinned)" } as const;

function printVerifyText(r: VerifyResult, serverUrl: string): void {
  const out: string[] = [];
  if (r.verified) {
    out.push(`audit log ${r.origin} at ${serverUrl}: verified`);
    out.push(`  key         ${r.keyId}, ${TRUST_TEXT[r.trust]}`);
    out.push(
      r.entriesRedacted
        ? `  entries     ${r.entriesChecked}: ${r.entriesChecked - r.entriesRedacted} leaf hashes recomputed from the entry's content, ${r.entriesRedacted} served as leaf hashes only (outside this token's projects)`
        : `  entries     ${r.entriesChecked}, every leaf hash recomputed from the entry's content`,
    );
    out.push(`  size        ${r.size}`);
    out.push(`  root        ${r.rootHash}`);
    out.push(`  checkpoint  signed ${r.checkpointTime}`);
    if (r.previous) out.push(`  history     consistent with the checkpoint of ${r.previous.size} entries verified ${r.previous.verifiedAt}`);
    else out.push("  history     no earlier checkpoint in the state file (first run)");
    out.push(`  inclusion   ${r.inclusionProofsChecked} proofs checked`);
    if (r.stateSaved) out.push(`  state       ${r.statePath}`);
  } else {
    out.push(`audit log ${r.origin || "(unknown)"} at ${serverUrl}: TAMPERING DETECTED`);
    for (const p of r.problems) {
      // Messages about one entry mostly start by naming it; others get the index in front.
      const named = p.index === undefined || p.message.startsWith(`entry ${p.index} `) || p.message.startsWith(`entry ${p.index}:`);
      out.push(`  ${named ? "" : `entry ${p.index}: `}${p.message}`);
    }
    if (r.size > 0 || r.rootHash) out.push(`  (signed checkpoint: ${r.size} entries, root ${r.rootHash}, ${r.checkpointTime}; key ${r.keyId}, ${TRUST_TEXT[r.trust]})`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

/** `modelgate audit-log verify --server URL`. */
export async function runAuditLogVerify(raw: Record<string, unknown>): Promise<number> {
  const opts = raw as VerifyCliOptions;
  const showProgress = progressActive(!opts.quiet);
  let shown = false;
  try {
    const conn = server(opts);
    let publicKeyPem: string | undefined;
    if (opts.publicKey !== undefined) {
      try {
        publicKeyPem = await readFile(opts.publicKey, "utf8");
      } catch (e) {
        throw new ModelgateError("PATH_UNREADABLE", `cannot read the public key ${opts.publicKey}: ${(e as Error).message}`);
      }
    }
    const spotChecks = count("--spot-checks", opts.spotChecks);
    let last = 0;
    const result = await verifyAuditLog({
      ...conn,
      ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
      ...(opts.state === undefined ? {} : { statePath: opts.state }),
      ...(spotChecks === undefined ? {} : { spotChecks }),
      onNotice: (m) => process.stderr.write(`modelgate: ${m}\n`),
      onProgress: (done, total) => {
        if (!showProgress || total < 5000) return;
        const now = Date.now();
        if (now - last < 100 && done !== total) return;
        last = now;
        process.stderr.write(`\r\u001b[2Kverifying audit log entries ${done}/${total} (${Math.floor((done / total) * 100)}%)`);
        shown = true;
      },
    });
    if (shown) process.stderr.write("\r\u001b[2K");
    if (opts.format === "json") process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else printVerifyText(result, conn.server);
    return result.verified ? EXIT.OK : EXIT.FINDINGS;
  } catch (e) {
    if (shown) process.stderr.write("\r\u001b[2K");
    return fail(e);
  }
}

function entryLine(e: AuditEntry): string {
  const parts = [`#${e.index}`, e.time, e.type, e.actor];
  if (e.project) parts.push(`project=${e.project}`);
  if (e.subject) parts.push(`subject=${e.subject}`);
  if (e.data && Object.keys(e.data).length > 0) parts.push(JSON.stringify(e.data));
  return parts.join("  ");
}

/** `modelgate audit-log show --server URL [--from N] [--to M]`. */
export async function runAuditLogShow(raw: Record<string, unknown>): Promise<number> {
  const opts = raw as ShowCliOptions;
  try {
    const client = new AuditLogClient(server(opts));
    const from = count("--from", opts.from) ?? 0;
    const to = count("--to", opts.to);
    if (to !== undefined && to < from) throw new ModelgateError("INVALID_OPTION", `--to (${to}) must not be below --from (${from})`);
    const json = opts.format === "json";
    if (json) process.stdout.write("[");
    let first = true;
    for (let cur = from; to === undefined || cur < to; ) {
      const page = await client.entries(cur, to === undefined ? undefined : Math.min(to, cur + 1000));
      if (page.length === 0) break;
      for (const e of page) {
        process.stdout.write(json ? `${first ? "" : ","}\n  ${JSON.stringify(e)}` : `${entryLine(e)}\n`);
        first = false;
      }
      const next = page.at(-1)!.index + 1;
      if (!(next > cur)) break;
      cur = next;
    }
    if (json) process.stdout.write(first ? "]\n" : "\n]\n");
    return EXIT.OK;
  } catch (e) {
    return fail(e);
  }
}
