/**
 * Software bills of materials (CycloneDX, SPDX) sit beside models and are full of reference URLs: licence
 * texts, download locations, advisories. No loader contacts them, so they are not reported as endpoints.
 * The exemption holds only for a file that is shaped like an SBOM and is not one of the configuration files
 * loaders read (a config.json claiming to be an SBOM is still checked in full).
 */
const LOADER_CONFIG_NAMES = new Set([
  "config.json",
  "generation_config.json",
  "tokenizer_config.json",
  "tokenizer.json",
  "preprocessor_config.json",
  "processor_config.json",
  "video_preprocessor_config.json",
  "model_index.json",
  "modules.json",
  "adapter_config.json",
  "special_tokens_map.json",
  "config_sentence_transformers.json",
]);

function baseName(where: string): string {
  const slash = Math.max(where.lastIndexOf("/"), where.lastIndexOf("\\"), where.lastIndexOf("!"));
  return where.slice(slash + 1).toLowerCase();
}

/** True for a CycloneDX or SPDX (2.x JSON, 3.x JSON-LD) document that no loader reads as configuration. */
export function isSbomDocument(root: unknown, where: string): boolean {
  if (typeof root !== "object" || root === null || Array.isArray(root)) return false;
  if (LOADER_CONFIG_NAMES.has(baseName(where))) return false;
  const doc = root as Record<string, unknown>;
  if (doc.bomFormat === "CycloneDX" && typeof doc.specVersion === "string") return true;
  if (typeof doc.spdxVersion === "string" && doc.spdxVersion.startsWith("SPDX-")) return true;
  const context = doc["@context"];
  return typeof context === "string" && /^https:\/\/spdx\.org\/rdf\/3\.[0-9.]+\/spdx-context\.jsonld$/.test(context);
}
