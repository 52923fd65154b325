import type { Report } from "../core/report.js";

/** The JSON report: the Report object itself, documented by schemas/report.schema.json. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
