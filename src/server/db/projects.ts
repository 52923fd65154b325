import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";
import { num } from "./json.js";

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: string;
  createdBy: string;
}

interface ProjectRow {
  id: string;
  name: string;
  created_at: string;
  created_by: string;
}

const toProject = (r: ProjectRow): ProjectRecord => ({ id: r.id, name: r.name, createdAt: r.created_at, createdBy: r.created_by });

export async function insertProject(db: SqlDatabase, name: string, createdBy: string): Promise<ProjectRecord> {
  const p = { id: randomUUID(), name, createdAt: new Date().toISOString(), createdBy };
  await db.run("INSERT INTO projects (id, name, created_at, created_by) VALUES (?, ?, ?, ?)", [p.id, p.name, p.createdAt, p.createdBy]);
  return p;
}

export async function getProjectByName(db: SqlDatabase, name: string): Promise<ProjectRecord | undefined> {
  const row = await db.get<ProjectRow>("SELECT * FROM projects WHERE name = ?", [name]);
  return row ? toProject(row) : undefined;
}

export async function getProjectById(db: SqlDatabase, id: string): Promise<ProjectRecord | undefined> {
  const row = await db.get<ProjectRow>("SELECT * FROM projects WHERE id = ?", [id]);
  return row ? toProject(row) : undefined;
}

export async function listProjects(db: SqlDatabase): Promise<(ProjectRecord & { models: number })[]> {
  const rows = await db.all<ProjectRow & { models: unknown }>(
    "SELECT p.id, p.name, p.created_at, p.created_by, (SELECT COUNT(*) FROM models m WHERE m.project_id = p.id) AS models FROM projects p ORDER BY p.name",
  );
  return rows.map((r) => ({ ...toProject(r), models: num(r.models) }));
}
