/**
 * Static evaluation of constant Jinja expressions: what string does `'__cla' ~ 'ss__'`,
 * `['_','_','class','_','_']|join`, `'%c%c'|format(95, 95)` or `'__ssalc__'[::-1]` spell?
 * Only pure string/number operations on constants are evaluated; anything touching runtime values
 * yields `undefined`. Nothing is ever rendered.
 */

/** A node of @huggingface/jinja's AST, seen structurally (the package does not export its AST types). */
export interface JNode {
  type: string;
  [key: string]: unknown;
}

export type Folded = string | number | Folded[];

/** Longest string or array the folder builds; longer results are "not constant" (bounded memory). */
const MAX_FOLDED = 4096;
/** Deepest expression the folder descends into (bounded stack). */
const MAX_DEPTH = 64;

export function isNode(v: unknown): v is JNode {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string" && !Array.isArray(v);
}

export function nodeAt(n: JNode, key: string): JNode | undefined {
  const v = n[key];
  return isNode(v) ? v : undefined;
}

export function nodesAt(n: JNode, key: string): JNode[] {
  const v = n[key];
  return Array.isArray(v) ? v.filter(isNode) : [];
}

export function identifierName(n: JNode | undefined): string | undefined {
  return n?.type === "Identifier" && typeof n.value === "string" ? n.value : undefined;
}

/** Operator text of a BinaryExpression / UnaryExpression (a lexer Token in the AST). */
export function operatorOf(n: JNode): string | undefined {
  const op = n.operator;
  return typeof op === "object" && op !== null && typeof (op as { value?: unknown }).value === "string" ? (op as { value: string }).value : undefined;
}

/** A filter or callee chain `f`, `f(args)` or `f(args)(more)`: the name and the arguments given to `f` itself. */
export function filterCall(filter: JNode | undefined): { name: string; args: JNode[] } | undefined {
  let cur = filter;
  for (let i = 0; i < MAX_DEPTH && cur; i++) {
    const name = identifierName(cur);
    if (name !== undefined) return { name, args: [] };
    if (cur.type !== "CallExpression") return undefined;
    const callee = nodeAt(cur, "callee");
    const calleeName = identifierName(callee);
    if (calleeName !== undefined) return { name: calleeName, args: nodesAt(cur, "args") };
    cur = callee;
  }
  return undefined;
}

function bounded(v: Folded | undefined): Folded | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string" || Array.isArray(v)) return v.length > MAX_FOLDED ? undefined : v;
  return Number.isFinite(v) ? v : undefined;
}

function asText(v: Folded): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : undefined;
  return undefined;
}

function reverse(v: Folded): Folded | undefined {
  if (typeof v === "string") return [...v].reverse().join("");
  if (Array.isArray(v)) return [...v].reverse();
  return undefined;
}

function pySlice(v: Folded, start: number | undefined, stop: number | undefined, step: number | undefined): Folded | undefined {
  const items: Folded[] | undefined = typeof v === "string" ? [...v] : Array.isArray(v) ? v : undefined;
  if (!items) return undefined;
  const st = step ?? 1;
  if (st === 0 || !Number.isInteger(st)) return undefined;
  const len = items.length;
  const norm = (i: number, dflt: number, lo: number, hi: number): number => {
    if (!Number.isInteger(i)) return dflt;
    const j = i < 0 ? i + len : i;
    return Math.min(Math.max(j, lo), hi);
  };
  const out: Folded[] = [];
  if (st > 0) {
    const a = start === undefined ? 0 : norm(start, 0, 0, len);
    const b = stop === undefined ? len : norm(stop, len, 0, len);
    for (let i = a; i < b; i += st) out.push(items[i]!);
  } else {
    const a = start === undefined ? len - 1 : norm(start, len - 1, -1, len - 1);
    const b = stop === undefined ? -1 : norm(stop, -1, -1, len - 1);
    for (let i = a; i > b; i += st) out.push(items[i]!);
  }
  return typeof v === "string" ? out.join("") : out;
}

/** Python `%` formatting for %s %d %i %c %%; anything else is not folded. */
function percentFormat(fmt: string, argv: Folded): string | undefined {
  const args = Array.isArray(argv) ? argv : [argv];
  let k = 0;
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== "%") {
      out += ch;
      continue;
    }
    const spec = fmt[++i];
    if (spec === "%") {
      out += "%";
      continue;
    }
    const arg = args[k++];
    if (arg === undefined) return undefined;
    if (spec === "s") {
      const t = asText(arg);
      if (t === undefined) return undefined;
      out += t;
    } else if (spec === "d" || spec === "i") {
      if (typeof arg !== "number") return undefined;
      out += String(Math.trunc(arg));
    } else if (spec === "c") {
      if (typeof arg === "number" && Number.isInteger(arg) && arg >= 0 && arg <= 0x10ffff) out += String.fromCodePoint(arg);
      else if (typeof arg === "string" && [...arg].length === 1) out += arg;
      else return undefined;
    } else return undefined;
    if (out.length > MAX_FOLDED) return undefined;
  }
  return k === args.length ? out : undefined;
}

