/* global document */
/**
 * One version: status and reasons, decision actions, the dependency advice that failed the policy, files with
 * digests, scan findings grouped by severity (and the scan report to download as JSON or HTML), policy verdict
 * (with suppressions), signature, SBOM and dependency audit summaries, and who downloaded it.
 */
import { actionBar } from "../lib/actions.js";
import { ApiError, api, apiDownload, apiOptional, apiPath, describeError } from "../lib/api.js";
import { auditEntries, dependencyCount, failingDependencyResults } from "../lib/deps.js";
import { SEVERITIES, errorBox, facts, fmtBytes, fmtDate, h, holdBadge, replace, route, section, severityBadge, statusBadge, table, verdictBadge } from "../lib/dom.js";
import { holdOf, normaliseVerdict } from "../lib/verdict.js";
import { reasonsText } from "./model.js";

export async function render(container, [project, model, versionName], ctx) {
  const base = ["projects", project, "models", model, "versions", versionName];
  const version = await api(apiPath(...base));
  if (!ctx.current()) return;
  // The pieces below are optional: a pending version has no report yet, an auditor may not see downloads…
  const [report, sbom, audit, downloads] = await Promise.all(
    ["report", "sbom", "audit", "downloads"].map((part) => apiOptional(apiPath(...base, part)).catch((err) => ({ __error: err }))),
  );
  if (!ctx.current()) return;
  const verdict = normaliseVerdict(version.verdict);
  const passed = verdict?.passed;
  replace(container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "#/" }, "Models"), " / ", project, " / ", h("a", { href: route("projects", project, "models", model) }, model)),
    h("h1", {}, `${model} ${versionName}`),
    // The worst reason: a scan finding, or a failing policy result such as critical dependency advice.
    h("div", { class: "badges", id: "version-status" }, statusBadge(version.status), " ", verdictBadge(passed),
      [" ", holdBadge(holdOf(version))]),
    summarySection(version),
    decisionSection(project, model, versionName, version, ctx),
    adviceSection(verdict, audit),
    filesSection(version),
    findingsSection(report, base, model, versionName),
    verdictSection(version.verdict),
    signatureSection(version.signature),
    sbomSection(sbom),
    auditSection(audit, verdict),
    downloadsSection(downloads));
}

function decisionSection(project, model, versionName, version, ctx) {
  const bar = actionBar({ project, model, version: versionName, status: version.status, released: Boolean(version.released), principal: ctx.principal, onDone: () => ctx.refresh() });
  if (!bar) return null;
  return h("section", { class: "card", id: "decision" }, h("h2", {}, "Decision"), bar);
}

function failed(part, value) {
  if (value && typeof value === "object" && value.__error) {
    const err = value.__error;
    if (err instanceof ApiError && err.status === 403) return h("p", { class: "muted" }, `Your token may not read the ${part} of this version.`);
    return errorBox(`Cannot load the ${part}: ${describeError(err)}`);
  }
  return null;
}

function summarySection(v) {
  return section("Summary",
    facts([
      ["Project", String(v.project ?? "")],
      ["Model", String(v.model ?? "")],
      ["Version", String(v.version ?? "")],
      ["Status", statusBadge(v.status)],
      ["Imported from", v.source ? h("span", { id: "version-source" }, `hf://${v.source.repo}@${v.source.revision} — commit `, h("code", {}, String(v.source.commit)), ` from ${v.source.hub}`) : undefined],
      [v.source ? "Import requested by" : "Pushed by", v.createdBy ? String(v.createdBy) : undefined],
      ["Pushed at", fmtDate(v.createdAt)],
      ["Decided by", v.decidedBy ? String(v.decidedBy) : undefined],
      ["Decided at", v.decidedAt ? fmtDate(v.decidedAt) : undefined],
      ["Released", v.released ? `by ${v.released.by} at ${fmtDate(v.released.at)}: ${v.released.reason}` : undefined],
      ["Model digest", v.digest ? h("code", { class: "digest" }, String(v.digest)) : undefined],
      ["Findings", v.scan ? `${v.scan.findings ?? 0} (${SEVERITIES.map((s) => `${v.scan.bySeverity?.[s] ?? 0} ${s}`).join(", ")})` : undefined],
    ]),
    h("h3", {}, "Reasons"),
    h("div", { id: "reasons" }, reasonsText(v.reasons)));
}

