import { ConstantFolder, filterCall, identifierName, isNode, nodeAt, nodesAt, operatorOf, techniqueOf, type Folded, type JNode } from "./fold.js";
import type { TemplateIssues } from "./issues.js";
import { classifyAttribute, DANGEROUS_CALLS, DANGEROUS_NAMES, formatStringTraverses, isDunder, looksLikePayload, PYTHON_INTERNAL_ATTRIBUTES, TEMPLATE_GLOBALS } from "./names.js";

/** Every node of the tree, parents before children; iterative, so deep trees cannot overflow the stack. */
function allNodes(root: JNode): JNode[] {
  const out: JNode[] = [];
  const stack: JNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    const kids: JNode[] = [];
    for (const [key, v] of Object.entries(n)) {
      if (key === "type" || key === "operator") continue; // operators are lexer tokens, not nodes
      if (isNode(v)) kids.push(v);
      else if (Array.isArray(v)) for (const x of v) if (isNode(x)) kids.push(x);
      else if (v instanceof Map) {
        for (const [k, x] of v) {
          if (isNode(k)) kids.push(k);
          if (isNode(x)) kids.push(x);
        }
      }
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** A short, source-like rendering of an expression for messages. */
function describe(n: JNode | undefined, depth = 0): string {
  if (!n) return "";
  if (depth > 6) return "…";
  const d = (k: string): string => describe(nodeAt(n, k), depth + 1);
  switch (n.type) {
    case "Identifier":
      return String(n.value);
    case "StringLiteral":
      return JSON.stringify(n.value);
    case "IntegerLiteral":
    case "FloatLiteral":
      return String(n.value);
    case "MemberExpression":
      return n.computed === true ? `${d("object")}[${d("property")}]` : `${d("object")}.${d("property")}`;
    case "CallExpression":
      return `${d("callee")}(${nodesAt(n, "args").map((a) => describe(a, depth + 1)).join(", ")})`;
    case "FilterExpression":
      return `${d("operand")}|${d("filter")}`;
    case "BinaryExpression":
      return `${d("left")} ${operatorOf(n) ?? "?"} ${d("right")}`;
    case "ArrayLiteral":
    case "TupleLiteral":
      return `[${nodesAt(n, "value").map((a) => describe(a, depth + 1)).join(", ")}]`;
    case "SliceExpression":
      return `${d("start")}:${d("stop")}${nodeAt(n, "step") ? `:${d("step")}` : ""}`;
    case "KeywordArgumentExpression":
      return `${d("key")}=${d("value")}`;
    default:
      return n.type;
  }
}

const DUNDER_IN_TEXT = /__[A-Za-z][A-Za-z0-9_]*?__/g;

interface Scope {
  /** Identifiers that are not variable references (attribute names, filter and test names, keyword keys). */
  notReferences: Set<JNode>;
  /** Names the template binds itself (set, for, macro parameters): `os` as a loop variable is not the module. */
  bound: Set<string>;
  /** Variables assigned one constant (for following `{% set k = '__cla' ~ 'ss__' %}{{ x[k] }}`). */
  constants: Map<string, Folded>;
  /** Every string constant of the template (escape sequences already decoded by the parser). */
  literals: string[];
}

function bindTargets(target: JNode | undefined, scope: Scope): void {
  if (!target) return;
  const name = identifierName(target);
  if (name !== undefined) {
    scope.bound.add(name);
    scope.notReferences.add(target);
  } else if (target.type === "TupleLiteral" || target.type === "ArrayLiteral") {
    for (const t of nodesAt(target, "value")) bindTargets(t, scope);
  }
}

function filterIdentifier(filter: JNode | undefined): JNode | undefined {
  let cur = filter;
  for (let i = 0; i < 64 && cur; i++) {
    if (cur.type === "Identifier") return cur;
    if (cur.type !== "CallExpression") return undefined;
    cur = nodeAt(cur, "callee");
  }
  return undefined;
}

function collectScope(nodes: JNode[]): Scope {
  const scope: Scope = { notReferences: new Set(), bound: new Set(), constants: new Map(), literals: [] };
  const assigned = new Map<string, JNode[]>();
  for (const n of nodes) {
    switch (n.type) {
      case "MemberExpression":
        if (n.computed !== true) {
          const p = nodeAt(n, "property");
          if (p) scope.notReferences.add(p);
        }
        break;
      case "FilterExpression":
      case "FilterStatement": {
        const id = filterIdentifier(nodeAt(n, "filter"));
        if (id) scope.notReferences.add(id);
        break;
      }
      case "TestExpression": {
        const t = nodeAt(n, "test");
        if (t) scope.notReferences.add(t);
        break;
      }
      case "KeywordArgumentExpression": {
        const k = nodeAt(n, "key");
        if (k) scope.notReferences.add(k);
        break;
      }
      case "Set": {
        const target = nodeAt(n, "assignee");
        bindTargets(target, scope);
        const name = identifierName(target);
        const value = nodeAt(n, "value");
        if (name !== undefined && value) assigned.set(name, [...(assigned.get(name) ?? []), value]);
        break;
      }
      case "For":
        bindTargets(nodeAt(n, "loopvar"), scope);
        break;
      case "Macro":
        bindTargets(nodeAt(n, "name"), scope);
        for (const a of nodesAt(n, "args")) bindTargets(a.type === "KeywordArgumentExpression" ? nodeAt(a, "key") : a, scope);
        break;
      case "CallStatement":
        for (const a of nodesAt(n, "callerArgs")) bindTargets(a.type === "KeywordArgumentExpression" ? nodeAt(a, "key") : a, scope);
        break;
      case "StringLiteral":
        if (typeof n.value === "string") scope.literals.push(n.value);
        break;
    }
  }
  const plain = new ConstantFolder();
  for (const [name, values] of assigned) {
    const folded = values.map((v) => plain.fold(v));
    const first = folded[0];
    if (first !== undefined && folded.every((f) => f !== undefined && JSON.stringify(f) === JSON.stringify(first))) scope.constants.set(name, first);
  }
  return scope;
}

/**
 * Walks a parsed template and reports every way it reaches Python internals or dangerous names:
 * attribute access, constant subscripts, the attr filter, getattr, str.format traversal, names built
 * at render time, escapes that hide names, and string payloads.
 */
export function checkTemplateAst(program: JNode, source: string, issues: TemplateIssues): void {
  const nodes = allNodes(program);
  // Whether the template text spells a name literally (else escapes or split literals hid it); memoised,
  // since a hostile template can reach the same name a hundred thousand times.
  const written = new Map<string, boolean>();
  const inSource = (name: string): boolean => {
    let v = written.get(name);
    if (v === undefined) written.set(name, (v = source.includes(name)));
    return v;
  };
  const scope = collectScope(nodes);
  const folder = new ConstantFolder(scope.constants);
  const literal = new Map<string, boolean>();
  const inLiterals = (name: string): boolean => {
    let v = literal.get(name);
    if (v === undefined) literal.set(name, (v = scope.literals.some((lit) => lit.includes(name))));
    return v;
  };
  const isReference = (n: JNode | undefined): n is JNode => n !== undefined && n.type === "Identifier" && !scope.notReferences.has(n);
  const freeName = (n: JNode | undefined): string | undefined => {
    const name = isReference(n) ? identifierName(n) : undefined;
    return name !== undefined && !scope.bound.has(name) ? name : undefined;
  };

  // Members whose value is used further (called, or read from): only there does a dangerous attribute
  // name matter — `ns.system` may be a template's own field, `x.system(...)` is a call.
  const used = new Set<JNode>();
  for (const n of nodes) {
    if (n.type === "CallExpression") {
      const c = nodeAt(n, "callee");
      if (c) used.add(c);
    } else if (n.type === "MemberExpression") {
      const o = nodeAt(n, "object");
      if (o) used.add(o);
    }
  }

  /**
   * An attribute or key name reached by the template; `via` is the node that produced it when not a
   * plain constant. Python internals count everywhere; dangerous names only as attributes whose value is
   * used (a subscript key like `roles['system']` is dictionary data).
   */
  const reach = (name: string, how: string, via: JNode | undefined, expression: string, dangerousCounts = true): void => {
    const found = classifyAttribute(name);
    const cls = found === "dangerous" && !dangerousCounts ? "none" : found;
    if (cls === "none") return;
    if (via && via.type !== "StringLiteral" && via.type !== "Identifier") issues.obfuscated(name, techniqueOf(via), expression);
    else if (via?.type === "Identifier") issues.obfuscated(name, "a variable holding a constant", expression);
    else if (!inSource(name)) issues.obfuscated(name, "escape sequences or split string literals", expression);
    else if (cls === "internal") issues.internal(name, how);
    else issues.dangerous(name, how);
  };

  const reachComputed = (key: JNode | undefined, how: string, expression: string, dynamic: () => void, dangerousCounts = true): void => {
    if (!key) return;
    const v = folder.fold(key);
    if (typeof v === "string") reach(v, how, key.type === "StringLiteral" ? undefined : key, expression, dangerousCounts);
    else if (v === undefined) dynamic();
  };

  for (const n of nodes) {
    switch (n.type) {
      case "Identifier": {
        if (!isReference(n)) break;
        const name = String(n.value);
        if (isDunder(name) || PYTHON_INTERNAL_ATTRIBUTES.has(name)) issues.internal(name, "as a variable");
        break;
      }
      case "MemberExpression": {
        const prop = nodeAt(n, "property");
        const expr = describe(n);
        let attribute = "[…]";
        if (n.computed !== true) {
          const name = identifierName(prop);
          if (name !== undefined) {
            attribute = name;
            reach(name, "as an attribute", undefined, expr, used.has(n));
          }
        } else if (prop && prop.type !== "SliceExpression") {
          const v = folder.fold(prop);
          if (typeof v === "string") attribute = v;
          reachComputed(prop, "as a subscript key", expr, () => undefined, false);
        }
        const objName = freeName(nodeAt(n, "object"));
        if (objName !== undefined) {
          if (TEMPLATE_GLOBALS.has(objName)) issues.templateGlobal(objName, attribute);
          else if (DANGEROUS_NAMES.has(objName)) issues.dangerous(objName, "its attributes are read");
        }
        break;
      }
      case "CallExpression": {
        const callee = nodeAt(n, "callee");
        const fn = freeName(callee);
        if (fn !== undefined && (DANGEROUS_NAMES.has(fn) || DANGEROUS_CALLS.has(fn))) issues.dangerous(fn, "called as a function");
        if (fn === "getattr") {
          const key = nodesAt(n, "args")[1];
          reachComputed(key, "through getattr()", describe(n), () => issues.dynamicAttribute("getattr()", describe(n)));
        }
        if (callee?.type === "MemberExpression" && callee.computed !== true) {
          const method = identifierName(nodeAt(callee, "property"));
          const fmt = folder.fold(nodeAt(callee, "object"));
          if ((method === "format" || method === "format_map") && typeof fmt === "string" && formatStringTraverses(fmt)) issues.formatTraversal(fmt);
        }
        break;
      }
      case "FilterExpression":
      case "FilterStatement": {
        const f = filterCall(nodeAt(n, "filter"));
        if (f?.name === "attr") {
          reachComputed(f.args[0], "through the attr filter", describe(n), () => issues.dynamicAttribute("the attr filter", describe(n)));
          if (f.args.length === 0) issues.dynamicAttribute("the attr filter", describe(n));
        }
        break;
      }
      case "StringLiteral": {
        const s = typeof n.value === "string" ? n.value : "";
        if (isDunder(s) || PYTHON_INTERNAL_ATTRIBUTES.has(s)) {
          if (inSource(s)) issues.internal(s, "as a string constant");
          else issues.obfuscated(s, "escape sequences or split string literals", JSON.stringify(s));
        } else if (looksLikePayload(s)) {
          issues.payloadString(s);
        }
        for (const m of s.matchAll(DUNDER_IN_TEXT)) if (!inSource(m[0])) issues.obfuscated(m[0], "escape sequences or split string literals", s);
        break;
      }
    }
    // Any computed constant that spells a dunder the template never writes literally is an obfuscated name.
    if (n.type !== "StringLiteral" && n.type !== "IntegerLiteral" && n.type !== "FloatLiteral") {
      const v = folder.fold(n);
      if (typeof v === "string") {
        for (const m of v.matchAll(DUNDER_IN_TEXT)) {
          if (!inLiterals(m[0])) issues.obfuscated(m[0], techniqueOf(n), describe(n));
        }
      }
    }
  }
}
