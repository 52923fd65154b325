/**
 * Credentials in configuration and text shipped with a model (CWE-798).
 * Two checks, both deliberately narrow so ordinary configs stay clean:
 * 1. token formats of well-known providers (prefix + fixed alphabet/length), anywhere;
 * 2. the generic "credential-named key holding a random-looking value" heuristic (as in gitleaks'
 *    generic-api-key rule: a key word, 10–200 token characters, Shannon entropy ≥ 3.5), for parsed configs only.
 */

export interface SecretMatch {
  /** What kind of credential, e.g. "Hugging Face access token". */
  kind: string;
  /** The value, masked for reports (never the whole secret). */
  masked: string;
}

/** Reviewed data: well-known credential formats. Bounded quantifiers only (no super-linear backtracking). */
export const KNOWN_SECRET_FORMATS: ReadonlyArray<{ kind: string; hints: readonly string[]; pattern: RegExp }> = [
  { kind: "private key", hints: ["PRIVATE KEY"], pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "Hugging Face access token", hints: ["hf_"], pattern: /(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9_])/ },
  { kind: "Hugging Face organization token", hints: ["api_org_"], pattern: /(?<![A-Za-z0-9_])api_org_[A-Za-z]{34}(?![A-Za-z0-9_])/ },
  { kind: "Anthropic API key", hints: ["sk-ant-"], pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120}/ },
  { kind: "OpenAI API key", hints: ["sk-"], pattern: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]{0,200}\d)(?=[A-Za-z0-9_-]{0,200}[A-Za-z])[A-Za-z0-9_-]{32,200}(?![A-Za-z0-9_-])/ },
  { kind: "AWS access key id", hints: ["AKIA", "ASIA", "ABIA", "ACCA"], pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Z0-9])/ },
  { kind: "GitHub token", hints: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/ },
  { kind: "GitLab token", hints: ["glpat-"], pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])/ },
  { kind: "Slack token", hints: ["xox"], pattern: /(?<![A-Za-z0-9_-])xox[baprs]-[0-9]{6,15}-[A-Za-z0-9-]{10,80}/ },
  { kind: "Google API key", hints: ["AIza"], pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/ },
  { kind: "Stripe secret key", hints: ["_live_"], pattern: /(?<![A-Za-z0-9_])[sr]k_live_[0-9A-Za-z]{24,99}(?![A-Za-z0-9_])/ },
  { kind: "Replicate API token", hints: ["r8_"], pattern: /(?<![A-Za-z0-9_])r8_[A-Za-z0-9]{37}(?![A-Za-z0-9_])/ },
];

/** Key words (after splitting camelCase and separators) that name a credential. */
const CREDENTIAL_WORDS = new Set(["apikey", "secret", "secrets", "password", "passwd", "pwd", "passphrase", "credential", "credentials", "creds", "auth"]);
/** Words that may follow "key" in a credential name. */
const KEY_SUFFIXES = new Set(["id", "value", "secret", "string"]);
/** "token" alone names tokenizer tokens in HF configs (pad_token…); only these qualifiers make it a credential. */
const TOKEN_QUALIFIERS = new Set(["access", "auth", "api", "bearer", "refresh", "session", "secret", "hub", "hf", "github", "gh", "slack", "wandb", "openai", "private", "id"]);

export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Configs repeat the same few keys thousands of times (vocabularies, layer lists): decisions are cached. */
const credentialKeyCache = new Map<string, boolean>();

export function isCredentialKey(key: string): boolean {
  let known = credentialKeyCache.get(key);
  if (known === undefined) {
    known = credentialKeyWords(keyWords(key));
    if (credentialKeyCache.size > 10_000) credentialKeyCache.clear();
    credentialKeyCache.set(key, known);
  }
  return known;
}

function credentialKeyWords(words: string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (CREDENTIAL_WORDS.has(w)) return true;
    // "key" names a credential at the end of the name (api_key, exfil_key, access_key_id), not in past_key_values.
    if (w === "key" && words.slice(i + 1).every((rest) => KEY_SUFFIXES.has(rest))) return true;
    if (w === "token" && i > 0 && TOKEN_QUALIFIERS.has(words[i - 1]!)) return true;
  }
  return false;
}

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER = /^(?:x{3,}|\*{3,}|[<{$[(].*|.*[>}\])]|your[_-].*|changeme|change[_-]?me|replace[_-]?me|example.*|dummy.*|placeholder.*|none|null|todo|tbd|redacted)$/i;

/** A value that looks like a generated secret rather than a word, a name or a number. */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 10 || v.length > 200) return false;
  if (!/^[A-Za-z0-9_.=+/:~-]+$/.test(v)) return false;
  if (PLACEHOLDER.test(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return false; // a URL, not a secret
  if (!/[A-Za-z]/.test(v) || !/[0-9]/.test(v)) return false;
  if (/^\d+(?:\.\d+)*$/.test(v)) return false; // versions, numbers
  return shannonEntropy(v) >= 3.5;
}

export function maskSecret(value: string): string {
  const v = value.trim();
  const keep = Math.min(6, Math.floor(v.length / 4));
  return `${v.slice(0, keep)}…(${v.length} chars)`;
}

/** Well-known credential formats inside any text (a config value, a line of a file). */
export function findKnownSecrets(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const { kind, hints, pattern } of KNOWN_SECRET_FORMATS) {
    if (!hints.some((h) => text.includes(h))) continue;
    const m = pattern.exec(text);
    if (m) out.push({ kind, masked: maskSecret(m[0]) });
  }
  return out;
}

/** A config value under a credential-named key that looks like a real secret. */
export function findKeyedSecret(key: string, value: string): SecretMatch | undefined {
  if (!isCredentialKey(key) || !looksLikeSecretValue(value)) return undefined;
  return { kind: `value of credential field "${key}"`, masked: maskSecret(value) };
}
