import { parseSize } from "../config/size.js";
import { severityRank, type Severity } from "../core/severity.js";
import { RULES } from "../rules/catalog.js";
import type { PolicyDocument, RelaxableSetting, SeverityOrNone, SizeValue } from "./types.js";

/**
 * Where a policy opens the gate: a setting that lets a high or critical scan finding (or content that could not
 * be verified) pass. The policy must say why (`allow:`, or a suppression's reason); every check report lists them.
 */
export interface Relaxation {
  /** "scan.max_severity", "scan.incomplete", "defaults.fail_on", or "suppressions[i]". */
  setting: string;
  /** The setting's value as written ("high", "allow", "pickle/dangerous-global in legacy/**"). */
  value: string;
  /** What passes because of it. */
  effect: string;
  reason: string;
}

/** The default profile's scan gate: findings above medium fail, unverified content fails. */
const FLOOR_MAX: Severity = "medium";

function rankOrNone(s: SeverityOrNone | undefined): number {
  if (s === undefined) return Number.POSITIVE_INFINITY;
  return s === "none" ? -1 : severityRank(s);
}

/** Settings of the effective document that relax the scan gate below the default profile's (reasons not known yet). */
export function gateRelaxations(doc: PolicyDocument): { setting: RelaxableSetting; value: string; effect: string }[] {
  const out: { setting: RelaxableSetting; value: string; effect: string }[] = [];
  const max = doc.scan?.max_severity;
  if (rankOrNone(max) > severityRank(FLOOR_MAX)) {
    out.push({ setting: "scan.max_severity", value: max ?? "(not set)", effect: max === "high" ? "high scan findings pass (only critical ones fail)" : "high and critical scan findings pass" });
  }
  if (doc.scan?.incomplete !== "fail") {
    out.push({ setting: "scan.incomplete", value: doc.scan?.incomplete ?? "(not set)", effect: "files that could not be fully verified pass" });
  }
  if (doc.defaults?.fail_on === "critical") {
    out.push({ setting: "defaults.fail_on", value: "critical", effect: "modelgate scan passes high findings (only critical ones fail)" });
  }
  return out;
}

const HIGH_RULES: ReadonlySet<string> = new Set([...RULES.filter((r) => severityRank(r.severity) >= severityRank("high")).map((r) => r.id), "scan.max-severity", "scan.incomplete"]);

/** Suppressions that let a high or critical scan finding pass (they carry their reason already). */
export function suppressionRelaxations(doc: PolicyDocument): Relaxation[] {
  const out: Relaxation[] = [];
  (doc.suppressions ?? []).forEach((s, i) => {
    if (!HIGH_RULES.has(s.rule)) return;
    const where = [s.path ? `in ${s.path}` : "", s.digest ? `for ${s.digest}` : "", s.expires ? `until ${s.expires}` : ""].filter(Boolean).join(" ");
    out.push({ setting: `suppressions[${i}]`, value: `${s.rule}${where ? ` ${where}` : ""}`, effect: `${s.rule} results are suppressed`, reason: s.reason });
  });
  return out;
}

function sizeOf(v: SizeValue | undefined): number {
  if (v === undefined) return Number.POSITIVE_INFINITY;
  return parseSize(v) ?? Number.POSITIVE_INFINITY;
}

function lower(list: readonly string[] | undefined): Set<string> {
  return new Set((list ?? []).map((x) => x.toLowerCase()));
}

/** Entries of `list` not in `of`. */
function notIn(list: readonly string[] | undefined, of: readonly string[] | undefined): string[] {
  const set = lower(of);
  return (list ?? []).filter((x) => !set.has(x.toLowerCase()));
}

/**
 * How `policy` is weaker than `floor` (both effective documents, profiles applied): one sentence per setting.
 * Conservative: a setting that cannot be shown to be at least as strict counts as weaker. Empty when `policy`
 * only tightens the floor.
 */
