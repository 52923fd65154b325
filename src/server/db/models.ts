import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";
import { num } from "./json.js";

export interface ModelRecord {
  id: string;
  projectId: string;
  name: string;
  createdAt: string;
}

interface ModelRow {
  id: string;
  project_id: string;
  name: string;
  created_at: string;
}

const toModel = (r: ModelRow): ModelRecord => ({ id: r.id, projectId: r.project_id, name: r.name, createdAt: r.created_at });

export async function getModel(db: SqlDatabase, projectId: string, name: string): Promise<ModelRecord | undefined> {
  const row = await db.get<ModelRow>("SELECT * FROM models WHERE project_id = ? AND name = ?", [projectId, name]);
  return row ? toModel(row) : undefined;
}

/** Call inside a transaction: creates the model on its first push. */
export async function getOrCreateModel(tx: SqlDatabase, projectId: string, name: string): Promise<ModelRecord> {
  const existing = await getModel(tx, projectId, name);
  if (existing) return existing;
  const m = { id: randomUUID(), projectId, name, createdAt: new Date().toISOString() };
  await tx.run("INSERT INTO models (id, project_id, name, created_at) VALUES (?, ?, ?, ?)", [m.id, m.projectId, m.name, m.createdAt]);
  return m;
}

/** Models of a project with their newest visible version (uploading versions are not listed). */
export async function listModels(db: SqlDatabase, projectId: string): Promise<{ name: string; latest?: { version: string; status: string }; versions: number }[]> {
  const models = await db.all<ModelRow>("SELECT * FROM models WHERE project_id = ? ORDER BY name", [projectId]);
  const out: { name: string; latest?: { version: string; status: string }; versions: number }[] = [];
  for (const m of models) {
    const count = await db.get<{ n: unknown }>("SELECT COUNT(*) AS n FROM versions WHERE model_id = ? AND status <> 'uploading'", [m.id]);
    const latest = await db.get<{ version: string; status: string }>(
      "SELECT version, status FROM versions WHERE model_id = ? AND status <> 'uploading' ORDER BY created_at DESC, id DESC LIMIT 1",
      [m.id],
    );
    out.push({ name: m.name, ...(latest ? { latest: { version: latest.version, status: latest.status } } : {}), versions: num(count?.n) });
  }
  return out;
}
