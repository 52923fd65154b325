import type { AuditReport } from "../audit-report.js";

/** The JSON audit report: the AuditReport itself, documented by schemas/audit-report.schema.json. */
export function formatAuditJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
