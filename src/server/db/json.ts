/** Reads a JSON TEXT column; NULL and unparsable text give the fallback (columns are only written by this server). */
export function readJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== "string" || text === "") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Numbers from COUNT/BIGINT columns: PostgreSQL drivers may hand them over as strings. */
export function num(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v ?? 0);
}
