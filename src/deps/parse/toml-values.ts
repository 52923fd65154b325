/** Narrowing helpers for values from smol-toml / JSON.parse / yaml, which are untrusted shapes. */

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Own entries only (never inherited keys such as `__proto__`). */
export function tableEntries(t: Table): [string, unknown][] {
  return Object.keys(t).map((k) => [k, t[k]]);
}

export function ownValue(t: unknown, key: string): unknown {
  return isTable(t) && Object.prototype.hasOwnProperty.call(t, key) ? t[key] : undefined;
}

export function stringValue(t: unknown, key: string): string | undefined {
  const v = ownValue(t, key);
  return typeof v === "string" ? v : undefined;
}

/** A nested table by key path, or undefined when any step is missing or not a table. */
export function tableAt(root: unknown, keys: string[]): Table | undefined {
  let cur: unknown = root;
  for (const k of keys) cur = ownValue(cur, k);
  return isTable(cur) ? cur : undefined;
}
