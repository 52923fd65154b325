import { createHash, X509Certificate, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { parseSize } from "../config/size.js";
import { ModelgateError } from "../core/errors.js";
import type { Severity } from "../core/severity.js";
import { loadPublicKey } from "../sign/keys.js";
import { parseTrustRoot } from "../sign/methods/sigstore.js";
import { compileCel, type CelProgram } from "./cel.js";
import { BUILTIN_RULE_CONTROLS, classifyControl } from "./controls.js";
import type { FactSection } from "./facts.js";
import { formatNames, isFormatName } from "./formats.js";
import { BUILTIN_PROFILES, isProfileName, PROFILE_NAMES } from "./profiles.js";
import { gateRelaxations, suppressionRelaxations, type Relaxation } from "./relax.js";
import { parsePolicySource, positionInScalar, positionOf, type PathSegment, type PolicySource } from "./source.js";
import { POLICY_SECTIONS, type PolicyDocument, type ProfileName } from "./types.js";

/** File names looked for, in each folder from the working folder up to the root. */
export const POLICY_FILE_NAMES = ["modelgate.yaml", "modelgate.yml", ".modelgate.yaml", ".modelgate.yml"] as const;

export interface CompiledRule {
  id: string;
  description?: string;
  expression: string;
  severity: Severity;
  message?: string;
  controls: string[];
  program: CelProgram;
  /** Fact sections the expression reads (gathered only when some rule needs them). */
  sections: Set<FactSection>;
}

/** Verification material named by the policy, read and checked when the policy is loaded. */
export interface PolicyMaterial {
  /** signature.keys, each with what the policy wrote (a path, or "PEM #n"). */
  keys: { source: string; key: KeyObject }[];
  certificateRoots: { source: string; pem: Buffer }[];
  trustRoot?: Record<string, unknown>;
  /** provenance.keys, or signature.keys when the policy names none. */
  provenanceKeys: { source: string; key: KeyObject }[];
}

/** A policy ready to evaluate: validated, its profile applied, its CEL compiled and its keys read. */
export interface LoadedPolicy {
  /** The file path, "profile:NAME", or the name given with inline text. */
  source: string;
  /** Absolute path of the file, when it came from one. */
  file?: string;
  /** The profile used or extended (`default` when the file names none). */
  profile?: ProfileName;
  /** Where the policy lets a high or critical finding (or unverified content) pass, and why. */
  relaxations: Relaxation[];
  /** sha256 of the policy text (or of the profile's JSON). */
  digest: string;
  /** The effective policy: the profile's sections with the file's keys over them. */
  document: PolicyDocument;
  rules: CompiledRule[];
  material: PolicyMaterial;
  /** Folder relative paths in the policy are resolved against. */
  baseDir: string;
}

let validator: ValidateFunction | undefined;

/** The JSON schema shipped in the package (schemas/policy.schema.json). */
export function policySchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL("../../schemas/policy.schema.json", import.meta.url), "utf8")) as Record<string, unknown>;
}

function validate(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false, verbose: true });
    validator = ajv.compile(policySchema());
  }
  return validator;
}

