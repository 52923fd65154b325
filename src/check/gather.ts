import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import type { ScanOptions } from "../config/scan-options.js";
import { ModelgateError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import { severityRank } from "../core/severity.js";
import { audit, matchBuiltinAdvice } from "../deps/audit.js";
import type { AdviceMatch, AuditReport } from "../deps/audit-report.js";
import { FACT_LIMITS, emptyFacts, type FactSection, type Facts, type VulnerabilityFacts } from "../policy/facts.js";
import type { LoadedPolicy } from "../policy/load.js";
import type { GatherNotes } from "../policy/rules/index.js";
import { aboveMax } from "../policy/rules/scan.js";
import { getRule } from "../rules/catalog.js";
import { UNVERIFIED_RULE_IDS } from "../rules/catalog/scanner.js";
import { defaultProvenancePath, parseModelSource, verifyProvenance } from "../provenance/index.js";
import { readModelMetadata, type ModelMetadata } from "../sbom/index.js";
import { scan } from "../scan/scan.js";
import { parseBundle } from "../sign/format/bundle.js";
import { defaultSignaturePath } from "../sign/paths.js";
import type { VerifyOptions, VerifyResult } from "../sign/types.js";
import { verify } from "../sign/verify.js";

export interface GatherOptions {
  /** Vulnerability database folder (default: audit's: $MODELGATE_DB, then the user cache). */
  db?: string;
  online?: boolean;
  scanOptions?: ScanOptions;
  /** A scan report of this model made already: used instead of scanning again. */
  scanReport?: Report;
  /** A dependency audit of this model made already: used instead of auditing again. */
  auditReport?: AuditReport;
}

/** Largest SBOM file read to tell its format. */
const MAX_SBOM_BYTES = 64 * 1024 * 1024;
const SBOM_NAME = /(?:\.cdx\.json|\.spdx\.json|\.sbom\.json|^bom\.json|^sbom\.json)$/i;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The path of a scanned file inside the model (POSIX), members kept as "file!/member". */
function insideModel(modelPath: string, isDir: boolean, p: string): string {
  const [top, ...members] = p.split("!/");
  const rel = isDir ? relative(modelPath, top!).split(sep).join("/") : basename(top!);
  return [rel || basename(top!), ...members].join("!/");
}

function applyScan(facts: Facts, report: Report, modelPath: string, isDir: boolean, policy: LoadedPolicy): void {
  const findings = report.files
    .flatMap((f) => f.findings)
    .map((f) => ({ ruleId: f.ruleId, severity: f.severity, path: insideModel(modelPath, isDir, f.location.path), message: f.message }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  // Fail closed: a model in which the scan verified nothing (an empty folder, only text or data) is not approved.
  const nothingVerified = report.summary.verifiedModelFiles === 0;
  if (nothingVerified) {
    const rule = getRule("scanner/no-model-content");
    findings.unshift({
      ruleId: rule.id,
      severity: rule.severity,
      path: insideModel(modelPath, isDir, modelPath),
      message: report.summary.files === 0 ? "the model holds no files: no model content was verified" : "no file is in a model or container format (only text, configuration, data or unknown content): no model content was verified",
    });
  }
  const max = policy.document.scan?.max_severity;
  facts.scan = {
    ran: true,
    verdict: nothingVerified || (max !== undefined ? findings.some((f) => aboveMax(f.severity, max)) : report.summary.failed) ? "fail" : "pass",
    ...(report.summary.highestSeverity ? { maxSeverity: report.summary.highestSeverity } : {}),
    findings: findings.slice(0, FACT_LIMITS.findings),
    files: report.files.slice(0, FACT_LIMITS.files).map((f) => ({
      path: insideModel(modelPath, isDir, f.path),
      format: f.format,
      size: f.size,
      ...(f.container !== undefined ? { container: insideModel(modelPath, isDir, f.container) } : {}),
    })),
    incomplete: findings.some((f) => UNVERIFIED_RULE_IDS.has(f.ruleId)),
    truncated: findings.length > FACT_LIMITS.findings || report.files.length > FACT_LIMITS.files,
  };
  const top = report.files.filter((f) => f.container === undefined && f.format !== "directory");
  facts.model.files = top.slice(0, FACT_LIMITS.files).map((f) => ({ path: insideModel(modelPath, isDir, f.path), size: f.size, sha256: f.sha256 ?? "", format: f.format }));
  facts.model.totalSize = top.reduce((n, f) => n + f.size, 0);
  facts.model.truncated = top.length > FACT_LIMITS.files;
}

function applyMetadata(facts: Facts, meta: ModelMetadata): void {
  const m = facts.model;
  m.name = meta.name || m.name;
  if (meta.org) m.org = meta.org;
  if (meta.revision) m.revision = meta.revision;
  if (meta.license) m.license = meta.license;
  m.datasets = [...meta.datasets];
  m.baseModels = [...meta.baseModels];
  if (meta.pipelineTag) m.pipelineTag = meta.pipelineTag;
  if (meta.architecture) m.architecture = meta.architecture;
  if (m.files.length === 0) {
    m.files = meta.files.slice(0, FACT_LIMITS.files).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, format: f.format }));
    m.totalSize = meta.files.reduce((n, f) => n + f.size, 0);
    m.truncated = meta.files.length > FACT_LIMITS.files;
  }
  const s = facts.sbom.fields;
  s.name = Boolean(meta.name);
  s.license = Boolean(meta.license) && meta.license!.toLowerCase() !== "unknown";
  s.datasets = meta.datasets.length > 0;
  s.base_model = meta.baseModels.length > 0;
  s.revision = Boolean(meta.revision);
  s.model_card = meta.card.present;
  s.pipeline_tag = Boolean(meta.pipelineTag);
  s.architecture = Boolean(meta.architecture ?? meta.modelType);
  s.languages = meta.languages.length > 0;
  s.metrics = meta.metrics.length > 0 || meta.results.length > 0;
  s.dependencies = meta.dependencies.length > 0;
}

