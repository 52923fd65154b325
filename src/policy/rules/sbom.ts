import { SBOM_FIELDS } from "../facts.js";
import type { BuiltinRule } from "./rule.js";

export const sbomFields: BuiltinRule = {
  id: "sbom.fields",
  title: "ML-SBOM fields present",
  applies: (doc) => (doc.sbom?.required_fields?.length ?? 0) > 0,
  needs: ["sbom"],
  evaluate({ facts, policy, notes }) {
    if (notes.metadataError) return [{ status: "error", message: `the model's metadata could not be read: ${notes.metadataError}` }];
    const required = policy.document.sbom!.required_fields!;
    const missing = required.filter((f) => SBOM_FIELDS.includes(f) && !facts.sbom.fields[f]);
    if (missing.length === 0) return [{ status: "pass", message: `SBOM fields present: ${required.join(", ")}` }];
    return [{ status: "fail", message: `missing from the model's metadata (model card, config): ${missing.join(", ")}` }];
  },
};

export const sbomFile: BuiltinRule = {
  id: "sbom.file",
  title: "SBOM file shipped with the model",
  applies: (doc) => doc.sbom?.require_file === true,
  needs: ["sbom"],
  evaluate({ facts }) {
    const s = facts.sbom;
    if (s.present) return [{ status: "pass", message: `SBOM ${s.file} (${s.format})`, ...(s.file ? { path: s.file } : {}) }];
    if (s.error) return [{ status: "fail", message: s.error, ...(s.file ? { path: s.file } : {}) }];
    return [{ status: "fail", message: "no SBOM file in the model (*.cdx.json, bom.json, sbom.json, *.spdx.json); write one with `modelgate sbom`" }];
  },
};
