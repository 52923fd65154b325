import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";
import { num, readJson } from "./json.js";

export type VersionStatus = "uploading" | "pending" | "approved" | "quarantined" | "rejected" | "revoked";
export const VERSION_STATUSES: readonly VersionStatus[] = ["uploading", "pending", "approved", "quarantined", "rejected", "revoked"];

export interface VersionRow {
  id: string;
  model_id: string;
  version: string;
  status: VersionStatus;
  reasons: string;
  upload_id: string;
  created_by: string;
  created_by_name: string;
  created_at: string;
  completed_at: string | null;
  scanned_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
  released_by: string | null;
  released_reason: string | null;
  released_at: string | null;
  digest: string | null;
  scan_summary: string | null;
  report: string | null;
  verdict: string | null;
  sbom: string | null;
  audit: string | null;
  signature: string | null;
  signature_info: string | null;
  /** Hub imports: JSON VersionSource. */
  source: string | null;
}

/** Where the server imported a version from (pull-through), recorded before it fetched a byte. */
export interface VersionSource {
  hub: string;
  repo: string;
  revision: string;
  commit: string;
}

/** A version row joined with its project and model names. */
export interface VersionRef extends VersionRow {
  project: string;
  project_id: string;
  model: string;
}

export interface FileRecord {
  path: string;
  size: number;
  sha256: string;
  format?: string;
  uploaded: boolean;
}

export interface ScanSummary {
  maxSeverity?: string;
  findings: number;
  bySeverity: Record<string, number>;
}

const REF_SELECT = "SELECT v.*, p.name AS project, p.id AS project_id, m.name AS model FROM versions v JOIN models m ON m.id = v.model_id JOIN projects p ON p.id = m.project_id";

export async function insertVersion(
  tx: SqlDatabase,
  v: { modelId: string; version: string; createdBy: string; createdByName: string; digest: string | null; source?: VersionSource },
): Promise<{ id: string; uploadId: string }> {
  const id = randomUUID();
  const uploadId = randomUUID();
  await tx.run(
    "INSERT INTO versions (id, model_id, version, status, reasons, upload_id, created_by, created_by_name, created_at, digest, source) VALUES (?, ?, ?, 'uploading', '[]', ?, ?, ?, ?, ?, ?)",
    [id, v.modelId, v.version, uploadId, v.createdBy, v.createdByName, new Date().toISOString(), v.digest, v.source ? JSON.stringify(v.source) : null],
  );
  return { id, uploadId };
}

export async function insertFiles(tx: SqlDatabase, versionId: string, files: { path: string; size: number; sha256: string; uploaded: boolean }[]): Promise<void> {
  for (const f of files) {
    await tx.run("INSERT INTO version_files (version_id, path, size, sha256, format, uploaded) VALUES (?, ?, ?, ?, NULL, ?)", [
      versionId,
      f.path,
      f.size,
      f.sha256,
      f.uploaded ? 1 : 0,
    ]);
  }
}

export async function getVersionRef(db: SqlDatabase, project: string, model: string, version: string): Promise<VersionRef | undefined> {
  return db.get<VersionRef>(`${REF_SELECT} WHERE p.name = ? AND m.name = ? AND v.version = ?`, [project, model, version]);
}

export async function getVersionById(db: SqlDatabase, id: string): Promise<VersionRef | undefined> {
  return db.get<VersionRef>(`${REF_SELECT} WHERE v.id = ?`, [id]);
}

export async function getVersionByUpload(db: SqlDatabase, uploadId: string): Promise<VersionRef | undefined> {
  return db.get<VersionRef>(`${REF_SELECT} WHERE v.upload_id = ?`, [uploadId]);
}

export async function listVersionRefs(db: SqlDatabase, where: string, params: (string | number)[]): Promise<VersionRef[]> {
  return db.all<VersionRef>(`${REF_SELECT} WHERE ${where} ORDER BY v.created_at DESC, v.id DESC`, params);
}