/** str.format with `{}` / `{0}` fields only; fields with attributes, items or specs are not folded. */
function braceFormat(fmt: string, args: Folded[]): string | undefined {
  let auto = 0;
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch === "{" && fmt[i + 1] === "{") {
      out += "{";
      i++;
    } else if (ch === "}" && fmt[i + 1] === "}") {
      out += "}";
      i++;
    } else if (ch === "{") {
      const end = fmt.indexOf("}", i);
      if (end < 0) return undefined;
      const field = fmt.slice(i + 1, end);
      let arg: Folded | undefined;
      if (field === "") arg = args[auto++];
      else if (/^\d+$/.test(field)) arg = args[Number(field)];
      else return undefined;
      const t = arg === undefined ? undefined : asText(arg);
      if (t === undefined) return undefined;
      out += t;
      i = end;
    } else out += ch;
    if (out.length > MAX_FOLDED) return undefined;
  }
  return out;
}

function joinItems(v: Folded, sep: string): string | undefined {
  const items = typeof v === "string" ? [...v] : Array.isArray(v) ? v : undefined;
  if (!items) return undefined;
  const parts: string[] = [];
  for (const it of items) {
    const t = asText(it);
    if (t === undefined) return undefined;
    parts.push(t);
  }
  return parts.join(sep);
}

