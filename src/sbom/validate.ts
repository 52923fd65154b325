/**
 * Schema validation of what the SBOM writers produce, fully offline: CycloneDX 1.6 with
 * @cyclonedx/cyclonedx-library's strict JSON validator (its bundled schemas, ajv), SPDX 3.0.1 with Ajv2020
 * against the official JSON schema kept in schemas/spdx-3.0.1.schema.json. Validators are compiled once.
 */
import { readFileSync } from "node:fs";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { ModelgateError } from "../core/errors.js";
import type { SbomFormat } from "./types.js";

/** schemas/ at the package root: two levels above src/sbom and dist/sbom. */
export const SPDX_SCHEMA_URL = new URL("../../schemas/spdx-3.0.1.schema.json", import.meta.url);

let cdxValidator: Validation.JsonStrictValidator | undefined;
let spdxValidator: ValidateFunction | undefined;

function errorText(e: { instancePath?: string; message?: string; params?: unknown }): string {
  let params = e.params && typeof e.params === "object" && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : "";
  if (params.length > 200) params = `${params.slice(0, 199)}…`;
  return `${e.instancePath || "/"}: ${e.message ?? "invalid"}${params}`;
}

/**
 * The errors that say what is wrong. The SPDX schema tries every class for each graph element (anyOf), so
 * Ajv also reports "type must be <every other class>" and the combinators that failed; the deepest
 * errors of other keywords are the real ones.
 */
function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const noise = new Set(["const", "oneOf", "anyOf", "allOf", "if", "not"]);
  const real = errors.filter((e) => !noise.has(e.keyword) && !(e.keyword === "required" && e.params && (e.params as { missingProperty?: string }).missingProperty === "type"));
  const pool = real.length > 0 ? real : [...errors];
  return pool.sort((a, b) => b.instancePath.split("/").length - a.instancePath.split("/").length);
}

/** Schema errors of a CycloneDX 1.6 JSON document (empty when valid). */
export async function cyclonedxErrors(document: unknown): Promise<string[]> {
  cdxValidator ??= new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  const result = (await cdxValidator.validate(JSON.stringify(document))) as null | Array<ErrorObject> | unknown;
  if (result === null) return [];
  return Array.isArray(result) ? [...new Set(relevant(result as ErrorObject[]).map(errorText))] : [String(JSON.stringify(result))];
}

function compileSpdx(): ValidateFunction {
  const schema = JSON.parse(readFileSync(SPDX_SCHEMA_URL, "utf8")) as Record<string, unknown>;
  // strict: false — the generated schema uses keyword combinations Ajv's strict mode warns about.
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  return ajv.compile(schema);
}

/** Schema errors of an SPDX 3.0.1 JSON-LD document (empty when valid). */
export function spdxErrors(document: unknown): string[] {
  spdxValidator ??= compileSpdx();
  if (spdxValidator(document)) return [];
  return [...new Set(relevant(spdxValidator.errors ?? []).map(errorText))];
}

/** Errors of a document in either format. */
export async function validationErrors(format: SbomFormat, document: unknown): Promise<string[]> {
  return format === "cyclonedx" ? cyclonedxErrors(document) : spdxErrors(document);
}

/** Throws INTERNAL listing the schema errors: an SBOM modelgate writes must be valid. */
export async function assertValid(format: SbomFormat, document: unknown): Promise<void> {
  const errors = await validationErrors(format, document);
  if (errors.length === 0) return;
  const shown = errors.slice(0, 20).join("; ");
  throw new ModelgateError(
    "INTERNAL",
    `the ${format === "cyclonedx" ? "CycloneDX 1.6" : "SPDX 3.0.1"} document modelgate built is not schema-valid (a bug, please report it): ${shown}${errors.length > 20 ? ` (and ${errors.length - 20} more)` : ""}`,
  );
}
