import type { TemplateIssues } from "./issues.js";
import type { LexTag, LexToken } from "./lexer.js";
import { classifyAttribute, DANGEROUS_CALLS, DANGEROUS_NAMES, isDunder, looksLikePayload, PYTHON_INTERNAL_ATTRIBUTES, TEMPLATE_GLOBALS } from "./names.js";

const isOp = (t: LexToken | undefined, v: string): boolean => t?.kind === "op" && t.value === v;

/** Names a template binds itself: `{% set a, b = … %}`, `{% for a, b in … %}`, macro and call parameters. */
function boundNames(tags: readonly LexTag[]): Set<string> {
  const bound = new Set<string>();
  for (const tag of tags) {
    const [head, ...rest] = tag.tokens;
    if (tag.kind !== "statement" || head?.kind !== "name") continue;
    if (head.value === "set" || head.value === "for") {
      for (const t of rest) {
        if (t.kind === "name" && t.value !== "in") bound.add(t.value);
        else if (!isOp(t, ",") && !isOp(t, "(") && !isOp(t, ")")) break;
      }
    } else if (head.value === "macro" || head.value === "call") {
      for (let i = 0; i < rest.length; i++) {
        const t = rest[i]!;
        if (t.kind === "name" && (isOp(rest[i - 1], "(") || isOp(rest[i - 1], ","))) bound.add(t.value);
      }
      if (head.value === "macro" && rest[0]?.kind === "name") bound.add(rest[0].value);
    }
  }
  return bound;
}

function render(tokens: readonly LexToken[], from: number, count: number): string {
  return tokens
    .slice(Math.max(0, from), from + count)
    .map((t) => (t.kind === "string" ? JSON.stringify(t.value) : t.value))
    .join(" ");
}

/**
 * The lexical version of the AST check, for templates the parser refused: it sees the same names,
 * attribute accesses and strings, without knowing the expression structure.
 */
export function checkTemplateTokens(tags: readonly LexTag[], issues: TemplateIssues): void {
  const bound = boundNames(tags);
  for (const tag of tags) {
    const toks = tag.tokens;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      const prev = toks[i - 1];
      const next = toks[i + 1];
      const context = render(toks, i - 3, 7);
      if (t.kind === "name") {
        const afterDot = isOp(prev, ".");
        if (afterDot) {
          const cls = classifyAttribute(t.value);
          if (cls === "internal") issues.internal(t.value, "as an attribute");
          else if (cls === "dangerous" && (isOp(next, "(") || isOp(next, ".") || isOp(next, "["))) issues.dangerous(t.value, "as an attribute");
        } else if (isDunder(t.value) || PYTHON_INTERNAL_ATTRIBUTES.has(t.value)) {
          issues.internal(t.value, "as a variable");
        } else if (!bound.has(t.value)) {
          if (isOp(next, "(") && (DANGEROUS_NAMES.has(t.value) || DANGEROUS_CALLS.has(t.value)) && !isOp(prev, "|")) issues.dangerous(t.value, "called as a function");
          else if ((isOp(next, ".") || isOp(next, "[")) && DANGEROUS_NAMES.has(t.value)) issues.dangerous(t.value, "its attributes are read");
          if (isOp(next, ".") && TEMPLATE_GLOBALS.has(t.value) && toks[i + 2]?.kind === "name") issues.templateGlobal(t.value, toks[i + 2]!.value);
        }
        if (t.value === "attr" && isOp(prev, "|")) {
          const arg = toks[i + 2];
          if (!isOp(next, "(") || arg?.kind !== "string" || !isOp(toks[i + 3], ")")) issues.dynamicAttribute("the attr filter", context);
        }
        if (t.value === "getattr" && isOp(next, "(")) {
          const key = toks[i + 4];
          if (!(key?.kind === "string" && isOp(toks[i + 5], ")"))) issues.dynamicAttribute("getattr()", context);
        }
      } else if (t.kind === "string") {
        const s = t.value;
        const cls = classifyAttribute(s);
        if (t.escaped && cls !== "none") issues.obfuscated(s, "escape sequences", context);
        else if (cls === "internal") issues.internal(s, isOp(prev, "[") ? "as a subscript key" : "as a string constant");
        else if (looksLikePayload(s)) issues.payloadString(s);
        // Constants joined by ~ or +, or written side by side (Jinja2 concatenates adjacent strings): what do they spell?
        if (!isOp(prev, "~") && !isOp(prev, "+") && prev?.kind !== "string") {
          let joined = s;
          let j = i;
          while (joined.length < 4096) {
            if (toks[j + 1]?.kind === "string") {
              joined += toks[j + 1]!.value;
              j += 1;
            } else if ((isOp(toks[j + 1], "~") || isOp(toks[j + 1], "+")) && toks[j + 2]?.kind === "string") {
              joined += toks[j + 2]!.value;
              j += 2;
            } else break;
          }
          if (j > i && classifyAttribute(joined) !== "none") issues.obfuscated(joined, "string concatenation", render(toks, i, j - i + 1));
        }
      }
    }
  }
}
