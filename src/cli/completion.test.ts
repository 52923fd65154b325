// The completion scripts run in the real shells: bash (always here), zsh and fish when installed (.ci/run
// installs them). Each case is what a user gets after typing the words and pressing Tab.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/server/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mg-completion-"));
const has = (shell: string): boolean => spawnSync(shell, ["-c", "true"]).status === 0;

async function script(shell: string): Promise<string> {
  const r = await runCli(["completion", shell]);
  expect(r.code).toBe(0);
  const file = join(dir, `modelgate.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** COMPREPLY for the words typed (the last one is being completed), in bash or zsh (through bashcompinit). */
function reply(shell: "bash" | "zsh", file: string, words: string[]): string[] {
  const array = words.map((w) => `'${w}'`).join(" ");
  const prelude = shell === "zsh" ? "setopt ksharrays; " : "";
  const r = spawnSync(shell, ["-c", `source ${file}; ${prelude}COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _modelgate; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

describe("modelgate completion", () => {
  it("bash completes commands, subcommands, options and their choices, and leaves paths to the shell", { timeout: 30_000 }, async () => {
    const f = await script("bash");
    expect(spawnSync("bash", ["-n", f]).status).toBe(0);
    expect(reply("bash", f, ["modelgate", "sc"])).toEqual(["scan"]);
    expect(reply("bash", f, ["modelgate", "pro"])).toEqual(["provenance", "project"]);
    expect(reply("bash", f, ["modelgate", "scan", "--fo"])).toEqual(["--format"]);
    expect(reply("bash", f, ["modelgate", "scan", "--format", ""])).toEqual(["text", "json", "sarif", "html"]);
    expect(reply("bash", f, ["modelgate", "audit-log", ""])).toEqual(["verify", "show"]);
    expect(reply("bash", f, ["modelgate", "audit-log", "verify", "--sp"])).toEqual(["--spot-checks"]);
    expect(reply("bash", f, ["modelgate", "token", "create", "--ro"])).toEqual(["--role"]);
    expect(reply("bash", f, ["modelgate", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    // A path: nothing from modelgate, so `complete -o default` offers file names.
    expect(reply("bash", f, ["modelgate", "scan", "models/"])).toEqual([]);
  });

  it.skipIf(!has("zsh"))("zsh runs the same completion through bashcompinit", { timeout: 30_000 }, async () => {
    const f = await script("zsh");
    // zsh's compadd filters by what is typed: COMPREPLY holds every candidate at that position.
    expect(reply("zsh", f, ["modelgate", "db", ""])).toEqual(["update", "status"]);
    expect(reply("zsh", f, ["modelgate", "scan", "--format", ""])).toEqual(["text", "json", "sarif", "html"]);
    expect(reply("zsh", f, ["modelgate", ""])).toContain("server-key");
  });

  it.skipIf(!has("fish"))("fish completes commands with their descriptions, subcommands and option values", { timeout: 30_000 }, async () => {
    const f = await script("fish");
    const complete = (line: string): string[] => {
      const r = spawnSync("fish", ["-c", `source ${f}; complete -C '${line}'`], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!);
    };
    expect(complete("modelgate sc")).toEqual(["scan"]);
    expect(complete("modelgate scan --format ").sort()).toEqual(["html", "json", "sarif", "text"]);
    expect(complete("modelgate audit-log ").sort()).toEqual(["show", "verify"]);
    expect(complete("modelgate audit-log verify --sp")).toEqual(["--spot-checks"]);
    expect(complete("modelgate completion ").sort()).toEqual(["bash", "fish", "zsh"]);
  });

  it("refuses a shell it has no script for", { timeout: 30_000 }, async () => {
    const r = await runCli(["completion", "powershell"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish");
  });
});
