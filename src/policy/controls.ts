/**
 * The framework controls modelgate's built-in policy rules implement: ids and titles only.
 *
 * Sources (ids are the frameworks' own; titles as published, except where noted):
 * - NIST AI RMF 1.0 (NIST AI 100-1, Core tables): subcategory ids. NIST gives subcategories no titles; the
 *   short titles are descriptive labels (public domain source, labels written for modelgate).
 * - OWASP Machine Learning Security Top 10 (2023) and OWASP Top 10 for LLM Applications (2025), ids and
 *   titles, © OWASP Foundation, CC-BY-SA-4.0 (github.com/OWASP/www-project-machine-learning-security-top-10,
 *   github.com/OWASP/www-project-top-10-for-large-language-model-applications).
 * - MITRE ATLAS 5.6 mitigations (github.com/mitre-atlas/atlas-data, Apache-2.0, © MITRE).
 * - Google SAIF risk map controls (github.com/google/saif-data, Apache-2.0, © Google LLC).
 */
export type ControlFramework = "nist-ai-rmf" | "owasp-ml" | "owasp-llm" | "mitre-atlas" | "saif";

export interface ControlDefinition {
  id: string;
  framework: ControlFramework;
  title: string;
}

export const FRAMEWORK_TITLES: Readonly<Record<ControlFramework, string>> = Object.freeze({
  "nist-ai-rmf": "NIST AI RMF 1.0",
  "owasp-ml": "OWASP ML Top 10 (2023)",
  "owasp-llm": "OWASP LLM Top 10 (2025)",
  "mitre-atlas": "MITRE ATLAS mitigations",
  saif: "Google SAIF controls",
});

const CATALOG: readonly ControlDefinition[] = [
  { id: "GOVERN 1.1", framework: "nist-ai-rmf", title: "Legal and regulatory requirements" },
  { id: "GOVERN 1.6", framework: "nist-ai-rmf", title: "AI system inventory" },
  { id: "GOVERN 6.1", framework: "nist-ai-rmf", title: "Third-party risk policies (incl. IP)" },
  { id: "MAP 4.1", framework: "nist-ai-rmf", title: "Component technology and legal risk mapping" },
  { id: "MAP 4.2", framework: "nist-ai-rmf", title: "Internal controls for components" },
  { id: "MEASURE 2.7", framework: "nist-ai-rmf", title: "Security and resilience" },
  { id: "MANAGE 3.1", framework: "nist-ai-rmf", title: "Monitor third-party resources" },
  { id: "MANAGE 3.2", framework: "nist-ai-rmf", title: "Monitor pre-trained models" },
  { id: "ML06:2023", framework: "owasp-ml", title: "AI Supply Chain Attacks" },
  { id: "ML10:2023", framework: "owasp-ml", title: "Model Poisoning" },
  { id: "LLM03:2025", framework: "owasp-llm", title: "Supply Chain" },
  { id: "LLM04:2025", framework: "owasp-llm", title: "Data and Model Poisoning" },
  { id: "AML.M0008", framework: "mitre-atlas", title: "Validate AI Model" },
  { id: "AML.M0011", framework: "mitre-atlas", title: "Restrict Library Loading" },
  { id: "AML.M0013", framework: "mitre-atlas", title: "Code Signing" },
  { id: "AML.M0014", framework: "mitre-atlas", title: "Verify AI Artifacts" },
  { id: "AML.M0016", framework: "mitre-atlas", title: "Vulnerability Scanning" },
  { id: "AML.M0023", framework: "mitre-atlas", title: "AI Bill of Materials" },
  { id: "controlModelAndDataIntegrityManagement", framework: "saif", title: "Model and Data Integrity Management" },
  { id: "controlModelAndDataInventoryManagement", framework: "saif", title: "Model and Data Inventory Management" },
  { id: "controlSecureByDefaultMLTooling", framework: "saif", title: "Secure-by-Default ML Tooling" },
  { id: "controlVulnerabilityManagement", framework: "saif", title: "Vulnerability Management" },
  { id: "controlProductGovernance", framework: "saif", title: "Product Governance" },
];

const BY_ID = new Map(CATALOG.map((c) => [c.id, c]));

