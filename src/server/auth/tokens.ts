import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `mg_` + base64url of 32 random bytes. */
export function generateToken(): string {
  return `mg_${randomBytes(32).toString("base64url")}`;
}

/** Tokens are stored as their SHA-256 (hex): a stolen database holds no usable token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export const TOKEN_SHAPE = /^mg_[A-Za-z0-9_-]{20,100}$/;

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
