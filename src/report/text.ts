import type { Finding } from "../core/finding.js";
import type { FileReport, Report } from "../core/report.js";
import { SEVERITIES, severityRank, type Severity } from "../core/severity.js";

export interface TextOptions {
  /** ANSI colours (the CLI turns them on for a TTY). */
  color: boolean;
  /** Show low/info findings and clean files too. */
  verbose: boolean;
}

const CODES: Record<string, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
  green: [32, 39],
  magenta: [35, 39],
};

function paint(on: boolean, style: keyof typeof CODES, s: string): string {
  if (!on) return s;
  const [a, b] = CODES[style]!;
  return `\u001b[${a}m${s}\u001b[${b}m`;
}

const SEVERITY_STYLE: Record<Severity, keyof typeof CODES> = { critical: "magenta", high: "red", medium: "yellow", low: "cyan", info: "gray" };

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function formatFinding(f: Finding, color: boolean): string[] {
  const sev = paint(color, SEVERITY_STYLE[f.severity], f.severity.toUpperCase().padEnd(8));
  const at = f.location.offset !== undefined ? ` (offset ${f.location.offset})` : "";
  return [
    `  ${sev}  ${paint(color, "bold", f.title)}  ${paint(color, "gray", f.ruleId)}`,
    `            ${f.message}${at}`,
    `            ${paint(color, "gray", `fix: ${f.remediation}`)}`,
  ];
}

function visible(f: Finding, verbose: boolean): boolean {
  return verbose || severityRank(f.severity) >= severityRank("medium");
}

function fileHeader(file: FileReport, color: boolean): string {
  return `${paint(color, "bold", file.path)}  ${paint(color, "gray", `${file.format}, ${formatBytes(file.size)}`)}`;
}

/** Human-readable report, grouped by file, most severe first. */
export function formatText(report: Report, options: TextOptions): string {
  const { color, verbose } = options;
  const out: string[] = [];
  let clean = 0;
  let hidden = 0;
  for (const file of report.files) {
    const shown = file.findings.filter((f) => visible(f, verbose)).sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
    hidden += file.findings.length - shown.length;
    if (shown.length === 0) {
      if (file.findings.length === 0) clean++;
      if (verbose) out.push(`${fileHeader(file, color)}  ${paint(color, "green", "no findings")}`);
      continue;
    }
    out.push(fileHeader(file, color));
    for (const f of shown) out.push(...formatFinding(f, color));
    out.push("");
  }
  const s = report.summary;
  const counts = SEVERITIES.filter((sev) => s.bySeverity[sev] > 0)
    .map((sev) => paint(color, SEVERITY_STYLE[sev], `${s.bySeverity[sev]} ${sev}`))
    .join(", ");
  const verdict = s.failed ? paint(color, "red", "FAIL") : paint(color, "green", "PASS");
  out.push(
    `Scanned ${s.files} file${s.files === 1 ? "" : "s"} (${clean} without findings) in ${(s.durationMs / 1000).toFixed(2)} s, ${formatBytes(s.bytesRead)} read.`,
  );
  out.push(`Findings: ${counts || "none"}${hidden > 0 ? paint(color, "gray", ` (${hidden} low/info not shown; --verbose shows them)`) : ""}`);
  out.push(`Gate: fail on ${s.failOn} or above → ${verdict}`);
  for (const r of report.relaxations ?? []) {
    out.push(paint(color, "yellow", `! the gate is relaxed by ${r.setting} ${r.value}: ${r.effect}; reason: ${r.reason}`));
  }
  return `${out.join("\n")}\n`;
}
