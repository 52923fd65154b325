import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";
import { readJson } from "./json.js";

export const WEBHOOK_EVENTS = ["version.approved", "version.quarantined", "version.rejected", "version.revoked", "version.verdict-changed", "version.upload-expired", "download"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEvent[];
  secret: string;
  createdAt: string;
  createdBy: string;
}

interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  created_at: string;
  created_by: string;
}

const toWebhook = (r: WebhookRow): WebhookRecord => ({ id: r.id, url: r.url, events: readJson<WebhookEvent[]>(r.events, []), secret: r.secret, createdAt: r.created_at, createdBy: r.created_by });

export async function insertWebhook(tx: SqlDatabase, w: { url: string; events: WebhookEvent[]; secret: string; createdBy: string }): Promise<WebhookRecord> {
  const rec = { id: randomUUID(), url: w.url, events: w.events, secret: w.secret, createdAt: new Date().toISOString(), createdBy: w.createdBy };
  await tx.run("INSERT INTO webhooks (id, url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)", [
    rec.id,
    rec.url,
    JSON.stringify(rec.events),
    rec.secret,
    rec.createdAt,
    rec.createdBy,
  ]);
  return rec;
}

export async function listWebhooks(db: SqlDatabase): Promise<WebhookRecord[]> {
  return (await db.all<WebhookRow>("SELECT * FROM webhooks ORDER BY created_at, id")).map(toWebhook);
}

export async function getWebhook(db: SqlDatabase, id: string): Promise<WebhookRecord | undefined> {
  const r = await db.get<WebhookRow>("SELECT * FROM webhooks WHERE id = ?", [id]);
  return r ? toWebhook(r) : undefined;
}

export async function deleteWebhook(tx: SqlDatabase, id: string): Promise<boolean> {
  return (await tx.run("DELETE FROM webhooks WHERE id = ?", [id])).changes > 0;
}