export async function listFiles(db: SqlDatabase, versionId: string): Promise<FileRecord[]> {
  const rows = await db.all<{ path: string; size: unknown; sha256: string; format: string | null; uploaded: unknown }>(
    "SELECT path, size, sha256, format, uploaded FROM version_files WHERE version_id = ? ORDER BY path",
    [versionId],
  );
  return rows.map((r) => ({ path: r.path, size: num(r.size), sha256: r.sha256, ...(r.format ? { format: r.format } : {}), uploaded: num(r.uploaded) === 1 }));
}

export async function getFile(db: SqlDatabase, versionId: string, path: string): Promise<FileRecord | undefined> {
  const r = await db.get<{ path: string; size: unknown; sha256: string; format: string | null; uploaded: unknown }>(
    "SELECT path, size, sha256, format, uploaded FROM version_files WHERE version_id = ? AND path = ?",
    [versionId, path],
  );
  return r ? { path: r.path, size: num(r.size), sha256: r.sha256, ...(r.format ? { format: r.format } : {}), uploaded: num(r.uploaded) === 1 } : undefined;
}

export async function markUploaded(db: SqlDatabase, versionId: string, path: string): Promise<void> {
  await db.run("UPDATE version_files SET uploaded = 1 WHERE version_id = ? AND path = ?", [versionId, path]);
}

export async function setFileFormats(tx: SqlDatabase, versionId: string, formats: Map<string, string>): Promise<void> {
  for (const [path, format] of formats) await tx.run("UPDATE version_files SET format = ? WHERE version_id = ? AND path = ?", [format, versionId, path]);
}

/** Compare-and-set of the status: returns false when the version is no longer in one of `from`. */
export async function updateVersion(
  tx: SqlDatabase,
  id: string,
  from: readonly VersionStatus[],
  set: Partial<Record<keyof VersionRow, string | null>>,
): Promise<boolean> {
  const cols = Object.keys(set);
  const sql = `UPDATE versions SET ${cols.map((c) => `${c} = ?`).join(", ")} WHERE id = ? AND status IN (${from.map(() => "?").join(", ")})`;
  const r = await tx.run(sql, [...cols.map((c) => set[c as keyof VersionRow] ?? null), id, ...from]);
  return r.changes > 0;
}

export async function countByStatus(db: SqlDatabase): Promise<Record<string, number>> {
  const rows = await db.all<{ status: string; n: unknown }>("SELECT status, COUNT(*) AS n FROM versions GROUP BY status");
  const out: Record<string, number> = Object.fromEntries(VERSION_STATUSES.map((s) => [s, 0]));
  for (const r of rows) out[r.status] = num(r.n);
  return out;
}

export function isDownloadable(v: Pick<VersionRow, "status" | "released_at">): boolean {
  return v.status === "approved" || (v.status === "quarantined" && v.released_at !== null);
}

/** The API shape of a version summary (lists). */
export function versionSummary(v: VersionRef): Record<string, unknown> {
  const scan = readJson<ScanSummary | null>(v.scan_summary, null);
  return {
    project: v.project,
    model: v.model,
    version: v.version,
    status: v.status,
    reasons: readJson<string[]>(v.reasons, []),
    createdBy: v.created_by_name,
    createdAt: v.created_at,
    ...(v.decided_at ? { decidedAt: v.decided_at, decidedBy: v.decided_by } : {}),
    ...(v.released_at ? { released: { by: v.released_by, reason: v.released_reason, at: v.released_at } } : {}),
    ...(scan ? { scan } : {}),
    downloadable: isDownloadable(v),
  };
}

/** The API shape of one version, with its files, verdict and signature. */
export function versionDetail(v: VersionRef, files: FileRecord[]): Record<string, unknown> {
  const sigInfo = readJson<Record<string, unknown> | null>(v.signature_info, null);
  const verdict = readJson<unknown>(v.verdict, null);
  return {
    ...versionSummary(v),
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, ...(f.format ? { format: f.format } : {}) })),
    ...(verdict ? { verdict } : {}),
    ...(sigInfo ? { signature: sigInfo } : {}),
    ...(v.source ? { source: readJson<VersionSource | null>(v.source, null) } : {}),
    digest: v.digest,
  };
}
