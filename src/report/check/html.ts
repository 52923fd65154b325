import type { CheckModelReport, CheckReport, CheckResult } from "../../core/check-report.js";
import { esc } from "../html.js";

/**
 * The check report as one self-contained HTML page: no script (a Content-Security-Policy forbids it),
 * everything escaped. Suppressed results stay visible, marked with their reason.
 */
export function formatCheckHtml(report: CheckReport, frameworks: Readonly<Record<string, string>> = {}): string {
  const s = report.summary;
  const failed = s.failed > 0;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>modelgate check: ${failed ? "FAIL" : "PASS"}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>modelgate check</h1>
  <p class="meta">${esc(report.tool.name)} ${esc(report.tool.version)} · ${esc(report.createdAt)} · policy <code>${esc(report.policy.source)}</code>${report.policy.profile ? ` (profile ${esc(report.policy.profile)})` : ""} · sha256 <code>${esc(report.policy.digest.slice(0, 16))}</code></p>${(report.policy.relaxations ?? []).length > 0 ? `\n  <p class="meta">The policy relaxes the gate:</p>\n  <ul>${(report.policy.relaxations ?? []).map((r) => `<li><code>${esc(r.setting)}: ${esc(r.value)}</code> — ${esc(r.effect)}; reason: ${esc(r.reason)}</li>`).join("")}</ul>` : ""}
  <div class="verdict ${failed ? "fail" : "pass"}" data-testid="verdict">${failed ? "FAIL" : "PASS"} <span>${s.passed} passed, ${s.failed} failed, ${s.errors} errors, ${s.suppressed} suppressed</span></div>
</header>
<main>
${report.models.map((m) => modelSection(m, frameworks)).join("\n")}
</main>
</body>
</html>
`;
}

function resultRow(r: CheckResult): string {
  const sup = r.suppression ? `<div class="sup">${r.suppression.expired ? "suppression expired" : "suppressed"}: ${esc(r.suppression.reason)}${r.suppression.expires ? ` (expires ${esc(r.suppression.expires)})` : ""}</div>` : "";
  return `<tr class="st-${r.status}"><td class="st">${esc(r.status)}</td><td><code>${esc(r.ruleId)}</code></td><td>${esc(r.message)}${sup}</td><td class="ctl">${r.controls.map(esc).join(", ")}</td></tr>`;
}

function modelSection(m: CheckModelReport, frameworks: Readonly<Record<string, string>>): string {
  const controls = m.controls
    .map((c) => `<li class="${c.status}"><b>${c.status === "pass" ? "✓" : c.status === "fail" ? "✗" : "-"}</b> ${esc(frameworks[c.framework] ?? c.framework)} <code>${esc(c.id)}</code>${c.title ? ` ${esc(c.title)}` : ""} — ${c.rules.map((r) => `${esc(r.ruleId)} (${esc(r.status)})`).join(", ")}</li>`)
    .join("");
  return `<section class="model">
  <h2><span class="badge ${m.verdict}">${m.verdict.toUpperCase()}</span> <code>${esc(m.path)}</code></h2>
  <table><thead><tr><th>status</th><th>rule</th><th>result</th><th>controls</th></tr></thead><tbody>
  ${m.results.map(resultRow).join("\n  ")}
  </tbody></table>
  <details><summary>Controls (${m.controls.filter((c) => c.status === "pass").length} passed, ${m.controls.filter((c) => c.status === "fail").length} failed, ${m.controls.filter((c) => c.status === "skipped").length} not assessed)</summary><ul class="controls">${controls}</ul></details>
</section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header,main{max-width:1100px;margin:0 auto;padding:16px}
h1{margin:0 0 4px}.meta{color:#57606a;margin:0 0 12px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;color:#fff}
.verdict span{font-weight:400;margin-left:8px}
.pass{background:#1a7f37}.fail{background:#cf222e}
.model{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:16px 0}
.badge{padding:2px 8px;border-radius:4px;color:#fff;font-size:12px}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eaeef2;padding:6px;text-align:left;vertical-align:top}
.st-fail .st{color:#cf222e;font-weight:700}.st-error .st{color:#8250df;font-weight:700}.st-suppressed .st{color:#9a6700}.st-pass .st{color:#1a7f37}.st-skipped{color:#6e7781}
.sup{color:#9a6700;font-style:italic}.ctl{color:#57606a;font-size:12px}
ul.controls li.pass b{color:#1a7f37}ul.controls li.fail b{color:#cf222e}ul.controls li{background:none;color:inherit}
`;
