import { describe, expect, it } from "vitest";
import { SEVERITIES } from "../../core/severity.js";
import { normalizePackageName } from "../parse/name.js";
import { parseSpecifierSet, parseVersion } from "../pep440/index.js";
import type { Dependency } from "../types.js";
import { adviceInterval, matchAdvice } from "./advice.js";
import { ADVICE } from "./table.js";

function dep(name: string, specifier: string, version?: string): Dependency {
  return { name, rawName: name, specifier, ...(version ? { version } : {}), extras: [], hashes: [], locked: false, source: { file: "requirements.txt", line: 1 } };
}
const pinned = (v: string) => ({ pinned: true as const, version: parseVersion(v), raw: v });
const spec = (s: string) => ({ pinned: false as const, specifier: parseSpecifierSet(s)! });

describe("ML advice table", () => {
  it("has well-formed, reviewed entries", () => {
    const ids = new Set<string>();
    for (const e of ADVICE) {
      expect(ids.has(e.id), e.id).toBe(false);
      ids.add(e.id);
      expect(e.package).toBe(normalizePackageName(e.package));
      expect(() => adviceInterval(e)).not.toThrow();
      expect(SEVERITIES).toContain(e.severity);
      if (e.fixed) {
        expect(parseVersion(e.fixed), e.id).toBeDefined();
        // The fixed release is outside the affected range, and the release before it inside.
        expect(matchAdvice(dep(e.package, `==${e.fixed}`, e.fixed), pinned(e.fixed), [e])).toEqual([]);
      }
      expect(e.title.length).toBeGreaterThan(10);
      expect(e.why.length).toBeGreaterThan(40);
      expect(e.references.length).toBeGreaterThan(0);
      for (const c of e.cves) expect(c).toMatch(/^CVE-\d{4}-\d{4,}$/);
    }
  });

  it.each([
    ["torch", "2.5.1", ["torch-load-weights-only-bypass"]],
    ["torch", "2.6.0", []],
    ["torch", "2.6.0+cpu", []],
    ["torch", "2.5.1+cu121", ["torch-load-weights-only-bypass"]],
    ["keras", "2.15.0", []],
    ["keras", "3.8.0", ["keras-safe-mode-bypass-3.9", "keras-safe-mode-bypass-3.11"]],
    ["keras", "3.10.0", ["keras-safe-mode-bypass-3.11"]],
    ["keras", "3.11.0", []],
    ["numpy", "1.16.2", ["numpy-load-allow-pickle-default"]],
    ["numpy", "1.16.3", []],
    ["transformers", "4.37.0", ["transformers-tf-checkpoint-pickle", "transformers-deserialization-4.48"]],
    ["transformers", "4.48.0", []],
  ])("%s %s → %j", (name, version, ids) => {
    expect(matchAdvice(dep(name, `==${version}`, version), pinned(version)).map((a) => a.id)).toEqual(ids);
  });

  it("flags unpinned requirements that allow an affected version", () => {
    expect(matchAdvice(dep("torch", ">=2.0"), spec(">=2.0")).map((a) => a.id)).toEqual(["torch-load-weights-only-bypass"]);
    expect(matchAdvice(dep("torch", ">=2.6"), spec(">=2.6"))).toEqual([]);
    expect(matchAdvice(dep("keras", "<3"), spec("<3"))).toEqual([]);
    const [m] = matchAdvice(dep("torch", ""), spec(""));
    expect(m).toMatchObject({ pinned: false, fixed: "2.6.0", severity: "critical" });
  });
});
