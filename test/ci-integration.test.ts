/** action.yml and .pre-commit-hooks.yaml parse, and every modelgate flag they use exists. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { main } from "../src/cli/main.js";

const ROOT = new URL("../", import.meta.url);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

interface Action {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Hook {
  id: string;
  entry: string;
  args?: string[];
  language: string;
  files: string;
}

let out = "";
async function help(command: string): Promise<string> {
  out = "";
  expect(await main([command, "--help"])).toBe(0);
  return out;
}

beforeAll(() => {
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
});
afterAll(() => vi.restoreAllMocks());

function flagsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((m) => m[1]!))];
}

describe("action.yml", () => {
  const action = parse(readFileSync(new URL("action.yml", ROOT), "utf8")) as Action;
  const steps = action.runs.steps;

  it("is a composite action on the Node its node-version input names (22 by default) that installs modelgate, runs check, uploads SARIF", () => {
    expect(action.runs.using).toBe("composite");
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"]).toBe("${{ inputs.node-version }}");
    expect(action.inputs["node-version"]!.default).toBe("22");
    expect(steps.some((s) => s.run?.includes('npm install -g "modelgate@'))).toBe(true);
    const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(upload?.with?.sarif_file).toContain("steps.check.outputs.sarif-file");
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(["path", "policy", "profile", "fail-on", "sarif-file"]));
    expect(action.inputs.path!.required).toBe(true);
  });

  it("installs its own checkout by default (nothing is published yet), packed as a release is, and a registry version when asked", () => {
    expect(action.inputs.version!.default).toBe("");
    const install = steps.find((s) => s.name === "Install modelgate")!;
    expect(install.env?.["ACTION_PATH"]).toBe("${{ github.action_path }}");
    expect(install.run).toMatch(/if \[ -n "\$MODELGATE_VERSION" \]; then\s+npm install -g "modelgate@\$\{MODELGATE_VERSION\}"\s+else/);
    expect(install.run).toContain('cd "$ACTION_PATH"');
    expect(install.run).toContain("npm ci");
    expect(install.run).toContain('npm pack --ignore-scripts --silent --pack-destination "$RUNNER_TEMP"');
    expect(install.run).toContain('npm install -g --no-audit --no-fund "$RUNNER_TEMP/$tarball"');
  });

  it("passes inputs through the environment, never into the script text", () => {
    for (const s of steps) if (s.run) expect(s.run).not.toMatch(/\$\{\{\s*inputs\./);
  });

  it("uses only flags `modelgate check` has", async () => {
    const run = steps.find((s) => s.run?.includes("modelgate check"))!.run!;
    const flags = flagsIn(run);
    expect(flags).toEqual(expect.arrayContaining(["--policy", "--profile", "--fail-on", "--db", "--online", "--format", "--output"]));
    const text = await help("check");
    for (const f of flags) expect(text, f).toContain(f);
  });
});

describe(".pre-commit-hooks.yaml", () => {
  const hooks = parse(readFileSync(new URL(".pre-commit-hooks.yaml", ROOT), "utf8")) as Hook[];

  it("defines modelgate-scan and modelgate-check as node hooks", () => {
    expect(hooks.map((h) => h.id)).toEqual(["modelgate-scan", "modelgate-check"]);
    for (const h of hooks) expect(h.language).toBe("node");
  });

  it.each(["modelgate-scan", "modelgate-check"])("%s runs a real command with real flags", async (id) => {
    const hook = hooks.find((h) => h.id === id)!;
    const [bin, command] = hook.entry.split(" ");
    expect(bin).toBe("modelgate");
    const text = await help(command!);
    for (const f of flagsIn([hook.entry, ...(hook.args ?? [])].join(" "))) expect(text, f).toContain(f);
  });

  it("selects model files, not documentation", () => {
    for (const h of hooks) {
      const re = new RegExp(h.files);
      for (const f of ["model.safetensors", "pytorch_model.bin", "w.pt", "m.gguf", "net.onnx", "clf.pkl", "x.joblib", "bundle.zip"]) expect(re.test(f), f).toBe(true);
      for (const f of ["README.md", "config.json", "train.py"]) expect(re.test(f), f).toBe(false);
    }
  });
});

describe("docs/ci.md", () => {
  it("shows the action, the hooks and the shared configuration", () => {
    const doc = readFileSync(new URL("docs/ci.md", ROOT), "utf8");
    for (const s of ["uses: modelgate/modelgate@", "id: modelgate-scan", "id: modelgate-check", "MODELGATE_POLICY", "upload-sarif"]) expect(doc).toContain(s);
  });
});