function decodePointer(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describePath(path: readonly PathSegment[]): string {
  if (path.length === 0) return "the policy";
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function schemaAt(path: string): Record<string, unknown> | undefined {
  let node: unknown = policySchema();
  for (const seg of decodePointer(path.replace(/^#/, ""))) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return typeof node === "object" && node !== null ? (node as Record<string, unknown>) : undefined;
}

/** One human message per Ajv error, at the node it is about. */
function explain(e: ErrorObject): { path: PathSegment[]; key: boolean; message: string } {
  const path = decodePointer(e.instancePath);
  const where = describePath(path);
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const parent = schemaAt(e.schemaPath.replace(/\/additionalProperties$/, ""));
      const allowed = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
      return { path: [...path, extra], key: true, message: `unknown key "${extra}" in ${where} (allowed: ${allowed.join(", ")})` };
    }
    case "required":
      return { path, key: false, message: `${where} needs "${String((e.params as { missingProperty: string }).missingProperty)}"` };
    case "enum":
      return { path, key: false, message: `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}, not ${JSON.stringify(e.data)}` };
    case "const":
      return { path, key: false, message: `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, not ${JSON.stringify(e.data)}` };
    case "type":
      return { path, key: false, message: `${where} must be ${describeType(String((e.params as { type: string }).type))}, not ${describeValue(e.data)}` };
    case "oneOf":
      if (e.schemaPath.includes("/size/")) return { path, key: false, message: `${where} must be a size: a number of bytes or text such as 512MiB or 10GB, not ${JSON.stringify(e.data)}` };
      return { path, key: false, message: `${where} ${e.message ?? "is invalid"}` };
    case "pattern":
      if (e.schemaPath.includes("/size/")) return { path, key: false, message: `${where} must be a size: a number of bytes or text such as 512MiB or 10GB, not ${JSON.stringify(e.data)}` };
      if (path.includes("expires")) return { path, key: false, message: `${where} must be a date written YYYY-MM-DD, not ${JSON.stringify(e.data)}` };
      if (path.includes("digest")) return { path, key: false, message: `${where} must be a SHA-256 digest (64 hex digits, optionally prefixed sha256:)` };
      if (path[0] === "rules" && path[2] === "id") return { path, key: false, message: `${where} must be lower case letters, digits, -, _, separated by . or / (e.g. team.no-large-models), not ${JSON.stringify(e.data)}` };
      return { path, key: false, message: `${where} ${JSON.stringify(e.data)} does not match ${(e.params as { pattern: string }).pattern}` };
    default:
      return { path, key: false, message: `${where} ${e.message ?? "is invalid"}` };
  }
}

function describeType(t: string): string {
  return t.replace(/^object$/, "a mapping (key: value)").replace(/^array$/, "a list").replace(/^string$/, "text").replace(/^boolean$/, "true or false").replace(/^integer$/, "a whole number");
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "empty (null)";
  if (typeof v === "object") return "a mapping";
  return `${typeof v === "string" ? "text" : typeof v} ${JSON.stringify(v)}`;
}

/** Drops the branch errors of a oneOf failure and the pattern errors of a size (one message per mistake). */
function usefulErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === "oneOf" || !oneOfPaths.has(e.instancePath));
}

/** Collects mistakes with their position; throws POLICY_INVALID with all of them (first one first). */
class Problems {
  readonly list: { line: number; col: number; message: string }[] = [];
  constructor(readonly src: PolicySource) {}
  at(path: readonly PathSegment[], message: string, key = false): void {
    const pos = positionOf(this.src, path, key) ?? { line: 1, col: 1 };
    this.list.push({ ...pos, message });
  }
  atPosition(pos: { line: number; col: number } | undefined, message: string): void {
    this.list.push({ ...(pos ?? { line: 1, col: 1 }), message });
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = [...this.list].sort((a, b) => a.line - b.line || a.col - b.col);
    const lines = sorted.slice(0, 10).map((p) => `${this.src.file}:${p.line}:${p.col}: ${p.message}`);
    if (sorted.length > 10) lines.push(`… and ${sorted.length - 10} more mistakes`);
    throw new ModelgateError("POLICY_INVALID", lines.join("\n"));
  }
}

function isPem(s: string): boolean {
  return s.trimStart().startsWith("-----BEGIN ");
}

function readMaterial(value: string, baseDir: string): { bytes: Buffer; source: string } | { error: string } {
  if (isPem(value)) return { bytes: Buffer.from(value), source: "inline PEM" };
  const path = resolve(baseDir, value);
  try {
    if (statSync(path).size > 1024 * 1024) return { error: `${value} is larger than 1 MiB; is it really a key or certificate?` };
    return { bytes: readFileSync(path), source: value };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `cannot read ${value} (${path}): ${code === "ENOENT" ? "no such file" : code ?? (e as Error).message}` };
  }
}

