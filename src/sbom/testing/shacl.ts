/**
 * A SHACL Core validator for the constraint components the official SPDX 3.0.1 shapes use, and the SPDX check
 * built on it (test code: src/**\/testing/** is left out of the build).
 *
 * Why not a SHACL library: the tests must run offline and the project prefers no new dependency; the shapes
 * `spdx-model.ttl` (the spdx/spdx-spec publication, kept in test/fixtures/spdx/ with its provenance) use a
 * small part of SHACL — implicit class targets (every shape is also an owl:Class), property shapes with a
 * predicate path, and sh:class, sh:datatype, sh:nodeKind, sh:minCount, sh:maxCount, sh:in, sh:pattern,
 * sh:hasValue and sh:not (the abstract-class checks), with sh:message. This module implements exactly those,
 * with the semantics of the SHACL 1.0 recommendation (https://www.w3.org/TR/shacl/, sections 2, 4 and 5):
 * SHACL instances through rdf:type/rdfs:subClassOf*, ill-formed literals of a datatype are violations, a
 * pattern never matches a blank node. Loading the shapes throws on any other SHACL term, so a newer shapes
 * file with, say, sh:or or sh:targetClass cannot be half-checked silently.
 *
 * The data graph is the document and the shapes file together, as the SPDX project's own validator
 * (spdx3-validate, pyshacl with the model as `ont_graph`) does: the model says which class each individual
 * (NoAssertionElement, NoAssertionLicense, the enumeration values) belongs to and which class is a subclass of
 * which; without it no sh:class constraint on an individual could hold.
 */
import { readFileSync } from "node:fs";
import { SPDX_CONTEXT } from "../spdx.js";
import { JsonLdMapper } from "./jsonld.js";
import { Graph, OWL, RDF, RDFS, SH, XSD, parseTurtle, termKey, termText, type Term, type Triple } from "./rdf.js";

export interface ShaclResult {
  /** The node that does not conform. */
  focus: Term;
  path?: string;
  value?: Term;
  /** The constraint component, e.g. `ClassConstraintComponent`. */
  component: string;
  message: string;
}

interface Shape {
  node: Term;
  path?: string;
  classes: string[];
  datatypes: string[];
  nodeKinds: string[];
  minCount?: number;
  maxCount?: number;
  in: Array<Set<string>>;
  patterns: RegExp[];
  hasValue: Term[];
  not: Shape[];
  property: Shape[];
  message?: string;
}

/** The SHACL terms the validator implements (as predicates of shapes): anything else in the sh: namespace throws. */
const SUPPORTED = new Set(["property", "path", "class", "datatype", "nodeKind", "minCount", "maxCount", "in", "pattern", "flags", "not", "hasValue", "message", "name", "description", "order", "group"]);
/** Parameters whose presence makes a node a shape (SHACL 2.1). */
const PARAMETERS = ["property", "path", "class", "datatype", "nodeKind", "minCount", "maxCount", "in", "pattern", "not", "hasValue"];
const NODE_KINDS = new Set(["IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral"]);

const one = (g: Graph, s: Term, p: string): Term | undefined => {
  const o = g.objects(s, p);
  if (o.length > 1) throw new Error(`shape ${termText(s)} has ${o.length} values of ${p}`);
  return o[0];
};
const iriOf = (t: Term | undefined, what: string): string => {
  if (t?.termType !== "NamedNode") throw new Error(`${what} is not an IRI`);
  return t.value;
};
const intOf = (t: Term, what: string): number => {
  if (t.termType !== "Literal" || !/^\d+$/.test(t.value)) throw new Error(`${what} is not a non-negative integer`);
  return Number(t.value);
};

/** The shapes of a shapes graph, with the classes they target. */
export class ShapesGraph {
  readonly targets: Array<{ cls: string; shape: Shape }> = [];
  private readonly parsed = new Map<string, Shape>();

  readonly graph: Graph;

