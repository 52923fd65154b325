/**
 * Rewrites the portable `?` placeholders of SqlDatabase statements into PostgreSQL's `$1…$n`.
 *
 * A small lexer, not a regex: a `?` is a placeholder only outside
 * - string constants: '…' (with '' doubling), E'…' (backslash escapes), U&'…', B'…', X'…';
 * - quoted identifiers "…" (with "" doubling);
 * - dollar-quoted strings $tag$…$tag$ ($$…$$ included);
 * - comments: -- to end of line, and /* … *\/ (nested, as PostgreSQL allows).
 * PostgreSQL's jsonb `?`, `?|`, `?&` operators therefore cannot be written literally; use the functions
 * jsonb_exists / jsonb_exists_any / jsonb_exists_all instead (the SQLite dialect has no such operators anyway).
 */

export interface RewrittenSql {
  text: string;
  /** Number of placeholders found. */
  count: number;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_\u0080-\uffff]/.test(c);
}

/** Index just past a '…' constant starting at `start` (the quote); backslash escapes when `escapes`. */
function skipQuoted(sql: string, start: number, quote: "'" | '"', escapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (escapes && c === "\\") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length; // unterminated: the server reports the syntax error
}

/** When a dollar-quote opening tag starts at `start`, returns the tag ("$tag$"); otherwise undefined. */
function dollarTag(sql: string, start: number): string | undefined {
  let i = start + 1;
  if (sql[i] === "$") return "$$";
  if (!isIdentStart(sql[i])) return undefined; // $1 is a positional parameter, not a quote
  while (i < sql.length && isIdentChar(sql[i]) && sql[i] !== "$") i++;
  return sql[i] === "$" ? sql.slice(start, i + 1) : undefined;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

export function rewritePlaceholders(sql: string): RewrittenSql {
  let out = "";
  let count = 0;
  let i = 0;
  let copied = 0;
  while (i < sql.length) {
    const c = sql[i];
    const prev = i > 0 ? sql[i - 1] : undefined;
    if (c === "?") {
      out += sql.slice(copied, i) + "$" + String(++count);
      i++;
      copied = i;
    } else if (c === "'") {
      // E'…' takes backslash escapes; the prefix must be a word of its own (not the end of an identifier).
      const escapes = (prev === "E" || prev === "e") && !isIdentChar(i > 1 ? sql[i - 2] : undefined);
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === "$" && !isIdentChar(prev)) {
      const tag = dollarTag(sql, i);
      if (tag === undefined) {
        i++;
      } else {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      }
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      i = skipBlockComment(sql, i);
    } else if (isIdentChar(c)) {
      // Skip a whole word so that a `$` inside an identifier (allowed by PostgreSQL) is not a dollar quote.
      while (i < sql.length && isIdentChar(sql[i])) i++;
    } else {
      i++;
    }
  }
  out += sql.slice(copied);
  return { text: out, count };
}
