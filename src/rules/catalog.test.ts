import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SEVERITIES } from "../core/severity.js";
import { RULES, getRule } from "./catalog.js";

const ATLAS_INDEX = new URL("../../../shared/frameworks/mitre-atlas/atlas-index.json", import.meta.url);

describe("rule catalog", () => {
  it("every rule is complete", () => {
    for (const r of RULES) {
      expect(r.id, r.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
      expect(SEVERITIES, r.id).toContain(r.severity);
      expect(r.title.length, r.id).toBeGreaterThan(3);
      expect(r.description.length, r.id).toBeGreaterThan(20);
      expect(r.remediation.length, r.id).toBeGreaterThan(10);
      for (const c of r.cwe) expect(c, r.id).toMatch(/^CWE-\d+$/);
      for (const o of r.owasp) expect(o, r.id).toMatch(/^(ML\d{2}:2023|LLM\d{2}:2025)$/);
    }
  });

  it("rules that report code or unverifiable content carry a CWE and an ATLAS technique", () => {
    for (const r of RULES.filter((x) => x.severity === "critical" || x.severity === "high")) {
      expect(r.cwe.length, r.id).toBeGreaterThan(0);
      expect(r.atlas.length, r.id).toBeGreaterThan(0);
    }
  });

  it.skipIf(!existsSync(ATLAS_INDEX))("every ATLAS id exists in MITRE ATLAS", () => {
    const index = JSON.parse(readFileSync(ATLAS_INDEX, "utf8")) as { techniques: { id: string }[]; mitigations: { id: string }[] };
    const known = new Set([...index.techniques.map((t) => t.id), ...index.mitigations.map((m) => m.id)]);
    for (const r of RULES) for (const a of r.atlas) expect(known.has(a), `${r.id}: ${a}`).toBe(true);
  });

  it("unknown ids are an internal error, not a silent default", () => {
    expect(() => getRule("nope/nothing")).toThrow(/unknown rule id/);
  });
});
