import type { Role } from "../auth/roles.js";
import type { SqlDatabase } from "../storage/types.js";

export async function setMember(db: SqlDatabase, projectId: string, tokenId: string, role: Role): Promise<void> {
  await db.run(
    "INSERT INTO members (project_id, token_id, role, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (project_id, token_id) DO UPDATE SET role = excluded.role, updated_at = excluded.updated_at",
    [projectId, tokenId, role, new Date().toISOString()],
  );
}

export async function removeMember(db: SqlDatabase, projectId: string, tokenId: string): Promise<boolean> {
  return (await db.run("DELETE FROM members WHERE project_id = ? AND token_id = ?", [projectId, tokenId])).changes > 0;
}

/** A token's roles, by project name. */
export async function rolesOfToken(db: SqlDatabase, tokenId: string): Promise<{ project: string; role: Role }[]> {
  return db.all<{ project: string; role: Role }>(
    "SELECT p.name AS project, m.role AS role FROM members m JOIN projects p ON p.id = m.project_id WHERE m.token_id = ? ORDER BY p.name",
    [tokenId],
  );
}

export async function allRoles(db: SqlDatabase): Promise<Map<string, { project: string; role: Role }[]>> {
  const rows = await db.all<{ token_id: string; project: string; role: Role }>(
    "SELECT m.token_id AS token_id, p.name AS project, m.role AS role FROM members m JOIN projects p ON p.id = m.project_id ORDER BY p.name",
  );
  const out = new Map<string, { project: string; role: Role }[]>();
  for (const r of rows) {
    const list = out.get(r.token_id) ?? [];
    list.push({ project: r.project, role: r.role });
    out.set(r.token_id, list);
  }
  return out;
}
