import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Finding modelgate.yaml, kept apart from the policy loader (src/policy/load.ts) so that a command with no
 * configuration file never loads YAML, the JSON schema validator or the CEL engine.
 */

/** File names looked for, in each folder from the working folder up to the root. */
export const CONFIG_FILE_NAMES = ["modelgate.yaml", "modelgate.yml", ".modelgate.yaml", ".modelgate.yml"] as const;

/** The nearest modelgate.yaml (or .yml, .modelgate.yaml) from `cwd` up to the file system root. */
export function findConfigFile(cwd: string = process.cwd()): string | undefined {
  let dir = resolve(cwd);
  while (true) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
