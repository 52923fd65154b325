import type { Issue } from "../analyzer.js";
import type { Severity } from "../../core/severity.js";

/** Rule ids of the chat-template check (defined in src/rules/catalog/jinja.ts). */
export const JINJA_RULE = {
  ssti: "jinja/ssti",
  obfuscated: "jinja/obfuscated-access",
  suspicious: "jinja/suspicious-reference",
  dynamicAttribute: "jinja/dynamic-attribute",
  payloadString: "jinja/payload-string",
  unparseable: "jinja/unparseable",
  tooLarge: "jinja/template-too-large",
} as const;

const CVE = "CVE-2024-34359";

/** The longest piece of template text quoted in a message or evidence. */
const QUOTE_CHARS = 120;

export function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > QUOTE_CHARS ? `${oneLine.slice(0, QUOTE_CHARS)}…` : oneLine;
}

/**
 * Collects the issues of one template, one per rule and name (repeats are counted, not repeated),
 * with the messages worded in one place for the AST check and the lexical fallback alike.
 */
/** Distinct issues kept per template; a hostile template could otherwise produce one per expression. */
export const MAX_ISSUES_PER_TEMPLATE = 64;

export class TemplateIssues {
  private readonly byKey = new Map<string, Issue>();
  private omitted = 0;
  private readonly where: string;
  /** Appended to every message, e.g. " (lexical scan; the template could not be parsed)". */
  private readonly note: string;

  constructor(where: string, note = "") {
    this.where = where;
    this.note = note;
  }

  private add(ruleId: string, key: string, message: string, evidence: Record<string, string | number | boolean>, severity?: Severity, withNote = true): void {
    const id = `${ruleId}\u0000${key}`;
    const seen = this.byKey.get(id);
    if (seen) {
      if (seen.evidence) seen.evidence.occurrences = Number(seen.evidence.occurrences ?? 1) + 1;
      return;
    }
    if (this.byKey.size >= MAX_ISSUES_PER_TEMPLATE) {
      this.omitted++;
      return;
    }
    const issue: Issue = { ruleId, message: `${this.where}: ${message}${withNote ? this.note : ""}`, evidence: { where: this.where, ...evidence, occurrences: 1 } };
    if (severity !== undefined) issue.severity = severity;
    this.byKey.set(id, issue);
  }

  /** A Python internal (dunder, frame/function internals) is named as an attribute, key or variable. */
  internal(name: string, how: string): void {
    this.add(
      JINJA_RULE.ssti,
      name,
      `the template reaches the Python internal "${name}" (${how}); this is the sandbox-escape pattern of ${CVE} and runs code when rendered by an unsandboxed Jinja2`,
      { name, how },
    );
  }

  /** A name spelling a Python internal or a dangerous function is assembled at render time or hidden by escapes. */
  obfuscated(name: string, technique: string, expression: string): void {
    this.add(
      JINJA_RULE.obfuscated,
      name,
      `the template builds the name "${quote(name)}" with ${technique} instead of writing it, hiding a sandbox escape (${CVE} class): ${quote(expression)}`,
      { name, technique },
    );
  }

  /** A module or function that runs code or touches the system, or an attribute of a template global. */
  dangerous(name: string, how: string): void {
    this.add(JINJA_RULE.suspicious, name, `the template uses "${name}" (${how}); a chat template has no reason to reach code execution, processes, files or the network`, {
      name,
      how,
    });
  }

  /** An attribute of a Jinja2 / web-framework global is read: the first hop of published SSTI chains. */
  templateGlobal(name: string, attribute: string): void {
    this.add(
      JINJA_RULE.suspicious,
      `${name}.${attribute}`,
      `the template reads "${attribute}" of the global "${name}"; chat templates call such globals at most, and reading their attributes is the first hop of SSTI chains (${CVE})`,
      { name, attribute },
    );
  }

  /** attr() / getattr() with a name only known at render time. */
  dynamicAttribute(how: string, expression: string): void {
    this.add(
      JINJA_RULE.dynamicAttribute,
      expression,
      `the template looks up an attribute whose name is computed at render time (${how}: ${quote(expression)}); a static check cannot tell which attribute it reaches`,
      { how },
    );
  }

  /** A string constant that carries Python code or names Python internals (an eval/format payload). */
  payloadString(text: string): void {
    this.add(JINJA_RULE.payloadString, text, `the template holds a string that carries Python code or internals: "${quote(text)}"`, { text: quote(text) });
  }

  /** A str.format() format string that walks attributes of its argument. */
  formatTraversal(text: string): void {
    this.add(
      JINJA_RULE.ssti,
      `format:${text}`,
      `the template calls str.format with a format string that walks attributes ("${quote(text)}"), a known way around Jinja2's sandbox (${CVE} class)`,
      { name: "str.format", how: "format string" },
    );
  }

  unparseable(reason: string, refusedByJinja2: boolean): void {
    // Severity depends on whether Jinja2 itself would refuse the template (see chat-template.ts).
    this.add(
      JINJA_RULE.unparseable,
      "parse",
      refusedByJinja2
        ? `the template could not be parsed (${reason}); Jinja2 refuses it too, so it cannot render or run anything`
        : `the template could not be parsed (${reason}), but Jinja2 may still accept it, so its content was only checked lexically`,
      { reason: quote(reason), refusedByJinja2 },
      refusedByJinja2 ? "low" : "high",
      false,
    );
  }

  tooLarge(length: number, limit: number): void {
    this.add(
      JINJA_RULE.tooLarge,
      "size",
      `the template has ${length} characters, more than the ${limit} this check parses; it was only checked lexically`,
      { length, limit },
      undefined,
      false,
    );
  }

  list(): Issue[] {
    const all = [...this.byKey.values()];
    const first = all[0];
    if (first?.evidence && this.omitted > 0) {
      first.evidence.omittedIssues = this.omitted;
      first.message += ` (${this.omitted} more issues in this template were not listed)`;
    }
    return all;
  }
}
