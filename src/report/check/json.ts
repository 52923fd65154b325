import type { CheckReport } from "../../core/check-report.js";

/** The check report as JSON (schemas/check-report.schema.json). */
export function formatCheckJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