function loadKeys(list: readonly string[] | undefined, section: string, baseDir: string, problems: Problems): PolicyMaterial["keys"] {
  const out: PolicyMaterial["keys"] = [];
  (list ?? []).forEach((value, i) => {
    const path = [section, "keys", i];
    const m = readMaterial(value, baseDir);
    if ("error" in m) {
      problems.at(path, `public key: ${m.error}`);
      return;
    }
    try {
      out.push({ source: m.source === "inline PEM" ? `${section}.keys[${i}]` : m.source, key: loadPublicKey(m.bytes, `the public key ${m.source}`) });
    } catch (e) {
      problems.at(path, `${(e as Error).message}`);
    }
  });
  return out;
}

function loadMaterial(doc: PolicyDocument, baseDir: string, problems: Problems): PolicyMaterial {
  const keys = loadKeys(doc.signature?.keys, "signature", baseDir, problems);
  const certificateRoots: PolicyMaterial["certificateRoots"] = [];
  (doc.signature?.certificate_roots ?? []).forEach((value, i) => {
    const path = ["signature", "certificate_roots", i];
    const m = readMaterial(value, baseDir);
    if ("error" in m) return problems.at(path, `certificate: ${m.error}`);
    try {
      new X509Certificate(m.bytes);
      certificateRoots.push({ source: m.source, pem: m.bytes });
    } catch (e) {
      problems.at(path, `${m.source} is not an X.509 certificate (PEM or DER): ${(e as Error).message}`);
    }
  });
  let trustRoot: Record<string, unknown> | undefined;
  if (doc.signature?.trust_root !== undefined) {
    const m = readMaterial(doc.signature.trust_root, baseDir);
    if ("error" in m) problems.at(["signature", "trust_root"], `trust root: ${m.error}`);
    else {
      try {
        trustRoot = parseTrustRoot(m.bytes, doc.signature.trust_root);
      } catch (e) {
        problems.at(["signature", "trust_root"], (e as Error).message);
      }
    }
  }
  const provenanceKeys = doc.provenance?.keys !== undefined ? loadKeys(doc.provenance.keys, "provenance", baseDir, problems) : keys;
  return { keys, certificateRoots, ...(trustRoot ? { trustRoot } : {}), provenanceKeys };
}

const BUILTIN_IDS = new Set(Object.keys(BUILTIN_RULE_CONTROLS));