async function findSbomFile(facts: Facts, modelPath: string, isDir: boolean): Promise<void> {
  const dir = isDir ? modelPath : dirname(modelPath);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    facts.sbom.error = `cannot list ${dir}: ${message(e)}`;
    return;
  }
  const own = basename(modelPath);
  const candidates = isDir ? names.filter((n) => SBOM_NAME.test(n)) : names.filter((n) => n.startsWith(`${own}.`) && SBOM_NAME.test(n));
  for (const name of candidates) {
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > MAX_SBOM_BYTES) continue;
      const doc = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      const context = JSON.stringify(doc["@context"] ?? "");
      const format = doc.bomFormat === "CycloneDX" ? "cyclonedx" : typeof doc.spdxVersion === "string" || context.includes("spdx.org") ? "spdx" : undefined;
      if (!format) {
        facts.sbom.error = `${name} is neither a CycloneDX nor an SPDX document`;
        facts.sbom.file = name;
        continue;
      }
      facts.sbom.present = true;
      facts.sbom.file = name;
      facts.sbom.format = format;
      delete facts.sbom.error;
      return;
    } catch (e) {
      facts.sbom.error = `${name} could not be read as JSON: ${message(e)}`;
      facts.sbom.file = name;
    }
  }
}

const RETRY: ReadonlySet<string> = new Set(["key-mismatch", "signature-invalid", "identity-mismatch", "certificate-untrusted"]);

