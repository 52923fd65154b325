/**
 * Just enough RDF for the SHACL check of the SPDX documents modelgate writes (test code: src/**\/testing/** is left
 * out of the build): RDF terms and triples, an indexed graph, and a Turtle 1.1 parser for the official
 * `spdx-model.ttl` (which rdflib wrote). The parser implements the whole Turtle grammar except relative IRIs
 * (the shapes file has none: they would need a base) and throws on anything it does not understand, so a
 * shapes file it cannot read is an error, never a silently smaller set of shapes.
 */

export const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
export const RDFS = "http://www.w3.org/2000/01/rdf-schema#";
export const XSD = "http://www.w3.org/2001/XMLSchema#";
export const OWL = "http://www.w3.org/2002/07/owl#";
export const SH = "http://www.w3.org/ns/shacl#";

export type Term =
  | { termType: "NamedNode"; value: string }
  | { termType: "BlankNode"; value: string }
  | { termType: "Literal"; value: string; datatype: string; language?: string };

export interface Triple {
  s: Term;
  p: string;
  o: Term;
}

export const iri = (value: string): Term => ({ termType: "NamedNode", value });
export const blank = (value: string): Term => ({ termType: "BlankNode", value });
export const literal = (value: string, datatype = `${XSD}string`, language?: string): Term =>
  language === undefined ? { termType: "Literal", value, datatype } : { termType: "Literal", value, datatype: `${RDF}langString`, language };

/** A key equal for equal terms (RDF term equality: literals by lexical form, datatype and language). */
export function termKey(t: Term): string {
  if (t.termType === "NamedNode") return `<${t.value}>`;
  if (t.termType === "BlankNode") return `_:${t.value}`;
  return `"${JSON.stringify([t.value, t.datatype, t.language ?? ""])}`;
}

export function termText(t: Term): string {
  if (t.termType === "Literal") return `${JSON.stringify(t.value)}${t.language ? `@${t.language}` : t.datatype === `${XSD}string` ? "" : `^^<${t.datatype}>`}`;
  return termKey(t);
}

/** A set of triples indexed by subject and by predicate + object. */
export class Graph {
  private readonly keys = new Set<string>();
  private readonly spo = new Map<string, Map<string, Term[]>>();
  private readonly pos = new Map<string, Map<string, Term[]>>();
  size = 0;

  constructor(...triples: Array<readonly Triple[]>) {
    for (const list of triples) for (const t of list) this.add(t);
  }