/** How to get a downloadable version: the CLI checks every digest and the signature, a browser download would not. */
function pullHint(v) {
  const command = `modelgate pull ${v.project}/${v.model}@${v.version} --from ${globalThis.location.origin} --public-key server.pub`;
  return h("p", { id: "pull-command" }, "Download with every SHA-256 and the server's signature checked: ", h("code", {}, command));
}

function filesSection(v) {
  const files = Array.isArray(v.files) ? v.files : [];
  return section("Files",
    v.downloadable ? pullHint(v) : null,
    files.length
      ? table(null, ["Path", "Size", "Format", "SHA-256"], files.map((f) => [
        h("code", {}, String(f.path)), fmtBytes(f.size), f.format ? String(f.format) : "—", h("code", { class: "digest" }, String(f.sha256 ?? "—")),
      ]), { id: "files" })
      : h("p", { class: "muted" }, "No files."));
}

/**
 * The dependency results that made the policy fail, with the advisory or advice behind each (severity, id, package,
 * fixed release). Absent when no dependencies.* rule failed.
 */
function adviceSection(verdict, audit) {
  const list = failingDependencyResults(verdict, audit && !audit.__error ? audit : null);
  if (list.length === 0) return null;
  const rows = list.map((r) => h("tr", { "data-advisory": r.id, "data-severity": r.severity, "data-rule": r.rule },
    h("td", {}, SEVERITIES.includes(r.severity) ? severityBadge(r.severity) : h("span", { class: "muted" }, r.outcome === "error" ? "not evaluated" : "—")),
    h("td", {}, r.id ? h("code", {}, r.id) : "—", r.aliases.length ? h("div", { class: "muted small" }, r.aliases.join(", ")) : null),
    h("td", { class: "package" }, r.package ? [h("strong", {}, r.package), r.version ? ` ${r.version}` : ""] : "—"),
    h("td", {}, r.title || r.message, r.title ? h("div", { class: "muted small" }, r.message) : null,
      r.controls.length ? h("div", { class: "muted small" }, `${r.rule} · controls: ${r.controls.join(", ")}`) : h("div", { class: "muted small" }, r.rule)),
    h("td", {}, r.fixed.length ? r.fixed.join(", ") : "—")));
  const critical = list.filter((r) => r.severity === "critical").length;
  return h("section", { class: "card advice", id: "dependency-advice" },
    h("h2", {}, "Dependency advice that failed the policy"),
    h("p", { class: "small" }, `${list.length} dependency result${list.length === 1 ? "" : "s"} failed the policy${critical ? `, ${critical} critical` : ""}. Upgrade the packages (or pin a fixed release) and push a new version.`),
    table(null, ["Severity", "Advisory", "Package", "What", "Fixed in"], rows, { id: "advice" }));
}