function checkSemantics(doc: PolicyDocument, src: PolicySource, problems: Problems): CompiledRule[] {
  for (const list of ["allow", "deny"] as const) {
    (doc.formats?.[list] ?? []).forEach((name, i) => {
      if (!isFormatName(name)) problems.at(["formats", list, i], `unknown format "${name}" (known: ${formatNames().join(", ")})`);
    });
  }
  const limits = doc.defaults?.limits ?? {};
  for (const [k, v] of Object.entries(limits)) {
    if (typeof v === "string" && parseSize(v) === undefined) problems.at(["defaults", "limits", k], `defaults.limits.${k} must be a size such as 512MiB, not ${JSON.stringify(v)}`);
  }
  for (const k of ["max_file_size", "max_total_size"] as const) {
    const v = doc.size?.[k];
    if (v !== undefined && parseSize(v) === undefined) problems.at(["size", k], `size.${k} must be a size such as 10GiB, not ${JSON.stringify(v)}`);
  }
  (doc.suppressions ?? []).forEach((s, i) => {
    if (s.expires !== undefined) {
      const d = new Date(`${s.expires}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.expires) problems.at(["suppressions", i, "expires"], `suppressions[${i}].expires: ${s.expires} is not a real date`);
    }
  });
  const lic = doc.licenses;
  if (lic?.allow && lic.deny) {
    const allow = new Set(lic.allow.map((l) => l.toLowerCase()));
    lic.deny.forEach((l, i) => {
      if (allow.has(l.toLowerCase())) problems.at(["licenses", "deny", i], `licence ${l} is both allowed and denied`);
    });
  }
  const rules: CompiledRule[] = [];
  const seen = new Map<string, number>();
  (doc.rules ?? []).forEach((r, i) => {
    if (BUILTIN_IDS.has(r.id)) problems.at(["rules", i, "id"], `rule id "${r.id}" is a built-in rule's id; configure it in its section or pick another id`);
    if (seen.has(r.id)) problems.at(["rules", i, "id"], `rule id "${r.id}" is used twice (also rules[${seen.get(r.id)}])`);
    seen.set(r.id, i);
    (r.controls ?? []).forEach((c, j) => {
      const k = classifyControl(c);
      if ("error" in k) problems.at(["rules", i, "controls", j], k.error);
    });
    const compiled = compileCel(r.expression);
    if (!compiled.ok) {
      problems.atPosition(positionInScalar(src, ["rules", i, "expression"], compiled.index), `rules[${i}] (${r.id}): ${compiled.message}`);
      return;
    }
    rules.push({
      id: r.id,
      ...(r.description !== undefined ? { description: r.description } : {}),
      expression: r.expression,
      severity: r.severity ?? "high",
      ...(r.message !== undefined ? { message: r.message } : {}),
      controls: r.controls ?? [],
      program: compiled.program,
      sections: compiled.sections,
    });
  });
  return rules;
}

/**
 * Every setting of the effective policy that opens the gate must be named in `allow:` with a reason; an `allow:`
 * entry for a setting that does not relax anything is a mistake too (it would hide a later relaxation).
 */
function checkRelaxations(own: PolicyDocument, document: PolicyDocument, problems: Problems): Relaxation[] {
  const out: Relaxation[] = [];
  const found = gateRelaxations(document);
  for (const r of found) {
    const allow = (own.allow ?? []).find((a) => a.relax === r.setting);
    if (allow) {
      out.push({ ...r, reason: allow.reason });
      continue;
    }
    const [section, key] = r.setting.split(".") as [keyof PolicyDocument, string];
    const ownSection = own[section] as Record<string, unknown> | undefined;
    const where: PathSegment[] = ownSection?.[key] !== undefined ? [section, key] : own.extends !== undefined ? ["extends"] : [];
    const from = ownSection?.[key] !== undefined ? "" : own.extends !== undefined ? ` (from extends: ${own.extends})` : "";
    problems.at(
      where,
      `${r.setting}: ${r.value}${from} relaxes the gate: ${r.effect}. Say why in the policy — allow: [{ relax: ${r.setting}, reason: "…" }] — or remove the relaxation`,
    );
  }
  (own.allow ?? []).forEach((a, i) => {
    if (!found.some((r) => r.setting === a.relax)) problems.at(["allow", i, "relax"], `allow[${i}]: the policy does not relax ${a.relax}; remove this entry`);
  });
  return [...out, ...suppressionRelaxations(document)];
}

/** The profile's sections with the file's keys over them, key by key; lists replace. */
function applyProfile(doc: PolicyDocument, profile: PolicyDocument): PolicyDocument {
  const out: Record<string, unknown> = { ...profile, ...doc };
  for (const section of [...POLICY_SECTIONS, "defaults"] as const) {
    const a = profile[section];
    const b = doc[section];
    if (a && b) out[section] = { ...a, ...b };
  }
  return out as unknown as PolicyDocument;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Loads a policy file (a path, or its text with the name to show in messages). Everything is checked
 * before anything runs: YAML syntax, the JSON schema (unknown keys, wrong types), format names, CEL
 * expressions, control ids, dates, keys and certificates. Mistakes throw ModelgateError("POLICY_INVALID",
 * "FILE:LINE:COL: message") — one line per mistake.
 */
export async function loadPolicy(input: string | { text: string; file: string; baseDir?: string }): Promise<LoadedPolicy> {
  let text: string;
  let file: string;
  let baseDir: string;
  let absolute: string | undefined;
  if (typeof input === "string") {
    absolute = resolve(input);
    file = input;
    baseDir = dirname(absolute);
    try {
      const st = statSync(absolute);
      if (st.isDirectory()) throw new ModelgateError("POLICY_INVALID", `${input}: is a folder, not a policy file`);
      if (st.size > 1024 * 1024) throw new ModelgateError("POLICY_INVALID", `${input}: larger than 1 MiB; is it really a policy?`);
      text = await readFile(absolute, "utf8");
    } catch (e) {
      if (e instanceof ModelgateError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `cannot read the policy ${input}: ${code === "ENOENT" ? "no such file" : code ?? (e as Error).message}`);
    }
  } else {
    text = input.text;
    file = input.file;
    baseDir = input.baseDir ?? process.cwd();
  }
  const src = parsePolicySource(text, file);
  const valid = validate();
  if (!valid(src.value)) {
    const problems = new Problems(src);
    for (const e of usefulErrors(valid.errors ?? [])) {
      const x = explain(e);
      problems.at(x.path, x.message, x.key);
    }
    problems.throwIfAny();
  }
  const own = src.value as PolicyDocument;
  const problems = new Problems(src);
  const rules = checkSemantics(own, src, problems);
  // A policy starts from the default profile unless it names another: a file with only `defaults:` or a
  // `signature:` block must not switch the scan gate off.
  const profile: ProfileName = own.extends ?? "default";
  const document = applyProfile(own, BUILTIN_PROFILES[profile]);
  const relaxations = checkRelaxations(own, document, problems);
  const material = loadMaterial(document, baseDir, problems);
  problems.throwIfAny();
  return {
    source: file,
    ...(absolute ? { file: absolute } : {}),
    profile,
    relaxations,
    digest: sha256(text),
    document,
    rules,
    material,
    baseDir,
  };
}

/** A built-in profile as a loaded policy (no file). */
export function profilePolicy(name: ProfileName, cwd: string = process.cwd()): LoadedPolicy {
  const document = BUILTIN_PROFILES[name];
  const reason = `the built-in ${name} profile was chosen explicitly, without a policy file`;
  return {
    source: `profile:${name}`,
    profile: name,
    relaxations: [...gateRelaxations(document).map((r) => ({ ...r, reason })), ...suppressionRelaxations(document)],
    digest: sha256(JSON.stringify(document)),
    document,
    rules: [],
    material: { keys: [], certificateRoots: [], provenanceKeys: [] },
    baseDir: cwd,
  };
}

/** The nearest modelgate.yaml (or .yml, .modelgate.yaml) from `cwd` up to the file system root. */
export function findPolicyFile(cwd: string = process.cwd()): string | undefined {
  let dir = resolve(cwd);
  while (true) {
    for (const name of POLICY_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface ResolvePolicyOptions {
  /** A loaded policy (used as is) or a policy file path. */
  policy?: LoadedPolicy | string;
  /** A built-in profile; not together with `policy`. */
  profile?: string;
  /** Where the search for modelgate.yaml starts. Default process.cwd(). */
  cwd?: string;
  /** Environment (MODELGATE_POLICY). Default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * Which policy applies: `policy` (loaded or a path), else `profile`, else $MODELGATE_POLICY, else the
 * nearest modelgate.yaml upward from cwd, else the `default` profile.
 */
export async function resolvePolicy(options: ResolvePolicyOptions = {}): Promise<LoadedPolicy> {
  if (options.policy !== undefined && options.profile !== undefined) {
    throw new ModelgateError("USAGE", "give a policy file or a profile, not both (a policy file can say `extends: <profile>`)");
  }
  if (typeof options.policy === "object") return options.policy;
  if (typeof options.policy === "string") return loadPolicy(options.policy);
  if (options.profile !== undefined) {
    if (!isProfileName(options.profile)) throw new ModelgateError("USAGE", `unknown profile "${options.profile}" (profiles: ${PROFILE_NAMES.join(", ")})`);
    return profilePolicy(options.profile, options.cwd);
  }
  const env = options.env ?? process.env;
  const fromEnv = env.MODELGATE_POLICY;
  if (fromEnv) return loadPolicy(fromEnv);
  const found = findPolicyFile(options.cwd);
  if (found) {
    const rel = relative(process.cwd(), found);
    return loadPolicy(rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : found);
  }
  return profilePolicy("default", options.cwd);
}