  constructor(triples: readonly Triple[]) {
    const graph = (this.graph = new Graph(triples));
    // Every SHACL term of the file must be one the validator implements, as a predicate or as a type.
    for (const t of triples) {
      this.checkPredicate(t.p);
      if (t.p === `${RDF}type` && t.o.termType === "NamedNode" && t.o.value.startsWith(SH) && !["NodeShape", "PropertyShape"].includes(t.o.value.slice(SH.length))) {
        throw new Error(`unsupported SHACL type ${t.o.value}`);
      }
    }
    const nested = new Set<string>();
    for (const p of ["property", "not"]) for (const [, o] of graph.pairs(`${SH}${p}`)) nested.add(termKey(o));
    const candidates = new Map<string, Term>();
    for (const [s, o] of graph.pairs(`${RDF}type`)) if (o.termType === "NamedNode" && o.value === `${SH}NodeShape`) candidates.set(termKey(s), s);
    for (const p of PARAMETERS) for (const [s] of graph.pairs(`${SH}${p}`)) candidates.set(termKey(s), s);
    for (const [key, s] of candidates) {
      if (nested.has(key)) continue;
      const shape = this.shape(s);
      const isClass = graph.objects(s, `${RDF}type`).some((t) => t.termType === "NamedNode" && (t.value === `${OWL}Class` || t.value === `${RDFS}Class`));
      // Implicit class target (SHACL 2.1.3.3): a shape that is also a class targets the SHACL instances of it.
      if (isClass && s.termType === "NamedNode") this.targets.push({ cls: s.value, shape });
    }
  }

  private checkPredicate(p: string): void {
    if (p.startsWith(SH) && !SUPPORTED.has(p.slice(SH.length))) throw new Error(`unsupported SHACL feature ${p}`);
  }

  private shape(node: Term): Shape {
    const key = termKey(node);
    const seen = this.parsed.get(key);
    if (seen) return seen;
    const g = this.graph;
    const where = `shape ${termText(node)}`;
    const pathNode = one(g, node, `${SH}path`);
    const flags = one(g, node, `${SH}flags`);
    const message = one(g, node, `${SH}message`);
    const minCount = one(g, node, `${SH}minCount`);
    const maxCount = one(g, node, `${SH}maxCount`);
    const shape: Shape = {
      node,
      ...(pathNode ? { path: iriOf(pathNode, `${where} sh:path (only predicate paths are supported)`) } : {}),
      classes: g.objects(node, `${SH}class`).map((t) => iriOf(t, `${where} sh:class`)),
      datatypes: g.objects(node, `${SH}datatype`).map((t) => iriOf(t, `${where} sh:datatype`)),
      nodeKinds: g.objects(node, `${SH}nodeKind`).map((t) => {
        const k = iriOf(t, `${where} sh:nodeKind`).slice(SH.length);
        if (!NODE_KINDS.has(k)) throw new Error(`${where}: unknown node kind ${termText(t)}`);
        return k;
      }),
      ...(minCount ? { minCount: intOf(minCount, `${where} sh:minCount`) } : {}),
      ...(maxCount ? { maxCount: intOf(maxCount, `${where} sh:maxCount`) } : {}),
      in: g.objects(node, `${SH}in`).map((list) => new Set(g.list(list).map(termKey))),
      patterns: g.objects(node, `${SH}pattern`).map((t) => {
        if (t.termType !== "Literal") throw new Error(`${where} sh:pattern is not a literal`);
        const f = flags?.termType === "Literal" ? flags.value : "";
        if (!/^[imsx]*$/.test(f) || f.includes("x")) throw new Error(`${where}: unsupported sh:flags ${f}`);
        return new RegExp(t.value, `${f}u`);
      }),
      hasValue: g.objects(node, `${SH}hasValue`),
      not: [],
      property: [],
      ...(message?.termType === "Literal" ? { message: message.value } : {}),
    };
    if ((shape.minCount !== undefined || shape.maxCount !== undefined) && shape.path === undefined) throw new Error(`${where}: sh:minCount/maxCount on a node shape`);
    this.parsed.set(key, shape);
    shape.not = g.objects(node, `${SH}not`).map((n) => this.shape(n));
    shape.property = g.objects(node, `${SH}property`).map((n) => {
      const p = this.shape(n);
      if (p.path === undefined) throw new Error(`${where}: a sh:property without sh:path`);
      return p;
    });
    return shape;
  }
}

