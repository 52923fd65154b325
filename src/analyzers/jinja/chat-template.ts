import { parse, tokenize } from "@huggingface/jinja";
import type { Issue } from "../analyzer.js";
import { checkTemplateAst } from "./ast-check.js";
import type { JNode } from "./fold.js";
import { TemplateIssues } from "./issues.js";
import { checkTemplateTokens } from "./lexical-check.js";
import { lexTemplate } from "./lexer.js";

/**
 * Largest template parsed into an AST (characters). Real chat templates are a few KiB (the largest
 * public ones about 20 KiB); anything bigger is reported and only scanned lexically, which is linear.
 */
export const MAX_TEMPLATE_CHARS = 1024 * 1024;

/**
 * @huggingface/jinja's lexer preprocessing runs a regex that is quadratic on long whitespace runs
 * (`(\s*){%…generation…%}`). Whitespace never carries a name, so runs are capped before parsing;
 * the lexical scan and all messages still use the original text.
 */
const MAX_WHITESPACE_RUN = 32;

function capWhitespace(source: string): string {
  return source.replace(/\s{33,}/g, (run) => run.slice(0, MAX_WHITESPACE_RUN));
}

function parseTemplate(source: string): { program: JNode } | { error: string } {
  try {
    // The parser is the one transformers.js and huggingface.js use to render chat templates.
    return { program: parse(tokenize(capWhitespace(source))) as unknown as JNode };
  } catch (e) {
    // SyntaxError for bad templates, RangeError when nesting overflows the parser's recursion.
    return { error: e instanceof RangeError ? "nesting too deep for the parser" : e instanceof Error ? e.message : String(e) };
  }
}

/** Pure check of one chat template; `where` names its origin for messages (e.g. "tokenizer.chat_template"). */
export function analyzeChatTemplate(source: string, where: string): Issue[] {
  if (source.length > MAX_TEMPLATE_CHARS) {
    const issues = new TemplateIssues(where, " (lexical scan of an oversized template)");
    issues.tooLarge(source.length, MAX_TEMPLATE_CHARS);
    checkTemplateTokens(lexTemplate(source).tags, issues);
    return issues.list();
  }
  const parsed = parseTemplate(source);
  if ("program" in parsed) {
    const issues = new TemplateIssues(where);
    checkTemplateAst(parsed.program, source, issues);
    return issues.list();
  }
  // The parser refused the template. Whether that matters depends on Python's Jinja2, which is what
  // renders chat templates in transformers, llama-cpp-python and vLLM:
  //  - if Jinja2 refuses it too (an unterminated tag, comment, string or raw block, unbalanced brackets,
  //    a block never closed or closed by the wrong end tag), the template cannot load, let alone run
  //    code: a low note, and any dangerous names it holds are still reported below;
  //  - otherwise Jinja2 may accept what this parser does not (\N{…} escapes, raw blocks, whitespace
  //    control with "+", extension tags), so the template is unverified: high.
  const lexed = lexTemplate(source);
  const issues = new TemplateIssues(where, " (lexical scan; the template could not be parsed)");
  issues.unparseable(lexed.refusal ?? parsed.error, lexed.refusal !== undefined);
  checkTemplateTokens(lexed.tags, issues);
  return issues.list();
}
