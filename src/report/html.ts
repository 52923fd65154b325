import type { Finding } from "../core/finding.js";
import type { FileReport, Report } from "../core/report.js";
import { SEVERITIES, severityRank, type Severity } from "../core/severity.js";
import { formatBytes } from "./text.js";

/**
 * One self-contained HTML page a reviewer can open offline. No script at all (the content comes from
 * hostile files, so everything is escaped and a Content-Security-Policy forbids scripts); filtering by
 * severity is done with CSS alone.
 */
export function formatHtml(report: Report): string {
  const s = report.summary;
  const files = [...report.files].sort((a, b) => fileRank(b) - fileRank(a) || (a.path < b.path ? -1 : 1));
  const withFindings = files.filter((f) => f.findings.length > 0);
  const clean = files.filter((f) => f.findings.length === 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>modelgate report: ${s.failed ? "FAIL" : "PASS"} (${esc(report.targets.join(", "))})</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>modelgate scan report</h1>
  <p class="meta">${esc(report.tool.name)} ${esc(report.tool.version)} · ${esc(report.createdAt)} · targets: ${report.targets.map((t) => `<code>${esc(t)}</code>`).join(", ")}</p>
  <div class="verdict ${s.failed ? "fail" : "pass"}" data-testid="verdict">${s.failed ? "FAIL" : "PASS"} <span>gate: fail on ${esc(s.failOn)} or above</span></div>
  ${(report.relaxations ?? []).map((r) => `<p class="relaxed" data-testid="relaxation">the gate is relaxed by <code>${esc(r.setting)} ${esc(r.value)}</code>: ${esc(r.effect)}; reason: ${esc(r.reason)}</p>`).join("\n  ")}
</header>
<section class="summary" aria-label="Summary">
  <div class="card"><b>${s.files}</b><span>files</span></div>
  <div class="card"><b>${s.findings}</b><span>findings</span></div>
  ${SEVERITIES.map((sev) => `<div class="card sev-${sev}"><b>${s.bySeverity[sev]}</b><span>${sev}</span></div>`).join("\n  ")}
  <div class="card"><b>${esc(formatBytes(s.bytesRead))}</b><span>read in ${(s.durationMs / 1000).toFixed(2)} s</span></div>
</section>
<form class="filters" aria-label="Show severities">
  Show: ${SEVERITIES.map((sev) => `<label><input type="checkbox" id="show-${sev}" checked> ${sev}</label>`).join(" ")}
</form>
<main>
${withFindings.length === 0 ? `<p class="none">No findings.</p>` : withFindings.map(fileSection).join("\n")}
${clean.length > 0 ? `<details class="clean"><summary>${clean.length} file${clean.length === 1 ? "" : "s"} without findings</summary><ul>${clean.map((f) => `<li><code>${esc(f.path)}</code> <span class="fmt">${esc(f.format)}, ${esc(formatBytes(f.size))}</span></li>`).join("")}</ul></details>` : ""}
</main>
<footer>Severities: critical — known-dangerous behaviour; high — code we cannot vouch for or content that could not be verified; medium — references we cannot vouch for; low, info — notes.</footer>
</body>
</html>
`;
}

function fileRank(f: FileReport): number {
  return f.findings.reduce((m, x) => Math.max(m, severityRank(x.severity) + 1), 0);
}

function fileSection(f: FileReport): string {
  const findings = [...f.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return `<section class="file">
  <h2><code>${esc(f.path)}</code></h2>
  <p class="fmt">${esc(f.format)} · ${esc(formatBytes(f.size))}${f.sha256 ? ` · sha256 <code>${esc(f.sha256)}</code>` : ""}${f.container ? ` · in <code>${esc(f.container)}</code>` : ""}</p>
  ${findings.map(findingBlock).join("\n  ")}
</section>`;
}

function findingBlock(x: Finding): string {
  const where = [x.location.member ? `member <code>${esc(x.location.member)}</code>` : "", x.location.offset !== undefined ? `offset ${x.location.offset}` : ""]
    .filter(Boolean)
    .join(", ");
  const evidence = x.evidence
    ? `<dl class="evidence">${Object.entries(x.evidence)
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(String(v))}</code></dd>`)
        .join("")}</dl>`
    : "";
  const tags = [...x.cwe, ...x.atlas, ...x.owasp].map((t) => `<span class="tag">${esc(t)}</span>`).join("");
  return `<article class="finding sev-${x.severity}" data-severity="${x.severity}">
    <div class="head"><span class="badge">${x.severity}</span> <strong>${esc(x.title)}</strong> <code class="rule">${esc(x.ruleId)}</code></div>
    <p class="msg">${esc(x.message)}</p>
    ${where ? `<p class="where">${where}</p>` : ""}
    ${evidence}
    <p class="fix"><b>Remediation:</b> ${esc(x.remediation)}</p>
    <p class="tags">${tags}</p>
  </article>`;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const COLORS: Record<Severity, string> = { critical: "#7b1fa2", high: "#c62828", medium: "#ef6c00", low: "#1565c0", info: "#616161" };

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1b1b1b;background:#fafafa}
h1{margin:0 0 .3rem;font-size:1.6rem}h2{font-size:1.05rem;margin:0 0 .2rem;word-break:break-all}
code{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
.meta,.fmt,.where{color:#555;margin:.2rem 0}
.verdict{display:inline-block;margin:.6rem 0;padding:.35rem .9rem;border-radius:6px;font-weight:700;font-size:1.2rem;color:#fff}
.verdict span{font-weight:400;font-size:.85rem;margin-left:.5rem}
.verdict.fail{background:#c62828}.verdict.pass{background:#2e7d32}
.relaxed{margin:.3rem 0;padding:.3rem .6rem;border-left:4px solid #f9a825;background:#fff8e1}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:5.5rem}
.card b{display:block;font-size:1.3rem}.card span{color:#555;font-size:.85rem}
.filters{margin:.5rem 0 1rem}.filters label{margin-right:.8rem}
.file{background:#fff;border:1px solid #ddd;border-radius:8px;padding:1rem;margin:0 0 1rem}
.finding{border-left:5px solid;padding:.4rem .8rem;margin:.7rem 0;background:#fcfcfc}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 .45rem;font-size:.8rem;text-transform:uppercase;font-weight:700}
.rule{color:#666;margin-left:.4rem}.msg{margin:.3rem 0}
.evidence{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0;font-size:.9rem}
.evidence dt{color:#555}.evidence dd{margin:0}
.fix{margin:.3rem 0;font-size:.93rem}.tag{display:inline-block;background:#eee;border-radius:3px;padding:0 .35rem;margin:0 .3rem 0 0;font-size:.78rem;color:#333}
.clean summary{cursor:pointer;color:#2e7d32}.none{color:#2e7d32;font-weight:600}
footer{color:#666;font-size:.85rem;margin-top:2rem}
${SEVERITIES.map((sev) => `.sev-${sev} .badge{background:${COLORS[sev]}}.finding.sev-${sev}{border-color:${COLORS[sev]}}.card.sev-${sev} b{color:${COLORS[sev]}}
body:has(#show-${sev}:not(:checked)) .finding.sev-${sev}{display:none}`).join("\n")}
`;