/** Verifies with each piece of material the policy names for the bundle's method, until one verifies. */
async function verifySignature(facts: Facts, modelPath: string, policy: LoadedPolicy): Promise<void> {
  const sig = facts.signature;
  sig.checked = true;
  const signaturePath = await defaultSignaturePath(modelPath);
  sig.path = relative(process.cwd(), signaturePath) || signaturePath;
  if (!(await exists(signaturePath))) return;
  sig.present = true;
  const cfg = policy.document.signature ?? {};
  const m = policy.material;
  let method: "key" | "certificate" | "sigstore";
  try {
    const bundle = parseBundle(await readFile(signaturePath), signaturePath);
    method = bundle.material.kind === "publicKey" ? "key" : bundle.material.kind === "x509CertificateChain" ? "certificate" : "sigstore";
  } catch (e) {
    sig.error = message(e);
    return;
  }
  sig.method = method;
  const attempts: VerifyOptions[] =
    method === "key"
      ? m.keys.map((k) => ({ publicKey: k.key }))
      : method === "certificate"
        ? m.certificateRoots.length > 0
          ? [{ trustAnchors: m.certificateRoots.map((c) => c.pem) }]
          : []
        : (cfg.identities ?? []).map((id) => ({ identity: id.identity, issuer: id.issuer, ...(m.trustRoot ? { trustRoot: m.trustRoot } : {}) }));
  if (attempts.length === 0) {
    sig.error = `signed with the ${method} method, and the policy names no ${method === "key" ? "keys" : method === "certificate" ? "certificate roots" : "Sigstore identities"}`;
    return;
  }
  let last: VerifyResult | undefined;
  for (const a of attempts) {
    try {
      last = await verify(modelPath, { ...a, signaturePath, ...(cfg.allow_legacy ? { allowLegacy: true } : {}) });
    } catch (e) {
      sig.error = message(e);
      return;
    }
    if (last.verified || !last.failures.every((f) => RETRY.has(f.reason))) break;
  }
  if (!last) return;
  sig.verified = last.verified;
  if (last.subjectDigest) sig.digest = last.subjectDigest;
  const s = last.signer;
  if (s?.keyHint) sig.keyId = s.keyHint;
  if (s?.identity) sig.identity = s.identity;
  else if (s?.certificateSubject) sig.identity = s.certificateSubject;
  if (s?.issuer) sig.issuer = s.issuer;
  else if (s?.certificateIssuer) sig.issuer = s.certificateIssuer;
  if (!last.verified) {
    const tried = method === "key" && attempts.length > 1 && last.failures.every((f) => RETRY.has(f.reason)) ? ` (tried ${attempts.length} keys)` : "";
    sig.error = last.failures.map((f) => f.message).join("; ") + tried;
  }
}

async function verifyProvenanceFacts(facts: Facts, modelPath: string, policy: LoadedPolicy): Promise<void> {
  const p = facts.provenance;
  p.checked = true;
  const path = defaultProvenancePath(modelPath);
  p.path = relative(process.cwd(), path) || path;
  if (!(await exists(path))) return;
  p.present = true;
  const keys = policy.material.provenanceKeys;
  for (const k of keys) {
    let r;
    try {
      r = await verifyProvenance(modelPath, { provenancePath: path, publicKey: k.key });
    } catch (e) {
      p.error = message(e);
      return;
    }
    if (r.provenance) {
      p.downloadedAt = r.provenance.downloadedAt;
      try {
        const src = parseModelSource(r.provenance.source, r.provenance.revision);
        p.source = {
          kind: src.kind,
          url: src.source,
          ...(src.repository ? { repository: src.repository, org: src.repository.split("/")[0]! } : {}),
          ...(src.revision ? { revision: src.revision } : {}),
        };
      } catch (e) {
        p.error = `the recorded source is not usable: ${message(e)}`;
        return;
      }
    }
    p.verified = r.verified;
    if (r.verified) {
      delete p.error;
      return;
    }
    p.error = r.failures.map((f) => f.message).join("; ");
    if (!r.failures.every((f) => RETRY.has(f.reason))) return;
  }
}

/** One item of modelgate's ML advice as a vulnerability fact (the file as the audit names it). */
function adviceFact(a: AdviceMatch): VulnerabilityFacts {
  return {
    id: a.id,
    aliases: [...a.cves],
    package: a.package,
    version: a.version ?? "",
    severity: a.severity,
    fixed: a.fixed ? [a.fixed] : [],
    file: a.source.file,
    ...(a.source.line !== undefined ? { line: a.source.line } : {}),
  };
}