// Lexical forms of the XSD datatypes the SPDX shapes use (XML Schema 1.1 part 2). Others are compared by IRI alone.
const DATE_TIME = /^-?(?:[1-9]\d{3,}|0\d{3})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-](\d\d):(\d\d))?$/;
function wellFormed(lexical: string, datatype: string): boolean {
  const local = datatype.startsWith(XSD) ? datatype.slice(XSD.length) : undefined;
  switch (local) {
    case "boolean":
      return /^(?:true|false|1|0)$/.test(lexical);
    case "decimal":
      return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(lexical);
    case "integer":
      return /^[+-]?\d+$/.test(lexical);
    case "nonNegativeInteger":
      return /^(?:\+?\d+|-0+)$/.test(lexical);
    case "positiveInteger":
      return /^\+?0*[1-9]\d*$/.test(lexical);
    case "dateTime":
    case "dateTimeStamp": {
      const m = DATE_TIME.exec(lexical);
      if (!m) return false;
      const [, mo, d, h, mi, s, tz, tzh, tzm] = m;
      const month = Number(mo);
      const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
      if (days === undefined || Number(d) < 1 || Number(d) > days) return false;
      if (Number(mi) > 59 || Number(s) > 59 || Number(h) > 24 || (Number(h) === 24 && (mi !== "00" || s !== "00"))) return false;
      if (tz && tz !== "Z" && (Number(tzh) > 14 || Number(tzm) > 59)) return false;
      return local === "dateTime" || tz !== undefined;
    }
    default:
      return true;
  }
}

function nodeKindOk(t: Term, kind: string): boolean {
  // sh:IRI, sh:BlankNode, sh:Literal and their pairs: a kind names each term type it admits.
  return kind.includes(t.termType === "NamedNode" ? "IRI" : t.termType === "BlankNode" ? "BlankNode" : "Literal");
}

export class ShaclValidator {
  private readonly superclasses = new Map<string, Set<string>>();

  constructor(
    private readonly shapes: ShapesGraph,
    private readonly data: Graph,
  ) {}

  /** Classes that `cls` is (rdfs:subClassOf*, in the data graph), itself included. */
  private supers(cls: string): Set<string> {
    let s = this.superclasses.get(cls);
    if (s) return s;
    s = new Set([cls]);
    this.superclasses.set(cls, s);
    const todo = [cls];
    while (todo.length > 0) {
      const c = todo.pop()!;
      for (const o of this.data.objects({ termType: "NamedNode", value: c }, `${RDFS}subClassOf`)) {
        if (o.termType === "NamedNode" && !s.has(o.value)) {
          s.add(o.value);
          todo.push(o.value);
        }
      }
    }
    return s;
  }

  /** SHACL instance (SHACL 1.5): has an rdf:type that is `cls` or one of its subclasses. */
  isInstance(node: Term, cls: string): boolean {
    if (node.termType === "Literal") return false;
    return this.data.objects(node, `${RDF}type`).some((t) => t.termType === "NamedNode" && this.supers(t.value).has(cls));
  }

  validate(): ShaclResult[] {
    const results: ShaclResult[] = [];
    const typed = this.data.pairs(`${RDF}type`);
    for (const { cls, shape } of this.shapes.targets) {
      const seen = new Set<string>();
      for (const [node, type] of typed) {
        if (type.termType !== "NamedNode" || !this.supers(type.value).has(cls) || seen.has(termKey(node))) continue;
        seen.add(termKey(node));
        this.check(shape, node, results);
      }
    }
    return results;
  }

  private conforms(shape: Shape, focus: Term): boolean {
    const r: ShaclResult[] = [];
    this.check(shape, focus, r);
    return r.length === 0;
  }

