import { api } from "../../client/http.js";
import { ModelgateError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import { waitForVerdict, waitTimeoutMs } from "./push.js";

interface ImportCliOptions {
  to?: string;
  project?: string;
  model?: string;
  version?: string;
  revision?: string;
  hub?: string;
  token?: string;
  wait?: boolean;
  timeout?: string;
}

interface ImportAnswer {
  version: string;
  status: string;
  files: number;
  source: { hub: string; repo: string; revision: string; commit: string };
}

/** `modelgate import hf://ORG/NAME[@REV] --to URL`: asks the gate server to fetch, scan and check a hub model. */
export async function runImport(source: string, raw: Record<string, unknown>): Promise<number> {
  const o = raw as ImportCliOptions;
  o.to ??= process.env.MODELGATE_SERVER;
  const token = o.token ?? process.env.MODELGATE_TOKEN;
  const missing = [!o.to && "--to URL (or MODELGATE_SERVER)", !o.project && "--project P", !o.model && "--model M", !token && "--token T (or MODELGATE_TOKEN)"].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`modelgate import: missing ${missing.join(", ")}\n`);
    return EXIT.USAGE;
  }
  const timeoutMs = waitTimeoutMs("import", o.timeout, 1_800_000);
  if (timeoutMs === undefined) return EXIT.USAGE;
  const base = o.to!.endsWith("/") ? o.to! : `${o.to!}/`;
  try {
    const answer = await api<ImportAnswer>(base, token!, "POST", `api/v1/projects/${encodeURIComponent(o.project!)}/models/${encodeURIComponent(o.model!)}/imports`, {
      source,
      ...(o.revision !== undefined ? { revision: o.revision } : {}),
      ...(o.version !== undefined ? { version: o.version } : {}),
      ...(o.hub !== undefined ? { hub: o.hub } : {}),
    });
    const subject = `${o.project}/${o.model}@${answer.version}`;
    process.stdout.write(`importing hf://${answer.source.repo}@${answer.source.revision} (commit ${answer.source.commit}) from ${answer.source.hub} as ${subject}: ${answer.files} file(s)\n`);
    if (!o.wait) return EXIT.OK;
    const state = await waitForVerdict(o.to!, token!, o.project!, o.model!, answer.version, timeoutMs);
    process.stdout.write(`${subject}: ${state.status}\n`);
    for (const r of state.reasons) process.stdout.write(`  - ${r}\n`);
    return state.status === "approved" ? EXIT.OK : EXIT.FINDINGS;
  } catch (e) {
    if (!(e instanceof ModelgateError)) throw e;
    process.stderr.write(`modelgate import: ${e.message}\n`);
    return EXIT.USAGE;
  }
}