export function belowFloor(floor: PolicyDocument, policy: PolicyDocument): string[] {
  const out: string[] = [];
  const sev = (key: string, f: SeverityOrNone | undefined, p: SeverityOrNone | undefined) => {
    if (rankOrNone(p) > rankOrNone(f)) out.push(`${key} is ${p ?? "not set"}; the organisation allows at most ${f ?? "any"}`);
  };
  const flag = (key: string, fStrict: boolean, pStrict: boolean) => {
    if (fStrict && !pStrict) out.push(`${key} is weaker than the organisation's`);
  };
  const subset = (key: string, f: readonly string[] | undefined, p: readonly string[] | undefined) => {
    if (f === undefined) return;
    if (p === undefined) out.push(`${key} is not restricted; the organisation restricts it to ${f.join(", ") || "nothing"}`);
    else for (const x of notIn(p, f)) out.push(`${key} adds ${x}, which the organisation does not allow`);
  };
  const superset = (key: string, f: readonly string[] | undefined, p: readonly string[] | undefined) => {
    for (const x of notIn(f, p)) out.push(`${key} leaves out ${x}, which the organisation requires`);
  };
  const trusts = (key: string, f: readonly string[] | undefined, p: readonly string[] | undefined) => {
    for (const x of notIn(p, f)) out.push(`${key} trusts ${x.trimStart().startsWith("-----BEGIN") ? "a key or certificate" : x} the organisation does not`);
  };

  sev("scan.max_severity", floor.scan?.max_severity, policy.scan?.max_severity);
  flag("scan.incomplete", floor.scan?.incomplete === "fail", policy.scan?.incomplete === "fail");
  superset("formats.deny", floor.formats?.deny, policy.formats?.deny);
  subset("formats.allow", floor.formats?.allow, policy.formats?.allow);

  const fs = floor.signature ?? {};
  const ps = policy.signature ?? {};
  flag("signature.required", fs.required === true, ps.required === true);
  subset("signature.methods", fs.methods, ps.methods);
  trusts("signature.keys", fs.keys, ps.keys);
  trusts("signature.certificate_roots", fs.certificate_roots, ps.certificate_roots);
  trusts(
    "signature.identities",
    fs.identities?.map((i) => `${i.identity} (${i.issuer})`),
    ps.identities?.map((i) => `${i.identity} (${i.issuer})`),
  );
  if (ps.trust_root !== undefined && ps.trust_root !== fs.trust_root) out.push("signature.trust_root differs from the organisation's");
  flag("signature.allow_legacy", fs.allow_legacy !== true, ps.allow_legacy !== true);

  const fp = floor.provenance ?? {};
  const pp = policy.provenance ?? {};
  flag("provenance.required", fp.required === true, pp.required === true);
  flag("provenance.require_revision", fp.require_revision === true, pp.require_revision === true);
  subset("provenance.allowed_sources", fp.allowed_sources, pp.allowed_sources);
  trusts("provenance.keys", fp.keys, pp.keys);

  const fd = floor.dependencies ?? {};
  const pd = policy.dependencies ?? {};
  if (fd.max_severity !== undefined) sev("dependencies.max_severity", fd.max_severity, pd.max_severity);
  flag("dependencies.ignore_unfixed", fd.ignore_unfixed !== true, pd.ignore_unfixed !== true);
  flag("dependencies.require_database", fd.require_database === true, pd.require_database === true);
  if ((pd.max_database_age_days ?? Number.POSITIVE_INFINITY) > (fd.max_database_age_days ?? Number.POSITIVE_INFINITY)) {
    out.push(`dependencies.max_database_age_days is ${pd.max_database_age_days ?? "not set"}; the organisation allows at most ${fd.max_database_age_days}`);
  }

  const fl = floor.licenses ?? {};
  const pl = policy.licenses ?? {};
  subset("licenses.allow", fl.allow, pl.allow);
  superset("licenses.deny", fl.deny, pl.deny);
  flag("licenses.unknown", fl.unknown === "fail", pl.unknown === "fail");

  superset("sbom.required_fields", floor.sbom?.required_fields, policy.sbom?.required_fields);
  flag("sbom.require_file", floor.sbom?.require_file === true, policy.sbom?.require_file === true);

  for (const k of ["max_file_size", "max_total_size"] as const) {
    if (sizeOf(policy.size?.[k]) > sizeOf(floor.size?.[k])) out.push(`size.${k} is ${policy.size?.[k] ?? "not set"}; the organisation allows at most ${floor.size?.[k]}`);
  }
  const ff = floor.defaults?.fail_on;
  const pf = policy.defaults?.fail_on ?? "high";
  if (severityRank(pf) > severityRank(ff ?? "high")) out.push(`defaults.fail_on is ${pf}; the organisation fails on ${ff ?? "high"}`);

  for (const r of floor.rules ?? []) {
    const mine = (policy.rules ?? []).find((x) => x.id === r.id);
    if (!mine) out.push(`the organisation's rule ${r.id} is left out`);
    else if (mine.expression !== r.expression || (mine.severity ?? "high") !== (r.severity ?? "high")) out.push(`the organisation's rule ${r.id} is changed`);
  }
  const floorSuppressions = new Set((floor.suppressions ?? []).map((s) => JSON.stringify([s.rule, s.path, s.digest, s.expires])));
  (policy.suppressions ?? []).forEach((s, i) => {
    if (!floorSuppressions.has(JSON.stringify([s.rule, s.path, s.digest, s.expires]))) out.push(`suppressions[${i}] (${s.rule}) is not one of the organisation's suppressions`);
  });
  return out;
}
