/**
 * `--online`: the advisories for the audited packages from the OSV API (https://google.github.io/osv.dev/api/).
 * One POST /v1/querybatch per 1000 packages (following next_page_token), then GET /v1/vulns/{id} for each
 * advisory (the batch answer carries ids only), cached for the run. The records are matched locally, exactly
 * as offline ones.
 */
import { ModelgateError } from "../../core/errors.js";
import { OsvIndex, type OsvDatabase } from "./database.js";
import { OSV_ECOSYSTEM } from "./record.js";

export const OSV_API = "https://api.osv.dev";
const BATCH = 1000;
const PARALLEL = 8;
const MAX_PAGES = 100;

export interface OnlineOptions {
  fetch?: typeof fetch;
  api?: string;
  /** Cache of GET /v1/vulns/{id} answers, shared within a run. */
  cache?: Map<string, unknown>;
}

interface BatchAnswer {
  results?: { vulns?: { id?: string }[]; next_page_token?: string }[];
}

async function request(f: typeof fetch, url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await f(url, init);
  } catch (e) {
    throw new ModelgateError("NETWORK_ERROR", `cannot reach the OSV API (${url}): ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) {
    let body = "";
    try {
      body = (await res.text()).slice(0, 200);
    } catch {
      /* the status says enough */
    }
    throw new ModelgateError("NETWORK_ERROR", `the OSV API answered ${res.status} ${res.statusText} for ${url}${body ? `: ${body}` : ""}`);
  }
  try {
    return (await res.json()) as unknown;
  } catch (e) {
    throw new ModelgateError("NETWORK_ERROR", `the OSV API sent a response that is not JSON for ${url}`, { cause: e });
  }
}

/** Advisory ids for each package (PyPI), in batches of at most 1000 queries. */
export async function queryPackageIds(packages: readonly string[], options: OnlineOptions = {}): Promise<Set<string>> {
  const f = options.fetch ?? fetch;
  const api = options.api ?? OSV_API;
  const ids = new Set<string>();
  let pending = packages.map((name) => ({ name, token: undefined as string | undefined }));
  for (let page = 0; pending.length > 0; page++) {
    if (page >= MAX_PAGES) throw new ModelgateError("NETWORK_ERROR", `the OSV API kept paging after ${MAX_PAGES} requests`);
    const next: typeof pending = [];
    for (let i = 0; i < pending.length; i += BATCH) {
      const chunk = pending.slice(i, i + BATCH);
      const body = { queries: chunk.map((q) => ({ package: { name: q.name, ecosystem: OSV_ECOSYSTEM }, ...(q.token ? { page_token: q.token } : {}) })) };
      const answer = (await request(f, `${api}/v1/querybatch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })) as BatchAnswer;
      const results = Array.isArray(answer?.results) ? answer.results : undefined;
      if (!results || results.length !== chunk.length) throw new ModelgateError("NETWORK_ERROR", `the OSV API answered ${results?.length ?? "no"} results for ${chunk.length} queries`);
      results.forEach((r, j) => {
        for (const v of r?.vulns ?? []) if (typeof v?.id === "string") ids.add(v.id);
        if (typeof r?.next_page_token === "string" && r.next_page_token) next.push({ name: chunk[j]!.name, token: r.next_page_token });
      });
    }
    pending = next;
  }
  return ids;
}

/** Queries the OSV API for the packages and returns the advisories as a database (kind "online"). */
export async function loadOnlineDatabase(packages: readonly string[], options: OnlineOptions = {}): Promise<OsvDatabase> {
  const f = options.fetch ?? fetch;
  const api = options.api ?? OSV_API;
  const cache = options.cache ?? new Map<string, unknown>();
  const ids = [...(await queryPackageIds([...new Set(packages)].sort(), options))].sort();
  const index = new OsvIndex();
  for (let i = 0; i < ids.length; i += PARALLEL) {
    const chunk = ids.slice(i, i + PARALLEL);
    const records = await Promise.all(
      chunk.map(async (id) => {
        if (!cache.has(id)) cache.set(id, await request(f, `${api}/v1/vulns/${encodeURIComponent(id)}`));
        return cache.get(id);
      }),
    );
    chunk.forEach((id, j) => index.add(records[j], `${api}/v1/vulns/${id}`));
  }
  return {
    kind: "online",
    source: api,
    updatedAt: new Date().toISOString(),
    records: index.records,
    withdrawn: index.withdrawn,
    issues: index.issues,
    lookup: index.lookup,
    validateAll: index.validateAll,
  };
}