  add(t: Triple): void {
    const s = termKey(t.s);
    const o = termKey(t.o);
    const key = `${s} <${t.p}> ${o}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.size++;
    let byP = this.spo.get(s);
    if (!byP) this.spo.set(s, (byP = new Map()));
    let objects = byP.get(t.p);
    if (!objects) byP.set(t.p, (objects = []));
    objects.push(t.o);
    let byO = this.pos.get(t.p);
    if (!byO) this.pos.set(t.p, (byO = new Map()));
    let subjects = byO.get(o);
    if (!subjects) byO.set(o, (subjects = []));
    subjects.push(t.s);
  }

  objects(s: Term, p: string): Term[] {
    return this.spo.get(termKey(s))?.get(p) ?? [];
  }

  predicates(s: Term): string[] {
    return [...(this.spo.get(termKey(s))?.keys() ?? [])];
  }

  subjects(p: string, o: Term): Term[] {
    return this.pos.get(p)?.get(termKey(o)) ?? [];
  }

  /** Every [subject, object] of one predicate. */
  pairs(p: string): Array<[Term, Term]> {
    const out: Array<[Term, Term]> = [];
    for (const [, subjects] of this.pos.get(p) ?? []) for (const s of subjects) for (const o of this.objects(s, p)) out.push([s, o]);
    return out;
  }

  /** The items of an RDF collection (rdf:first / rdf:rest). */
  list(head: Term): Term[] {
    const items: Term[] = [];
    const seen = new Set<string>();
    let node = head;
    while (!(node.termType === "NamedNode" && node.value === `${RDF}nil`)) {
      if (seen.has(termKey(node))) throw new Error(`cyclic RDF list at ${termText(node)}`);
      seen.add(termKey(node));
      const first = this.objects(node, `${RDF}first`);
      const rest = this.objects(node, `${RDF}rest`);
      if (first.length !== 1 || rest.length !== 1) throw new Error(`malformed RDF list at ${termText(node)}`);
      items.push(first[0]!);
      node = rest[0]!;
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Turtle

const PN_CHARS_BASE = "A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD";
const PN_CHARS_U = `${PN_CHARS_BASE}_`;
const PN_CHARS = `${PN_CHARS_U}\\-0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/** PNAME_NS / PNAME_LN of the Turtle grammar (local names with escapes and %XX; a trailing dot is not part of it). */
// The grammar's PN_CHARS include the combining marks U+0300–U+036F as a range, which this rule mistakes for a glyph.
/* eslint-disable no-misleading-character-class */
const PNAME = new RegExp(
  `(?:[${PN_CHARS_BASE}](?:[${PN_CHARS}.]*[${PN_CHARS}])?)?:(?:(?:[${PN_CHARS_U}:0-9]|%[0-9A-Fa-f]{2}|\\\\[_~.\\-!$&'()*+,;=/?#@%])(?:(?:[${PN_CHARS}.:]|%[0-9A-Fa-f]{2}|\\\\[_~.\\-!$&'()*+,;=/?#@%])*(?:[${PN_CHARS}:]|%[0-9A-Fa-f]{2}|\\\\[_~.\\-!$&'()*+,;=/?#@%]))?)?`,
  "uy",
);
const BLANK_LABEL = new RegExp(`_:[${PN_CHARS_U}0-9](?:[${PN_CHARS}.]*[${PN_CHARS}])?`, "uy");
/* eslint-enable no-misleading-character-class */
const NUMBER = /[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+|\d*\.\d+|\d+)/y;
const LANGTAG = /@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*/y;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

class TurtleParser {
  private pos = 0;
  private readonly prefixes = new Map<string, string>();
  private readonly triples: Triple[] = [];
  private blanks = 0;
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly text: string,
    private readonly blankPrefix: string,
  ) {}

  parse(): Triple[] {
    for (;;) {
      this.skip();
      if (this.pos >= this.text.length) return this.triples;
      this.statement();
    }
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new Error(`Turtle line ${line}: ${message} (at ${JSON.stringify(this.text.slice(this.pos, this.pos + 30))})`);
  }

  /** Skips white space and comments. */
  private skip(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "#") {
        const end = this.text.indexOf("\n", this.pos);
        this.pos = end < 0 ? this.text.length : end + 1;
      } else return;
    }
  }

  private peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  private expect(s: string): void {
    this.skip();
    if (!this.peek(s)) this.fail(`expected ${s}`);
    this.pos += s.length;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private keyword(word: string): boolean {
    const next = this.text.slice(this.pos, this.pos + word.length);
    if (next.toLowerCase() !== word.toLowerCase()) return false;
    const after = this.text[this.pos + word.length];
    return after === undefined || /[\s<]/.test(after);
  }

  private newBlank(): Term {
    return blank(`${this.blankPrefix}${++this.blanks}`);
  }

  private statement(): void {
    if (this.peek("@prefix") || this.keyword("PREFIX")) {
      const sparql = !this.peek("@");
      this.pos += sparql ? 6 : 7;
      this.skip();
      const name = this.match(PNAME);
      if (name === undefined || !name.endsWith(":")) this.fail("expected a prefix name");
      this.skip();
      this.prefixes.set(name.slice(0, -1), this.iriRef());
      if (!sparql) this.expect(".");
      return;
    }
    if (this.peek("@base") || this.keyword("BASE")) this.fail("@base is not supported (relative IRIs)");
    this.skip();
    if (this.peek("[")) {
      const s = this.blankNodePropertyList();
      this.skip();
      if (!this.peek(".")) this.predicateObjectList(s);
    } else {
      this.predicateObjectList(this.subject());
    }
    this.expect(".");
  }

  private subject(): Term {
    this.skip();
    if (this.peek("(")) return this.collection();
    if (this.peek("_:")) return this.blankLabel();
    return iri(this.iri());
  }

  private predicateObjectList(s: Term): void {
    for (;;) {
      this.skip();
      const p = this.verb();
      for (;;) {
        this.triples.push({ s, p, o: this.object() });
        this.skip();
        if (!this.peek(",")) break;
        this.pos++;
      }
      this.skip();
      if (!this.peek(";")) return;
      while (this.peek(";")) {
        this.pos++;
        this.skip();
      }
      if (this.peek(".") || this.peek("]")) return;
    }
  }

  private verb(): string {
    if (this.peek("a") && /[\s<"'[(_]/.test(this.text[this.pos + 1] ?? "")) {
      this.pos++;
      return `${RDF}type`;
    }
    return this.iri();
  }

  private object(): Term {
    this.skip();
    const c = this.text[this.pos];
    if (c === "[") return this.blankNodePropertyList();
    if (c === "(") return this.collection();
    if (c === '"' || c === "'") return this.rdfLiteral();
    if (this.peek("_:")) return this.blankLabel();
    if (c !== undefined && /[+\-.0-9]/.test(c)) {
      const n = this.match(NUMBER);
      if (n === undefined) this.fail("bad number");
      return literal(n, `${XSD}${/[eE]/.test(n) ? "double" : n.includes(".") ? "decimal" : "integer"}`);
    }
    for (const b of ["true", "false"]) {
      if (this.peek(b) && !/[A-Za-z0-9_:-]/.test(this.text[this.pos + b.length] ?? "")) {
        this.pos += b.length;
        return literal(b, `${XSD}boolean`);
      }
    }
    return iri(this.iri());
  }

  private blankLabel(): Term {
    const label = this.match(BLANK_LABEL);
    if (label === undefined) this.fail("bad blank node label");
    let id = this.labels.get(label);
    if (!id) this.labels.set(label, (id = `${this.blankPrefix}l${this.labels.size + 1}`));
    return blank(id);
  }

  private blankNodePropertyList(): Term {
    this.expect("[");
    const node = this.newBlank();
    this.skip();
    if (!this.peek("]")) this.predicateObjectList(node);
    this.expect("]");
    return node;
  }

  private collection(): Term {
    this.expect("(");
    const items: Term[] = [];
    for (;;) {
      this.skip();
      if (this.peek(")")) break;
      items.push(this.object());
    }
    this.pos++;
    if (items.length === 0) return iri(`${RDF}nil`);
    const head = this.newBlank();
    let node = head;
    items.forEach((item, i) => {
      this.triples.push({ s: node, p: `${RDF}first`, o: item });
      const rest = i === items.length - 1 ? iri(`${RDF}nil`) : this.newBlank();
      this.triples.push({ s: node, p: `${RDF}rest`, o: rest });
      node = rest;
    });
    return head;
  }

  private iri(): string {
    this.skip();
    if (this.peek("<")) return this.iriRef();
    const name = this.match(PNAME);
    if (name === undefined) this.fail("expected an IRI");
    const colon = name.indexOf(":");
    const ns = this.prefixes.get(name.slice(0, colon));
    if (ns === undefined) this.fail(`undeclared prefix ${name.slice(0, colon)}:`);
    const local = name.slice(colon + 1).replace(/\\(.)/gu, "$1");
    return ns + local;
  }

  private iriRef(): string {
    this.skip();
    if (!this.peek("<")) this.fail("expected <IRI>");
    const end = this.text.indexOf(">", this.pos);
    if (end < 0) this.fail("unterminated IRI");
    const raw = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    if (/[\s<"{}|^`]/.test(raw.replace(/\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}/g, ""))) this.fail("bad character in IRI");
    const value = unescapeNumeric(raw);
    if (!ABSOLUTE_IRI.test(value)) this.fail(`relative IRI <${value}> (no base)`);
    return value;
  }

  private rdfLiteral(): Term {
    const value = this.string();
    if (this.peek("@")) {
      const tag = this.match(LANGTAG);
      if (tag === undefined) this.fail("bad language tag");
      return literal(value, undefined, tag.slice(1).toLowerCase());
    }
    if (this.peek("^^")) {
      this.pos += 2;
      return literal(value, this.iri());
    }
    return literal(value);
  }

  private string(): string {
    const q = this.text[this.pos]!;
    const long = this.peek(q.repeat(3));
    const delim = long ? q.repeat(3) : q;
    this.pos += delim.length;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      if (this.peek(delim)) {
        // A long string may end with one or two quotes before its delimiter.
        if (long) while (this.text[this.pos + 3] === q) out += this.text[this.pos++];
        this.pos += delim.length;
        return out;
      }
      const c = this.text[this.pos]!;
      if (!long && (c === "\n" || c === "\r")) this.fail("new line in a short string");
      if (c === "\\") {
        const e = this.text[this.pos + 1];
        const simple: Record<string, string> = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.pos += 2;
        } else if (e === "u" || e === "U") {
          const len = e === "u" ? 4 : 8;
          const hex = this.text.slice(this.pos + 2, this.pos + 2 + len);
          if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail("bad \\u escape");
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + len;
        } else this.fail("bad escape");
        continue;
      }
      out += c;
      this.pos++;
    }
  }
}

function unescapeNumeric(s: string): string {
  return s.replace(/\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})/g, (_m, a: string | undefined, b: string | undefined) => String.fromCodePoint(parseInt(a ?? b!, 16)));
}

/** The triples of a Turtle document; blank nodes are labelled `${blankPrefix}N` (distinct per document). */
export function parseTurtle(text: string, blankPrefix = "ttl"): Triple[] {
  return new TurtleParser(text, blankPrefix).parse();
}
