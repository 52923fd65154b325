import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";
import { readJson } from "./json.js";

export interface TokenRow {
  id: string;
  name: string;
  hash: string;
  admin: number;
  scopes: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TokenRecord {
  id: string;
  name: string;
  admin: boolean;
  scopes: string[];
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function toTokenRecord(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    admin: Number(r.admin) === 1,
    scopes: readJson<string[]>(r.scopes, []),
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export async function insertToken(
  db: SqlDatabase,
  t: { name: string; hash: string; admin: boolean; scopes: string[]; expiresAt: string | null; createdBy: string | null },
): Promise<TokenRecord> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await db.run(
    "INSERT INTO tokens (id, name, hash, admin, scopes, created_at, created_by, expires_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
    [id, t.name, t.hash, t.admin ? 1 : 0, JSON.stringify(t.scopes), now, t.createdBy, t.expiresAt],
  );
  return { id, name: t.name, admin: t.admin, scopes: t.scopes, createdAt: now, createdBy: t.createdBy, expiresAt: t.expiresAt, lastUsedAt: null, revokedAt: null };
}

export async function findTokenByHash(db: SqlDatabase, hash: string): Promise<TokenRecord | undefined> {
  const row = await db.get<TokenRow>("SELECT * FROM tokens WHERE hash = ?", [hash]);
  return row ? toTokenRecord(row) : undefined;
}

export async function getToken(db: SqlDatabase, id: string): Promise<TokenRecord | undefined> {
  const row = await db.get<TokenRow>("SELECT * FROM tokens WHERE id = ?", [id]);
  return row ? toTokenRecord(row) : undefined;
}

export async function listTokens(db: SqlDatabase): Promise<TokenRecord[]> {
  return (await db.all<TokenRow>("SELECT * FROM tokens ORDER BY created_at, id")).map(toTokenRecord);
}

export async function revokeToken(db: SqlDatabase, id: string): Promise<boolean> {
  const r = await db.run("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [new Date().toISOString(), id]);
  return r.changes > 0;
}

export async function touchToken(db: SqlDatabase, id: string, at: string): Promise<void> {
  await db.run("UPDATE tokens SET last_used_at = ? WHERE id = ?", [at, id]);
}