function titleCase(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

/** String methods and filters that only reshape a constant. */
function applyStringOp(name: string, target: Folded, args: Folded[]): Folded | undefined {
  const s = typeof target === "string" ? target : undefined;
  const arg = (i: number): string | undefined => {
    const a = args[i];
    return a === undefined ? undefined : asText(a);
  };
  switch (name) {
    case "join": {
      // filter form: iterable|join(sep); method form handled by the caller ('sep'.join(iterable)).
      const sep = args.length === 0 ? "" : arg(0);
      return sep === undefined ? undefined : joinItems(target, sep);
    }
    case "format":
      return s === undefined ? undefined : percentFormat(s, args.length === 1 ? args[0]! : args);
    case "replace": {
      const a = arg(0);
      const b = arg(1);
      if (s === undefined || a === undefined || b === undefined || a === "") return undefined;
      return s.split(a).join(b);
    }
    case "lower":
      return s?.toLowerCase();
    case "upper":
      return s?.toUpperCase();
    case "title":
      return s === undefined ? undefined : titleCase(s);
    case "capitalize":
      return s === undefined ? undefined : s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    case "swapcase":
      return s === undefined ? undefined : [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
    case "trim":
    case "strip":
      return s?.trim();
    case "lstrip":
      return s?.trimStart();
    case "rstrip":
      return s?.trimEnd();
    case "reverse":
      return reverse(target);
    case "string":
      return asText(target);
    case "list":
      return s === undefined ? (Array.isArray(target) ? target : undefined) : [...s];
    case "first":
      return typeof target === "string" ? target.charAt(0) : Array.isArray(target) ? target[0] : undefined;
    case "last":
      return typeof target === "string" ? target.slice(-1) : Array.isArray(target) ? target[target.length - 1] : undefined;
    case "safe":
      return target;
    default:
      return undefined;
  }
}

/** The operation a folded expression used, for messages ("concatenation", "the join filter"…). */
export function techniqueOf(n: JNode): string {
  switch (n.type) {
    case "BinaryExpression": {
      const op = operatorOf(n);
      return op === "%" ? "%-formatting" : op === "*" ? "repetition" : "string concatenation";
    }
    case "FilterExpression": {
      const f = filterCall(nodeAt(n, "filter"));
      return f ? `the ${f.name} filter` : "a filter";
    }
    case "CallExpression": {
      const callee = nodeAt(n, "callee");
      const method = callee?.type === "MemberExpression" ? identifierName(nodeAt(callee, "property")) : identifierName(callee);
      return method ? `${method}()` : "a call";
    }
    case "MemberExpression":
      return "slicing or indexing";
    case "Identifier":
      return "a variable set to a constant";
    default:
      return "a computed expression";
  }
}

/**
 * Folds constant expressions. `symbols` maps template variables assigned a constant string
 * (`{% set a = '__cla' ~ 'ss__' %}`) to their value.
 */
export class ConstantFolder {
  private readonly memo = new Map<JNode, Folded | undefined>();
  private readonly symbols: ReadonlyMap<string, Folded>;

  constructor(symbols: ReadonlyMap<string, Folded> = new Map()) {
    this.symbols = symbols;
  }

  fold(n: JNode | undefined, depth = 0): Folded | undefined {
    if (!n || depth > MAX_DEPTH) return undefined;
    if (this.memo.has(n)) return this.memo.get(n);
    const v = bounded(this.compute(n, depth + 1));
    this.memo.set(n, v);
    return v;
  }

  private compute(n: JNode, d: number): Folded | undefined {
    switch (n.type) {
      case "StringLiteral":
        return typeof n.value === "string" ? n.value : undefined;
      case "IntegerLiteral":
      case "FloatLiteral":
        return typeof n.value === "number" ? n.value : undefined;
      case "Identifier":
        return typeof n.value === "string" ? this.symbols.get(n.value) : undefined;
      case "ArrayLiteral":
      case "TupleLiteral": {
        const items = nodesAt(n, "value");
        if (items.length > MAX_FOLDED) return undefined;
        const out: Folded[] = [];
        for (const it of items) {
          const v = this.fold(it, d);
          if (v === undefined) return undefined;
          out.push(v);
        }
        return out;
      }
      case "UnaryExpression": {
        const v = this.fold(nodeAt(n, "argument"), d);
        return operatorOf(n) === "-" && typeof v === "number" ? -v : undefined;
      }
      case "BinaryExpression":
        return this.binary(n, d);
      case "FilterExpression": {
        const f = filterCall(nodeAt(n, "filter"));
        const target = this.fold(nodeAt(n, "operand"), d);
        if (!f || target === undefined) return undefined;
        const args = this.foldAll(f.args, d);
        return args ? applyStringOp(f.name, target, args) : undefined;
      }
      case "CallExpression":
        return this.call(n, d);
      case "MemberExpression": {
        if (n.computed !== true) return undefined;
        const target = this.fold(nodeAt(n, "object"), d);
        const prop = nodeAt(n, "property");
        if (target === undefined || !prop) return undefined;
        if (prop.type === "SliceExpression") {
          const part = (k: string): number | undefined | null => {
            const p = nodeAt(prop, k);
            if (!p) return undefined;
            const v = this.fold(p, d);
            return typeof v === "number" ? v : null;
          };
          const [a, b, c] = [part("start"), part("stop"), part("step")];
          if (a === null || b === null || c === null) return undefined;
          return pySlice(target, a, b, c);
        }
        const idx = this.fold(prop, d);
        if (typeof idx !== "number" || !Number.isInteger(idx)) return undefined;
        const items = typeof target === "string" ? [...target] : Array.isArray(target) ? target : undefined;
        if (!items) return undefined;
        return items[idx < 0 ? idx + items.length : idx];
      }
      default:
        return undefined;
    }
  }

  private foldAll(nodes: JNode[], d: number): Folded[] | undefined {
    const out: Folded[] = [];
    for (const a of nodes) {
      if (a.type === "KeywordArgumentExpression") return undefined;
      const v = this.fold(a, d);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  private binary(n: JNode, d: number): Folded | undefined {
    const op = operatorOf(n);
    const l = this.fold(nodeAt(n, "left"), d);
    const r = this.fold(nodeAt(n, "right"), d);
    if (l === undefined || r === undefined) return undefined;
    switch (op) {
      case "+":
        if (typeof l === "string" && typeof r === "string") return l + r;
        if (typeof l === "number" && typeof r === "number") return l + r;
        if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
        return undefined;
      case "~": {
        const a = asText(l);
        const b = asText(r);
        return a === undefined || b === undefined ? undefined : a + b;
      }
      case "*": {
        const [s, k] = typeof l === "string" ? [l, r] : [r, l];
        if (typeof s === "string" && typeof k === "number" && Number.isInteger(k)) return k <= 0 ? "" : s.length * k > MAX_FOLDED ? undefined : s.repeat(k);
        if (typeof l === "number" && typeof r === "number") return l * r;
        return undefined;
      }
      case "-":
        return typeof l === "number" && typeof r === "number" ? l - r : undefined;
      case "%":
        if (typeof l === "string") return percentFormat(l, r);
        return typeof l === "number" && typeof r === "number" && r !== 0 ? ((l % r) + r) % r : undefined;
      default:
        return undefined;
    }
  }

  private call(n: JNode, d: number): Folded | undefined {
    const callee = nodeAt(n, "callee");
    if (!callee) return undefined;
    const args = this.foldAll(nodesAt(n, "args"), d);
    if (!args) return undefined;
    const fn = identifierName(callee);
    if (fn === "chr") {
      const c = args[0];
      return args.length === 1 && typeof c === "number" && Number.isInteger(c) && c >= 0 && c <= 0x10ffff ? String.fromCodePoint(c) : undefined;
    }
    if (callee.type !== "MemberExpression" || callee.computed === true) return undefined;
    const method = identifierName(nodeAt(callee, "property"));
    const target = this.fold(nodeAt(callee, "object"), d);
    if (method === undefined || target === undefined) return undefined;
    if (method === "join") {
      // 'sep'.join(iterable)
      const it = args[0];
      return typeof target === "string" && args.length === 1 && it !== undefined ? joinItems(it, target) : undefined;
    }
    if (method === "format") return typeof target === "string" ? braceFormat(target, args) : undefined;
    return applyStringOp(method, target, args);
  }
}
