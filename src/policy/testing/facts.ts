/** Test helper: facts of a small clean model, and a policy loaded from text. Not part of the library. */
import { emptyFacts, type Facts } from "../facts.js";
import { loadPolicy, type LoadedPolicy } from "../load.js";

/** Facts of a clean, signed, documented model with one dependency file. Every section gathered. */
export function cleanFacts(): Facts {
  const f = emptyFacts("models/clean", "clean");
  const sha = "a".repeat(64);
  f.model = {
    path: "models/clean",
    name: "clean",
    org: "acme",
    license: "apache-2.0",
    datasets: ["acme/corpus"],
    baseModels: [],
    files: [
      { path: "model.safetensors", size: 1000, sha256: sha, format: "safetensors" },
      { path: "config.json", size: 100, sha256: "b".repeat(64), format: "json" },
    ],
    totalSize: 1100,
    truncated: false,
  };
  f.scan = {
    ran: true,
    verdict: "pass",
    maxSeverity: "info",
    findings: [{ ruleId: "scanner/unknown-format", severity: "info", path: "notes.bin", message: "content matches no known format" }],
    files: [
      { path: "model.safetensors", format: "safetensors", size: 1000 },
      { path: "config.json", format: "json", size: 100 },
    ],
    incomplete: false,
    truncated: false,
  };
  f.signature = { checked: true, present: true, verified: true, method: "key", keyId: "c".repeat(64), path: "models/clean/model.sig", digest: "d".repeat(64) };
  f.provenance = {
    checked: true,
    present: true,
    verified: true,
    path: "models/clean.provenance.json",
    source: { kind: "huggingface", org: "acme", repository: "acme/clean", url: "hf://acme/clean@0123456789012345678901234567890123456789", revision: "0123456789012345678901234567890123456789" },
  };
  f.sbom.checked = true;
  f.sbom.present = true;
  f.sbom.file = "sbom.cdx.json";
  f.sbom.format = "cyclonedx";
  Object.assign(f.sbom.fields, { name: true, license: true, datasets: true, model_card: true });
  f.dependencies = { audited: true, vulnerabilities: [], files: ["requirements.txt"], databaseAgeDays: 1, incomplete: false };
  return f;
}

/** Loads a policy from YAML text (as a file named `name`). */
export function policyFromText(text: string, name = "modelgate.yaml"): Promise<LoadedPolicy> {
  return loadPolicy({ text, file: name });
}
