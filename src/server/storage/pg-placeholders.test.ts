import { describe, it, expect } from "vitest";
import { rewritePlaceholders } from "./pg-placeholders.js";

describe("rewritePlaceholders", () => {
  it("numbers placeholders in order", () => {
    expect(rewritePlaceholders("SELECT * FROM t WHERE a = ? AND b IN (?, ?)")).toEqual({
      text: "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)",
      count: 3,
    });
    expect(rewritePlaceholders("INSERT INTO t(a,b) VALUES (?,?) RETURNING id")).toEqual({
      text: "INSERT INTO t(a,b) VALUES ($1,$2) RETURNING id",
      count: 2,
    });
  });

  it("leaves statements without placeholders untouched", () => {
    const sql = "SELECT 'a' || \"b\" FROM t -- no params\n";
    expect(rewritePlaceholders(sql)).toEqual({ text: sql, count: 0 });
  });

  it("ignores ? inside string constants, with doubled quotes", () => {
    expect(rewritePlaceholders("SELECT 'what?', 'it''s ? here', ? ").text).toBe("SELECT 'what?', 'it''s ? here', $1 ");
  });

  it("treats backslashes as escapes only in E'' strings", () => {
    // Standard string: the backslash is literal, so the string ends at the second quote and ? is a parameter.
    expect(rewritePlaceholders("SELECT 'a\\', ?").text).toBe("SELECT 'a\\', $1");
    // Escape string: \' does not end it.
    expect(rewritePlaceholders("SELECT E'a\\' ?', ?").text).toBe("SELECT E'a\\' ?', $1");
    expect(rewritePlaceholders("SELECT e'\\\\', ?").text).toBe("SELECT e'\\\\', $1");
    // An identifier ending in E is not an escape-string prefix.
    expect(rewritePlaceholders("SELECT some'a\\', ?").text).toBe("SELECT some'a\\', $1");
  });

  it("ignores ? inside quoted identifiers", () => {
    expect(rewritePlaceholders('SELECT "col?" , "a""?b" FROM t WHERE x = ?').text).toBe(
      'SELECT "col?" , "a""?b" FROM t WHERE x = $1',
    );
  });

  it("ignores ? inside dollar-quoted strings", () => {
    expect(rewritePlaceholders("SELECT $$ ? $$, $fn$ it's ? $$ $fn$, ?").text).toBe("SELECT $$ ? $$, $fn$ it's ? $$ $fn$, $1");
    // $1 already present is a parameter, not a dollar quote; identifiers may contain $.
    expect(rewritePlaceholders("SELECT a$b$c, ? , $1").text).toBe("SELECT a$b$c, $1 , $1");
  });

  it("ignores ? inside comments, including nested block comments", () => {
    expect(rewritePlaceholders("SELECT ? -- why?\n, ?").text).toBe("SELECT $1 -- why?\n, $2");
    expect(rewritePlaceholders("SELECT /* a ? /* b ? */ c ? */ ?").text).toBe("SELECT /* a ? /* b ? */ c ? */ $1");
    expect(rewritePlaceholders("SELECT 1 - ? / ?").text).toBe("SELECT 1 - $1 / $2");
  });

  it("counts ten and more placeholders", () => {
    const sql = "VALUES (" + Array.from({ length: 12 }, () => "?").join(",") + ")";
    const r = rewritePlaceholders(sql);
    expect(r.count).toBe(12);
    expect(r.text).toBe("VALUES (" + Array.from({ length: 12 }, (_, i) => `$${i + 1}`).join(",") + ")");
  });

  it("does not loop on unterminated quotes or comments", () => {
    expect(rewritePlaceholders("SELECT 'abc ?").count).toBe(0);
    expect(rewritePlaceholders('SELECT "abc ?').count).toBe(0);
    expect(rewritePlaceholders("SELECT $x$ ?").count).toBe(0);
    expect(rewritePlaceholders("SELECT /* ?").count).toBe(0);
    expect(rewritePlaceholders("SELECT ? --").count).toBe(1);
  });
});
