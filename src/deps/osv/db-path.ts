import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The vulnerability database directory: the option, else $MODELGATE_DB, else ${XDG_CACHE_HOME:-~/.cache}/modelgate/osv. */
export function resolveDbPath(option?: string): string {
  if (option) return resolve(option);
  const env = process.env.MODELGATE_DB;
  if (env) return resolve(env);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return resolve(cache, "modelgate", "osv");
}