/** A file name part from a model or version name. */
function fileNamePart(name) {
  return String(name).replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * Links that download the stored scan report as JSON and as the HTML report of `modelgate scan --format html`.
 * The href is the API URL (GET …/report?format=json|html, the version API's own authorisation); a click fetches it
 * with the session's token, since a plain link cannot send the Bearer header, and saves it under its file name.
 */
function reportDownloads(base, model, versionName) {
  const message = h("span", { class: "download-message", "aria-live": "polite" });
  const link = (format, label) => {
    const href = `${apiPath(...base, "report")}?format=${format}`;
    const name = `${fileNamePart(model)}-${fileNamePart(versionName)}-scan-report.${format}`;
    return h("a", {
      href, download: name, class: "download", "data-format": format,
      onclick: (event) => {
        event.preventDefault();
        void save(href, name, message);
      },
    }, label);
  };
  return h("p", { id: "report-downloads", class: "small" }, "Download the scan report: ", link("json", "JSON"), " · ", link("html", "HTML report"), " ", message);
}

async function save(href, name, message) {
  replace(message, h("span", { class: "muted" }, "Downloading…"));
  try {
    const { blob } = await apiDownload(href);
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    replace(message, h("span", { class: "ok", role: "status" }, `Saved ${name}`));
  } catch (err) {
    replace(message, errorBox(`Cannot download ${name}: ${describeError(err)}`));
  }
}

function findingsSection(report, base, model, versionName) {
  const err = failed("scan report", report);
  if (err) return section("Scan findings", err);
  if (!report) return section("Scan findings", h("p", { class: "muted" }, "No scan report yet (the version has not been scanned)."));
  const downloads = reportDownloads(base, model, versionName);
  const findings = (Array.isArray(report.files) ? report.files : []).flatMap((f) => (Array.isArray(f.findings) ? f.findings : []));
  if (findings.length === 0) return section("Scan findings", downloads, h("p", { class: "ok", id: "findings" }, `No findings in ${report.files?.length ?? 0} file(s).`));
  const groups = SEVERITIES.map((sev) => [sev, findings.filter((f) => f.severity === sev)]).filter(([, list]) => list.length);
  const other = findings.filter((f) => !SEVERITIES.includes(f.severity));
  if (other.length) groups.push(["other", other]);
  return section("Scan findings",
    downloads,
    h("div", { id: "findings" }, groups.map(([sev, list]) => h("details", { class: ["finding-group", `group-${sev}`], open: sev === "critical" || sev === "high", "data-severity": sev },
      h("summary", {}, severityBadge(sev), ` ${list.length} finding${list.length === 1 ? "" : "s"}`),
      list.map(findingCard)))));
}

function findingCard(f) {
  const loc = f.location ?? {};
  const where = [String(loc.path ?? ""), loc.member ? `member ${loc.member}` : null, typeof loc.offset === "number" ? `offset ${loc.offset}` : null].filter(Boolean).join(" · ");
  const refs = [...(f.cwe ?? []), ...(f.atlas ?? []), ...(f.owasp ?? [])].map(String);
  const evidence = f.evidence && typeof f.evidence === "object" ? Object.entries(f.evidence) : [];
  return h("article", { class: ["finding", `sev-${f.severity}`], "data-rule": String(f.ruleId ?? "") },
    h("h4", {}, severityBadge(f.severity), " ", String(f.title ?? f.ruleId ?? "finding"), " ", h("code", { class: "rule" }, String(f.ruleId ?? ""))),
    h("p", {}, String(f.message ?? "")),
    where ? h("p", { class: "muted small" }, where) : null,
    evidence.length ? h("dl", { class: "evidence" }, evidence.map(([k, v]) => [h("dt", {}, k), h("dd", {}, h("code", {}, String(v)))])) : null,
    f.remediation ? h("p", { class: "remediation" }, h("strong", {}, "Remediation: "), String(f.remediation)) : null,
    refs.length ? h("p", { class: "muted small" }, refs.join(" · ")) : null);
}

function verdictSection(raw) {
  const verdict = normaliseVerdict(raw);
  if (!verdict) return section("Policy verdict", h("p", { class: "muted" }, "No policy verdict yet."));
  const rows = verdict.results.map((r) => h("tr", { class: `outcome-${r.outcome}`, "data-rule": r.rule, "data-outcome": r.outcome },
    h("td", {}, h("code", {}, r.rule), r.finding ? h("div", { class: "muted small" }, `finding ${r.finding}`) : null),
    h("td", {}, h("span", { class: ["badge", outcomeClass(r.outcome)] }, r.outcome)),
    h("td", {}, r.message || "—", r.path ? h("div", { class: "muted small" }, h("code", {}, r.path)) : null,
      r.controls.length ? h("div", { class: "muted small" }, `Controls: ${r.controls.join(", ")}`) : null),
    h("td", {}, r.suppression
      ? [r.suppression.expired ? "Expired suppression: " : "Suppressed: ", r.suppression.reason ?? "", r.suppression.expires ? ` (until ${r.suppression.expires})` : ""]
      : r.suppressed ? "Suppressed" : "—")));
  const failedControls = verdict.controls.filter((c) => c.status === "fail");
  const order = { fail: 0, error: 1, suppressed: 2, skipped: 3, pass: 4 };
  rows.sort((a, b) => (order[a.dataset.outcome] ?? 5) - (order[b.dataset.outcome] ?? 5));
  return section("Policy verdict",
    h("p", { id: "verdict" }, verdictBadge(verdict.passed),
      verdict.source ? ` policy: ${verdict.source}${verdict.profile && !verdict.source.includes(verdict.profile) ? ` (profile ${verdict.profile})` : ""}` : verdict.profile ? ` profile ${verdict.profile}` : ""),
    verdict.digest ? h("p", { class: "muted small" }, "Policy digest ", h("code", { class: "digest" }, verdict.digest)) : null,
    verdict.note ? h("p", { class: "muted" }, verdict.note) : null,
    rows.length ? table(null, ["Rule", "Outcome", "Reason", "Suppression"], rows, { id: "verdict-results" }) : h("p", { class: "muted" }, "The verdict lists no rule results."),
    verdict.controls.length ? h("p", { class: "small" },
      `Controls: ${verdict.controls.length - failedControls.length} of ${verdict.controls.length} met`,
      failedControls.length ? `; not met: ${failedControls.map((c) => c.id).join(", ")}` : "") : null);
}

function outcomeClass(outcome) {
  if (outcome === "pass" || outcome === "passed") return "verdict-pass";
  if (outcome === "fail" || outcome === "failed" || outcome === "error") return "verdict-fail";
  return "status-unknown";
}

function signatureSection(sig) {
  if (!sig) return section("Signature", h("p", { class: "muted", id: "signature" }, "No signature information."));
  return section("Signature",
    h("p", { id: "signature" }, h("span", { class: ["badge", sig.verified ? "verdict-pass" : "verdict-fail"] }, sig.verified ? "Signature verified" : "Not verified")),
    facts([["Method", sig.method ? String(sig.method) : undefined], ["Signed by", sig.by ? String(sig.by) : undefined]]));
}

function sbomSection(sbom) {
  const err = failed("SBOM", sbom);
  if (err) return section("SBOM", err);
  if (!sbom) return section("SBOM", h("p", { class: "muted" }, "No SBOM stored for this version."));
  const components = Array.isArray(sbom.components) ? sbom.components : [];
  const byType = new Map();
  for (const c of components) byType.set(String(c.type ?? "unknown"), (byType.get(String(c.type ?? "unknown")) ?? 0) + 1);
  const licence = (c) => (Array.isArray(c.licenses) ? c.licenses.map((l) => l.license?.id ?? l.license?.name ?? l.expression).filter(Boolean).join(", ") : "");
  const shown = components.slice(0, 100);
  return section("SBOM",
    facts([
      ["Format", sbom.bomFormat ? `${sbom.bomFormat} ${sbom.specVersion ?? ""}` : undefined],
      ["Describes", sbom.metadata?.component ? `${sbom.metadata.component.name ?? ""} ${sbom.metadata.component.version ?? ""}` : undefined],
      ["Components", `${components.length}${byType.size ? ` (${[...byType].map(([t, n]) => `${n} ${t}`).join(", ")})` : ""}`],
    ]),
    shown.length ? h("details", {}, h("summary", {}, `Components${components.length > shown.length ? ` (first ${shown.length})` : ""}`),
      table(null, ["Name", "Version", "Type", "Licence"], shown.map((c) => [String(c.name ?? ""), String(c.version ?? ""), String(c.type ?? ""), licence(c) || "—"]))) : null);
}

function auditSection(audit, verdict) {
  const err = failed("dependency audit", audit);
  if (err) return section("Dependency audit", err);
  if (!audit) return section("Dependency audit", h("p", { class: "muted" }, "No dependency audit stored for this version."));
  const entries = auditEntries(audit);
  const count = (kind) => {
    const list = entries.filter((e) => e.kind === kind);
    const bySev = new Map();
    for (const e of list) bySev.set(e.severity, (bySev.get(e.severity) ?? 0) + 1);
    return `${list.length}${bySev.size ? ` (${[...bySev].map(([s, n]) => `${n} ${s}`).join(", ")})` : ""}`;
  };
  // Entries the policy failed on (dependencies.vulnerabilities results name the advisory id).
  const failing = new Set(failingDependencyResults(verdict, audit).map((r) => r.id).filter(Boolean));
  const files = Array.isArray(audit.files) ? audit.files : [];
  const n = dependencyCount(audit);
  return section("Dependency audit",
    facts([
      ["Dependency files", files.length ? files.map((f) => String(f.path ?? "")).join(", ") : undefined],
      ["Dependencies", n === undefined ? undefined : String(n)],
      ["Advisories (OSV)", count("advisory")],
      ["Advice", count("advice")],
      ["Database", databaseText(audit.database)],
      ["Complete", audit.summary?.incomplete === true ? "no: something could not be checked (see the audit's issues)" : undefined],
    ]),
    entries.length ? table(null, ["Advisory", "Package", "Severity", "Fixed in", "Policy"], entries.slice(0, 200).map((e) => h("tr", { "data-advisory": e.id, "data-kind": e.kind },
      h("td", {}, h("code", {}, e.id), e.kind === "advice" ? h("div", { class: "muted small" }, "modelgate advice") : null, e.title ? h("div", { class: "small" }, e.title) : null),
      h("td", { class: "package" }, e.package ? [h("strong", {}, e.package), e.version ? ` ${e.version}` : e.specifier ? ` ${e.specifier}` : ""] : "—",
        e.file ? h("div", { class: "muted small" }, h("code", {}, `${e.file}${e.line ? `:${e.line}` : ""}`)) : null),
      h("td", {}, SEVERITIES.includes(e.severity) ? severityBadge(e.severity) : "—"),
      h("td", {}, e.fixed.length ? e.fixed.join(", ") : "—"),
      h("td", {}, failing.has(e.id) ? h("span", { class: ["badge", "verdict-fail"] }, "fails policy") : h("span", { class: "muted" }, "—")))), { id: "dependency-audit" })
      : h("p", { class: "ok", id: "dependency-audit" }, "No known vulnerabilities and no advice."));
}

function databaseText(db) {
  if (!db || typeof db !== "object") return undefined;
  const parts = [db.kind === "online" ? "OSV online" : String(db.source ?? "offline OSV database")];
  if (db.updatedAt) parts.push(`updated ${fmtDate(db.updatedAt)}${typeof db.ageDays === "number" ? ` (${db.ageDays} day${db.ageDays === 1 ? "" : "s"} old)` : ""}`);
  if (typeof db.records === "number") parts.push(`${db.records} record${db.records === 1 ? "" : "s"}`);
  if (db.stale === true) parts.push("stale");
  return parts.join(", ");
}

function downloadsSection(downloads) {
  const err = failed("download record", downloads);
  if (err) return section("Downloads", err);
  const list = Array.isArray(downloads) ? downloads : [];
  return section("Downloads",
    list.length
      ? table(null, ["When", "Who", "File"], list.map((d) => [fmtDate(d.at), `${d.name ?? ""}${d.tokenId ? ` (${d.tokenId})` : ""}`, h("code", {}, String(d.path ?? ""))]), { id: "downloads" })
      : h("p", { class: "muted", id: "downloads" }, "Nobody has downloaded this version."));
}