  private check(shape: Shape, focus: Term, out: ShaclResult[]): void {
    const path = shape.path;
    const values = path === undefined ? [focus] : this.data.objects(focus, path);
    const report = (component: string, message: string, value?: Term): void => {
      out.push({ focus, ...(path !== undefined ? { path } : {}), ...(value ? { value } : {}), component, message: shape.message ?? message });
    };
    if (path !== undefined) {
      if (shape.minCount !== undefined && values.length < shape.minCount) report("MinCountConstraintComponent", `Less than ${shape.minCount} values`);
      if (shape.maxCount !== undefined && values.length > shape.maxCount) report("MaxCountConstraintComponent", `More than ${shape.maxCount} values`);
    }
    for (const h of shape.hasValue) if (!values.some((v) => termKey(v) === termKey(h))) report("HasValueConstraintComponent", `Missing the value ${termText(h)}`);
    for (const v of values) {
      for (const c of shape.classes) if (!this.isInstance(v, c)) report("ClassConstraintComponent", `Value does not have class ${c}`, v);
      for (const d of shape.datatypes) {
        if (v.termType !== "Literal" || v.datatype !== d || !wellFormed(v.value, d)) report("DatatypeConstraintComponent", `Value is not a well-formed literal of datatype ${d}`, v);
      }
      for (const k of shape.nodeKinds) if (!nodeKindOk(v, k)) report("NodeKindConstraintComponent", `Value is not of node kind sh:${k}`, v);
      for (const list of shape.in) if (!list.has(termKey(v))) report("InConstraintComponent", "Value is not one of the allowed values (sh:in)", v);
      for (const re of shape.patterns) if (v.termType === "BlankNode" || !re.test(v.value)) report("PatternConstraintComponent", `Value does not match the pattern ${re.source}`, v);
      for (const n of shape.not) if (this.conforms(n, v)) report("NotConstraintComponent", "Value conforms to the shape of its sh:not", v);
      for (const p of shape.property) this.check(p, v, out);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SPDX 3.0.1

/** The official SPDX 3.0.1 SHACL model and JSON-LD context, vendored for the tests (see its README). */
export const SPDX_SHAPES_FILE = new URL("../../../test/fixtures/spdx/spdx-model.ttl", import.meta.url);
export const SPDX_CONTEXT_FILE = new URL("../../../test/fixtures/spdx/spdx-context.jsonld", import.meta.url);

let spdx: { model: Triple[]; shapes: ShapesGraph; mapper: JsonLdMapper } | undefined;

function loadSpdx(): NonNullable<typeof spdx> {
  if (!spdx) {
    const model = parseTurtle(readFileSync(SPDX_SHAPES_FILE, "utf8"), "model:");
    spdx = { model, shapes: new ShapesGraph(model), mapper: new JsonLdMapper(SPDX_CONTEXT, JSON.parse(readFileSync(SPDX_CONTEXT_FILE, "utf8"))) };
  }
  return spdx;
}

/** The SPDX model's triples and shapes, for tests of the validator itself. */
export function spdxModel(): { triples: readonly Triple[]; targets: number } {
  const m = loadSpdx();
  return { triples: m.model, targets: m.shapes.targets.length };
}

function short(s: string): string {
  return s.replace("https://spdx.org/rdf/3.0.1/terms/", "spdx:").replace(/^urn:uuid:[0-9a-f-]+#/, "#");
}

function describe(t: Term): string {
  return t.termType === "NamedNode" ? short(t.value) : t.termType === "BlankNode" ? (t.value.startsWith("doc:l:") ? `_:${t.value.slice(6)}` : "[]") : termText(t);
}

/** The SHACL results of an SPDX 3.0.1 JSON-LD document, and what could not be mapped to RDF. */
export function spdxShaclReport(document: unknown): { results: ShaclResult[]; mappingErrors: string[] } {
  const { model, shapes, mapper } = loadSpdx();
  const { triples, errors } = mapper.map(document);
  const data = new Graph(model, triples);
  return { results: new ShaclValidator(shapes, data).validate(), mappingErrors: errors };
}

/** One line per SHACL violation or mapping error (empty when the document conforms to the SPDX 3.0.1 shapes). */
export function spdxShaclErrors(document: unknown): string[] {
  const { results, mappingErrors } = spdxShaclReport(document);
  return [
    ...mappingErrors.map((e) => `JSON-LD: ${e}`),
    ...results.map((r) => `${describe(r.focus)}${r.path ? ` ${short(r.path)}` : ""}: ${r.component}: ${r.message}${r.value ? ` (value ${describe(r.value)})` : ""}`),
  ];
}
