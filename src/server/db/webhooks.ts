import { createCipheriv, createDecipheriv, createHash, createPrivateKey, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import type { SqlDatabase } from "../storage/types.js";
import { readJson } from "./json.js";

/*
 * Webhook secrets are stored encrypted (AES-256-GCM, the row id as associated data) with a key derived (HKDF-SHA256)
 * from the server's signing key in keys/: a copy of the database alone does not reveal them. Stored form:
 * `enc:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url). Rows written before encryption are sealed at start.
 */
const SEALED = /^enc:v1:([0-9a-f]{16}):([A-Za-z0-9_-]+):([A-Za-z0-9_-]*):([A-Za-z0-9_-]+)$/;
/** Every key registered in this process, by id (several servers may share a process: tests, embedding). */
const keyring = new Map<string, Buffer>();
/** The key each database (and each transaction handle of it) seals new secrets with. */
const sealKeys = new WeakMap<object, { id: string; key: Buffer }>();

/** Derives the secrets key from the server's private key (PEM). */
export function deriveSecretsKey(serverPrivateKeyPem: string): Buffer {
  const der = createPrivateKey(serverPrivateKeyPem).export({ format: "der", type: "pkcs8" });
  return Buffer.from(hkdfSync("sha256", der, "modelgate", "webhook-secrets v1", 32));
}

/**
 * Makes `db` (and the transactions it opens) seal webhook secrets with `key`, and opens those sealed with it.
 * Call once per server, before any route or job reads webhooks.
 */
export function useSecretsKey(db: SqlDatabase, key: Buffer): void {
  const id = createHash("sha256").update(key).digest("hex").slice(0, 16);
  keyring.set(id, key);
  const entry = { id, key };
  sealKeys.set(db, entry);
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (tx: SqlDatabase) => Promise<unknown>) =>
    transaction(async (tx: SqlDatabase) => {
      sealKeys.set(tx, entry);
      return fn(tx);
    })) as SqlDatabase["transaction"];
}

function seal(db: SqlDatabase, rowId: string, secret: string): string {
  const k = sealKeys.get(db);
  if (!k) throw new ModelgateError("INTERNAL", "no key to encrypt webhook secrets with (useSecretsKey was not called)");
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", k.key, iv);
  c.setAAD(Buffer.from(rowId, "utf8"));
  const ct = Buffer.concat([c.update(secret, "utf8"), c.final()]);
  return `enc:v1:${k.id}:${iv.toString("base64url")}:${ct.toString("base64url")}:${c.getAuthTag().toString("base64url")}`;
}

function open(rowId: string, stored: string): string {
  const m = SEALED.exec(stored);
  if (!m) return stored; // written before secrets were encrypted (sealed at the next start)
  const key = keyring.get(m[1]!);
  if (!key) throw new ModelgateError("INVALID_OPTION", "a webhook secret is encrypted with a key this server does not hold (keys/ differ from the node that stored it)");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(m[2]!, "base64url"));
  d.setAAD(Buffer.from(rowId, "utf8"));
  d.setAuthTag(Buffer.from(m[4]!, "base64url"));
  try {
    return Buffer.concat([d.update(Buffer.from(m[3]!, "base64url")), d.final()]).toString("utf8");
  } catch {
    throw new ModelgateError("MALFORMED_INPUT", `the stored secret of webhook ${rowId} does not decrypt (altered in the database?)`);
  }
}

/** Encrypts secrets stored in clear by an older version; returns how many. */
export async function sealStoredSecrets(db: SqlDatabase): Promise<number> {
  return db.transaction(async (tx) => {
    let n = 0;
    for (const r of await tx.all<{ id: string; secret: string }>("SELECT id, secret FROM webhooks")) {
      if (SEALED.test(r.secret)) continue;
      await tx.run("UPDATE webhooks SET secret = ? WHERE id = ?", [seal(tx, r.id, r.secret), r.id]);
      n++;
    }
    return n;
  });
}

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

const toWebhook = (r: WebhookRow): WebhookRecord => ({ id: r.id, url: r.url, events: readJson<WebhookEvent[]>(r.events, []), secret: open(r.id, r.secret), createdAt: r.created_at, createdBy: r.created_by });

export async function insertWebhook(tx: SqlDatabase, w: { url: string; events: WebhookEvent[]; secret: string; createdBy: string }): Promise<WebhookRecord> {
  const rec = { id: randomUUID(), url: w.url, events: w.events, secret: w.secret, createdAt: new Date().toISOString(), createdBy: w.createdBy };
  await tx.run("INSERT INTO webhooks (id, url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)", [
    rec.id,
    rec.url,
    JSON.stringify(rec.events),
    seal(tx, rec.id, rec.secret),
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