async function auditFacts(facts: Facts, modelPath: string, meta: ModelMetadata | undefined, options: GatherOptions): Promise<void> {
  const d = facts.dependencies;
  let report = options.auditReport;
  try {
    // The metadata reader already parsed the model's dependency files; audit finds them itself otherwise.
    report ??= await audit(meta ? [] : [modelPath], {
      ...(options.db !== undefined ? { db: options.db } : {}),
      ...(options.online !== undefined ? { online: options.online } : {}),
      ...(meta ? { files: meta.dependencies } : {}),
    });
  } catch (e) {
    if (e instanceof ModelgateError) {
      d.error = e.message;
      // No database: the built-in ML advice is still checked (dependencies.vulnerabilities fails on it), so a
      // torch that torch.load's weights_only does not protect is never approved for want of a database.
      const advice = await matchBuiltinAdvice(meta ? [] : [modelPath], meta ? { files: meta.dependencies } : {}).catch((err: unknown) => {
        d.error += `; modelgate's built-in advice could not be checked either: ${err instanceof Error ? err.message : String(err)}`;
        return [];
      });
      d.vulnerabilities = advice
        .map(adviceFact)
        .map((v) => ({ ...v, file: insideModelFile(modelPath, v.file) }))
        .slice(0, FACT_LIMITS.vulnerabilities);
      return;
    }
    throw e;
  }
  d.audited = true;
  const vulns: VulnerabilityFacts[] = [
    ...report.vulnerabilities.map((v) => ({
      id: v.id,
      aliases: [...v.aliases],
      package: v.package,
      version: v.version ?? "",
      severity: v.severity,
      fixed: [...v.fixed],
      file: v.source.file,
      ...(v.source.line !== undefined ? { line: v.source.line } : {}),
    })),
    ...report.advice.map(adviceFact),
  ].map((v) => ({ ...v, file: insideModelFile(modelPath, v.file) }));
  d.vulnerabilities = vulns.slice(0, FACT_LIMITS.vulnerabilities);
  d.files = report.files.map((f) => insideModelFile(modelPath, f.path));
  if (report.summary.maxSeverity) d.maxSeverity = report.summary.maxSeverity;
  if (report.database.ageDays !== undefined) d.databaseAgeDays = Math.max(0, Math.floor(report.database.ageDays));
  d.incomplete = report.summary.incomplete;
}

/** A dependency file's path inside the model folder when it is in it; else as reported. */
function insideModelFile(modelPath: string, file: string): string {
  const rel = relative(modelPath, file);
  return rel && !rel.startsWith("..") && !rel.startsWith(sep) ? rel.split(sep).join("/") : file;
}

/**
 * Establishes the facts the policy needs about one model, and only those: the scan, the model's metadata,
 * signature and provenance verification, the SBOM file and the dependency audit. Problems with the model
 * itself become facts (a signature that does not verify); only a missing model path throws.
 */
export async function gatherFacts(modelPath: string, sections: ReadonlySet<FactSection>, policy: LoadedPolicy, options: GatherOptions = {}): Promise<{ facts: Facts; notes: GatherNotes }> {
  let isDir: boolean;
  try {
    isDir = (await stat(modelPath)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `${modelPath}: ${code === "ENOENT" ? "no such file or folder" : message(e)}`);
  }
  const facts = emptyFacts(modelPath, basename(modelPath.replace(/[\\/]+$/, "")) || modelPath);
  const notes: GatherNotes = {};
  const wantScan = sections.has("scan") || sections.has("model");
  const wantMeta = isDir && (sections.has("model") || sections.has("sbom") || sections.has("dependencies"));
  if (wantScan) {
    try {
      applyScan(facts, options.scanReport ?? (await scan([modelPath], { ...options.scanOptions, failOn: "high" })), modelPath, isDir, policy);
    } catch (e) {
      if (!(e instanceof ModelgateError)) throw e;
      notes.scanError = e.message;
    }
  }
  let meta: ModelMetadata | undefined;
  if (wantMeta) {
    try {
      meta = await readModelMetadata(modelPath);
      applyMetadata(facts, meta);
    } catch (e) {
      if (!(e instanceof ModelgateError)) throw e;
      notes.metadataError = e.message;
    }
  }
  if (sections.has("sbom")) {
    facts.sbom.checked = true;
    await findSbomFile(facts, modelPath, isDir);
  }
  if (sections.has("signature")) await verifySignature(facts, modelPath, policy);
  if (sections.has("provenance")) await verifyProvenanceFacts(facts, modelPath, policy);
  if (sections.has("dependencies")) await auditFacts(facts, modelPath, meta, options);
  return { facts, notes };
}
