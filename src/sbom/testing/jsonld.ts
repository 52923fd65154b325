/**
 * Compact SPDX 3 JSON-LD to RDF triples, with the official context given as data (the context URL is not
 * reachable from the tests). This is JSON-LD 1.1 expansion + toRdf for the features the SPDX 3.0.1 context
 * uses — term definitions with `@id` and a `@type` of `@id`, `@vocab` or a datatype, a property-scoped
 * `@vocab` for enumerations, and the keyword aliases `spdxId` (`@id`) and `type` (`@type`) — and it fails
 * loudly on everything else: a property that is not a term (JSON-LD would drop it silently), a relative IRI, an
 * unknown `@context`, `@list`, `@language`, nested contexts. What it cannot map is an error, not a lost triple.
 */
import { RDF, XSD, blank, iri, literal, type Term, type Triple } from "./rdf.js";

interface TermDef {
  id: string;
  type?: string;
  vocab?: string;
}

export interface JsonLdResult {
  triples: Triple[];
  errors: string[];
}

/** IRI characters that let a simple term be a prefix of compact IRIs (JSON-LD 1.1 "prefix flag"). */
const GEN_DELIM = /[:/?#[\]@]$/;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export class JsonLdMapper {
  private readonly terms = new Map<string, TermDef>();
  private readonly prefixes = new Set<string>();
  private readonly idAliases = new Set(["@id"]);
  private readonly typeAliases = new Set(["@type"]);
  private readonly topVocab: string | undefined;

  /** `context` is the parsed context document ({"@context": {...}}) served at `url`. */
  constructor(
    readonly url: string,
    context: unknown,
  ) {
    const ctx = (context as { "@context"?: unknown })?.["@context"];
    if (!ctx || typeof ctx !== "object" || Array.isArray(ctx)) throw new Error("the context document has no @context object");
    for (const [key, def] of Object.entries(ctx as Record<string, unknown>)) {
      if (key === "@vocab" && typeof def === "string") continue;
      if (key.startsWith("@")) throw new Error(`unsupported context keyword ${key}`);
      if (def === "@id") this.idAliases.add(key);
      else if (def === "@type") this.typeAliases.add(key);
      else if (typeof def === "string") {
        this.terms.set(key, { id: def });
        if (GEN_DELIM.test(def)) this.prefixes.add(key);
      } else if (def && typeof def === "object" && !Array.isArray(def)) {
        const d = def as Record<string, unknown>;
        const extra = Object.keys(d).filter((k) => !["@id", "@type", "@context"].includes(k));
        if (extra.length > 0 || typeof d["@id"] !== "string") throw new Error(`unsupported term definition of ${key}: ${JSON.stringify(def)}`);
        const scoped = d["@context"] as Record<string, unknown> | undefined;
        if (scoped !== undefined && (typeof scoped !== "object" || Object.keys(scoped).some((k) => k !== "@vocab") || typeof scoped["@vocab"] !== "string")) {
          throw new Error(`unsupported scoped context of ${key}: ${JSON.stringify(scoped)}`);
        }
        if (d["@type"] !== undefined && typeof d["@type"] !== "string") throw new Error(`unsupported @type of ${key}`);
        this.terms.set(key, { id: d["@id"], ...(d["@type"] ? { type: d["@type"] as string } : {}), ...(scoped ? { vocab: scoped["@vocab"] as string } : {}) });
      } else throw new Error(`unsupported term definition of ${key}`);
    }
    const v = (ctx as Record<string, unknown>)["@vocab"];
    this.topVocab = typeof v === "string" ? v : undefined;
    // Datatypes in term definitions may themselves be compact: expand them once the terms are known.
    for (const def of this.terms.values()) {
      if (def.type && def.type !== "@id" && def.type !== "@vocab") def.type = this.expandIri(def.type, true, undefined) ?? def.type;
    }
  }

  /** IRI expansion; undefined when the value resolves to no absolute IRI. */
  private expandIri(value: string, vocab: boolean, scopedVocab: string | undefined): string | undefined {
    if (vocab) {
      const def = this.terms.get(value);
      if (def) return def.id;
    }
    const colon = value.indexOf(":");
    if (colon > 0) {
      const prefix = value.slice(0, colon);
      const suffix = value.slice(colon + 1);
      if (prefix === "_") return value;
      if (!suffix.startsWith("//") && this.prefixes.has(prefix)) return this.terms.get(prefix)!.id + suffix;
      if (ABSOLUTE_IRI.test(value)) return value;
    }
    const v = vocab ? (scopedVocab ?? this.topVocab) : undefined;
    return v === undefined ? undefined : v + value;
  }

  /** The triples of a compact document whose @context is this context's URL. */
  map(document: unknown): JsonLdResult {
    const triples: Triple[] = [];
    const errors: string[] = [];
    let fresh = 0;
    const node = (t: string): Term => (t.startsWith("_:") ? blank(`doc:l:${t.slice(2)}`) : iri(t));

    const processNode = (obj: Record<string, unknown>, where: string): Term => {
      let subject: Term | undefined;
      for (const [key, value] of Object.entries(obj)) {
        if (!this.idAliases.has(key)) continue;
        const id = typeof value === "string" ? this.expandIri(value, false, undefined) : undefined;
        if (id === undefined) errors.push(`${where}: ${key} ${JSON.stringify(value)} is not an absolute IRI or a blank node`);
        else subject = node(id);
      }
      subject ??= blank(`doc:f${++fresh}`);
      const name = subject.termType === "NamedNode" ? subject.value : subject.value.startsWith("doc:l:") ? `_:${subject.value.slice(6)}` : "a blank node";
      for (const [key, value] of Object.entries(obj)) {
        if (this.idAliases.has(key)) continue;
        const at = `${where} (${name}) ${key}`;
        if (this.typeAliases.has(key)) {
          for (const t of Array.isArray(value) ? value : [value]) {
            const type = typeof t === "string" ? this.expandIri(t, true, undefined) : undefined;
            if (type === undefined || type.startsWith("_:")) errors.push(`${at}: type ${JSON.stringify(t)} is not a term or an absolute IRI`);
            else triples.push({ s: subject, p: `${RDF}type`, o: iri(type) });
          }
          continue;
        }
        if (key.startsWith("@")) {
          errors.push(`${at}: unsupported keyword`);
          continue;
        }
        const def = this.terms.get(key);
        const p = def?.id ?? (key.includes(":") ? this.expandIri(key, true, undefined) : undefined);
        if (p === undefined || p.startsWith("_:")) {
          errors.push(`${at}: not a term of the context (JSON-LD would drop it)`);
          continue;
        }
        (Array.isArray(value) ? value : [value]).forEach((v: unknown, i) => {
          const here = Array.isArray(value) ? `${at}[${i}]` : at;
          const o = this.object(v, def, here, errors, (child) => processNode(child, here), node);
          if (o) triples.push({ s: subject, p, o });
        });
      }
      return subject;
    };

    const doc = document as Record<string, unknown> | null;
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) return { triples, errors: ["the document is not a JSON object"] };
    if (doc["@context"] !== this.url) errors.push(`@context is ${JSON.stringify(doc["@context"])}, not ${this.url}`);
    const rest = Object.keys(doc).filter((k) => k !== "@context" && k !== "@graph");
    if (Array.isArray(doc["@graph"])) {
      if (rest.length > 0) errors.push(`top-level keys beside @graph: ${rest.join(", ")}`);
      doc["@graph"].forEach((el: unknown, i) => {
        if (el && typeof el === "object" && !Array.isArray(el)) processNode(el as Record<string, unknown>, `@graph[${i}]`);
        else errors.push(`@graph[${i}] is not an object`);
      });
    } else {
      const { "@context": _ctx, ...single } = doc;
      processNode(single, "document");
    }
    return { triples, errors };
  }

  private object(
    v: unknown,
    def: TermDef | undefined,
    at: string,
    errors: string[],
    nested: (obj: Record<string, unknown>) => Term,
    node: (t: string) => Term,
  ): Term | undefined {
    if (v === null) return undefined;
    if (Array.isArray(v)) {
      errors.push(`${at}: nested arrays (lists) are not supported`);
      return undefined;
    }
    if (typeof v === "object") {
      const o = v as Record<string, unknown>;
      if ("@value" in o) {
        const extra = Object.keys(o).filter((k) => k !== "@value" && k !== "@type");
        if (extra.length > 0 || typeof o["@value"] !== "string") {
          errors.push(`${at}: unsupported value object ${JSON.stringify(o)}`);
          return undefined;
        }
        const dt = typeof o["@type"] === "string" ? this.expandIri(o["@type"], true, undefined) : `${XSD}string`;
        if (dt === undefined) {
          errors.push(`${at}: bad @type ${JSON.stringify(o["@type"])}`);
          return undefined;
        }
        return literal(o["@value"], dt);
      }
      if (Object.keys(o).some((k) => k === "@list" || k === "@set" || k === "@graph" || k === "@context")) {
        errors.push(`${at}: ${Object.keys(o).join(", ")} is not supported`);
        return undefined;
      }
      if (def?.vocab !== undefined) {
        errors.push(`${at}: a node object under a property with a scoped context is not supported`);
        return undefined;
      }
      return nested(o);
    }
    if (typeof v === "string") {
      const type = def?.type;
      if (type === "@id" || type === "@vocab") {
        const id = this.expandIri(v, type === "@vocab", def?.vocab);
        if (id === undefined) {
          errors.push(`${at}: ${JSON.stringify(v)} is not a term or an absolute IRI`);
          return undefined;
        }
        return node(id);
      }
      return literal(v, type ?? `${XSD}string`);
    }
    if (typeof v === "boolean") return literal(String(v), def?.type && def.type !== "@id" && def.type !== "@vocab" ? def.type : `${XSD}boolean`);
    if (typeof v === "number" && Number.isFinite(v)) {
      const coerced = def?.type && def.type !== "@id" && def.type !== "@vocab" ? def.type : undefined;
      const dt = coerced ?? (Number.isInteger(v) ? `${XSD}integer` : `${XSD}double`);
      // JSON-LD toRdf: integers (not coerced to double) as integers, everything else in canonical double form.
      const lexical = Number.isInteger(v) && dt !== `${XSD}double` ? v.toFixed(0) : v.toExponential(15).replace(/(\d)0*e\+?/, "$1E");
      return literal(lexical, dt);
    }
    errors.push(`${at}: unsupported JSON value ${JSON.stringify(v)}`);
    return undefined;
  }
}
