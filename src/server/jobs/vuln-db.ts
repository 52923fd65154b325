import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedServerConfig } from "../config.js";

/** Where POST /api/v1/vulndb/update writes: --vuln-db, else dataDir/vulndb. */
export function vulnDbTarget(config: Pick<ResolvedServerConfig, "vulnDb" | "dataDir">): string {
  return config.vulnDb ?? join(config.dataDir, "vulndb");
}

/** The vulnerability database audits use, when one is configured or has been uploaded. */
export function activeVulnDb(config: Pick<ResolvedServerConfig, "vulnDb" | "dataDir">): string | undefined {
  if (config.vulnDb) return config.vulnDb;
  const uploaded = join(config.dataDir, "vulndb");
  return existsSync(join(uploaded, "metadata.json")) ? uploaded : undefined;
}