/** Shapes of each framework's ids: a custom rule naming an id of that shape must spell it correctly. */
const SHAPES: readonly [ControlFramework, RegExp][] = [
  ["nist-ai-rmf", /^(GOVERN|MAP|MEASURE|MANAGE) [1-9]\.[1-9][0-9]?$/],
  ["owasp-ml", /^ML(0[1-9]|10):2023$/],
  ["owasp-llm", /^LLM(0[1-9]|10):2025$/],
  ["mitre-atlas", /^AML\.M0[0-9]{3}$/],
  ["saif", /^control[A-Z][A-Za-z]+$/],
];

const LOOKS_LIKE: readonly RegExp[] = [/^(GOVERN|MAP|MEASURE|MANAGE)\b/i, /^ML\d/i, /^LLM\d/i, /^AML\./i, /^control[A-Z]/];

export function getControl(id: string): ControlDefinition | undefined {
  return BY_ID.get(id);
}

export function listControls(): readonly ControlDefinition[] {
  return CATALOG;
}

/**
 * The framework a control id belongs to, or "custom" for an organisation's own id. Returns an error message
 * for an id that looks like a framework id but is not spelled as one ("AML.M13", "LLM03", "Govern 1.1").
 */
export function classifyControl(id: string): { framework: ControlFramework | "custom"; title?: string } | { error: string } {
  const known = BY_ID.get(id);
  if (known) return { framework: known.framework, title: known.title };
  for (const [framework, shape] of SHAPES) if (shape.test(id)) return { framework };
  if (LOOKS_LIKE.some((r) => r.test(id))) {
    return {
      error: `control "${id}" looks like a framework id but is not one: write NIST AI RMF as "GOVERN 1.1", OWASP as "ML06:2023" / "LLM03:2025", ATLAS mitigations as "AML.M0013", SAIF controls as "controlModelAndDataIntegrityManagement"`,
    };
  }
  return { framework: "custom" };
}

/** Controls each built-in rule implements. */
export const BUILTIN_RULE_CONTROLS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "scan.max-severity": ["MEASURE 2.7", "MANAGE 3.2", "ML06:2023", "ML10:2023", "LLM03:2025", "LLM04:2025", "AML.M0016", "AML.M0008", "controlModelAndDataIntegrityManagement"],
  "scan.incomplete": ["MEASURE 2.7", "MANAGE 3.2", "ML06:2023", "LLM03:2025", "AML.M0016", "controlModelAndDataIntegrityManagement"],
  "formats.allowed": ["MAP 4.2", "MANAGE 3.2", "ML06:2023", "LLM03:2025", "AML.M0011", "controlSecureByDefaultMLTooling"],
  "signature.verified": ["GOVERN 6.1", "MAP 4.2", "MANAGE 3.1", "ML06:2023", "LLM03:2025", "AML.M0013", "AML.M0014", "controlModelAndDataIntegrityManagement"],
  "provenance.verified": ["GOVERN 6.1", "MANAGE 3.2", "ML06:2023", "LLM03:2025", "AML.M0014", "controlModelAndDataIntegrityManagement", "controlModelAndDataInventoryManagement"],
  "provenance.source": ["GOVERN 6.1", "MAP 4.1", "MANAGE 3.1", "ML06:2023", "LLM03:2025", "controlModelAndDataInventoryManagement"],
  "dependencies.vulnerabilities": ["MEASURE 2.7", "MANAGE 3.1", "ML06:2023", "LLM03:2025", "AML.M0016", "controlVulnerabilityManagement"],
  "dependencies.database": ["MANAGE 3.1", "AML.M0016", "controlVulnerabilityManagement"],
  "licenses.allowed": ["GOVERN 1.1", "GOVERN 6.1", "MAP 4.1", "LLM03:2025", "controlProductGovernance"],
  "sbom.fields": ["GOVERN 1.6", "MAP 4.1", "ML06:2023", "LLM03:2025", "AML.M0023", "controlModelAndDataInventoryManagement"],
  "sbom.file": ["GOVERN 1.6", "MAP 4.1", "LLM03:2025", "AML.M0023", "controlModelAndDataInventoryManagement"],
  "size.max-file": ["MAP 4.2", "MEASURE 2.7", "controlModelAndDataIntegrityManagement"],
  "size.max-total": ["MAP 4.2", "MEASURE 2.7", "controlModelAndDataIntegrityManagement"],
});
