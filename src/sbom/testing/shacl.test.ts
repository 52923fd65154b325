import { describe, expect, it, beforeAll } from "vitest";
import { sbom } from "../sbom.js";
import { JsonLdMapper } from "./jsonld.js";
import { Graph, parseTurtle, termKey, type Triple } from "./rdf.js";
import { ShaclValidator, ShapesGraph, spdxModel, spdxShaclErrors, spdxShaclReport } from "./shacl.js";

/** Parsed JSON under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const FIXTURE = new URL("../../../test/fixtures/sbom/hf-model/", import.meta.url).pathname;
const SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
const T = "https://spdx.org/rdf/3.0.1/terms/";

describe("Turtle parser", () => {
  it("reads the official SPDX 3.0.1 model completely", () => {
    // 3569 is the number of triples of spdx-model.nt, the N-Triples serialization published beside the
    // Turtle file (same commit): the parse was compared with it triple by triple when the file was vendored.
    const { triples, targets } = spdxModel();
    expect(triples).toHaveLength(3569);
    // 52 sh:NodeShape classes plus 15 classes that carry only an sh:nodeKind (Agent, Organization, ...).
    expect(targets).toBe(67);
    const g = new Graph(triples);
    expect(g.objects({ termType: "NamedNode", value: `${T}Core/NoAssertionElement` }, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type").map(termKey)).toEqual([
      "<http://www.w3.org/2002/07/owl#NamedIndividual>",
      `<${T}Core/IndividualElement>`,
    ]);
  });

  it("handles the Turtle syntax: prefixes, a, lists, nested blank nodes, literals of every form", () => {
    const t = parseTurtle(
      [
        "@prefix ex: <http://example.org/> . PREFIX x: <http://x.org/>",
        "# a comment",
        'ex:s a ex:C ; ex:p ( 1 -2.5 3e2 true ) , [ ex:q "a\\"b"@en-GB ] ; ex:r """two',
        'lines ""q""""^^x:t ; ex:u _:b1 ; ex:w \'\\u00e9\' ; .',
        "_:b1 ex:v ex:a\\.b .",
      ].join("\n"),
    );
    const g = new Graph(t);
    const s = { termType: "NamedNode", value: "http://example.org/s" } as const;
    const items = g.list(g.objects(s, "http://example.org/p")[0]!).map(termKey);
    expect(items).toEqual([
      termKey({ termType: "Literal", value: "1", datatype: "http://www.w3.org/2001/XMLSchema#integer" }),
      termKey({ termType: "Literal", value: "-2.5", datatype: "http://www.w3.org/2001/XMLSchema#decimal" }),
      termKey({ termType: "Literal", value: "3e2", datatype: "http://www.w3.org/2001/XMLSchema#double" }),
      termKey({ termType: "Literal", value: "true", datatype: "http://www.w3.org/2001/XMLSchema#boolean" }),
    ]);
    const nested = g.objects(s, "http://example.org/p")[1]!;
    expect(g.objects(nested, "http://example.org/q")).toEqual([{ termType: "Literal", value: 'a"b', datatype: "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", language: "en-gb" }]);
    expect(g.objects(s, "http://example.org/r")).toEqual([{ termType: "Literal", value: 'two\nlines ""q"', datatype: "http://x.org/t" }]);
    expect(g.objects(s, "http://example.org/w")[0]).toMatchObject({ value: "é" });
    const b1 = g.objects(s, "http://example.org/u")[0]!;
    expect(g.objects(b1, "http://example.org/v")).toEqual([{ termType: "NamedNode", value: "http://example.org/a.b" }]);
    expect(() => parseTurtle("<a> <b> <c> .")).toThrow(/relative IRI/);
    expect(() => parseTurtle("ex:a ex:b ex:c .")).toThrow(/undeclared prefix/);
    expect(() => parseTurtle('<http://a> <http://b> "open .')).toThrow(/line 1/);
  });
});

describe("SHACL validator", () => {
  const EX = "@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix owl: <http://www.w3.org/2002/07/owl#> . ";

  it("refuses shapes that use SHACL it does not implement, rather than checking less", () => {
    expect(() => new ShapesGraph(parseTurtle(`${EX} ex:S a sh:NodeShape ; sh:targetClass ex:C .`))).toThrow(/unsupported SHACL feature .*targetClass/);
    expect(() => new ShapesGraph(parseTurtle(`${EX} ex:C a owl:Class, sh:NodeShape ; sh:or ( ex:A ex:B ) .`))).toThrow(/shacl#or/);
    expect(() => new ShapesGraph(parseTurtle(`${EX} ex:C a owl:Class ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .`))).toThrow(/only predicate paths/);
  });

  it("targets the instances of a shape's class and its subclasses, and follows subclasses for sh:class", () => {
    const shapes = parseTurtle(
      `${EX} @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
       ex:Animal a owl:Class, sh:NodeShape ; sh:property [ sh:path ex:owner ; sh:class ex:Person ; sh:maxCount 1 ] .
       ex:Dog a owl:Class ; rdfs:subClassOf ex:Animal .
       ex:Student a owl:Class ; rdfs:subClassOf ex:Person .`,
    );
    const data = parseTurtle(`${EX} ex:rex a ex:Dog ; ex:owner ex:ann . ex:ann a ex:Student . ex:tom a ex:Dog ; ex:owner ex:rex , ex:ann .`);
    const results = new ShaclValidator(new ShapesGraph(shapes), new Graph(shapes, data)).validate();
    expect(results.map((r) => [r.focus.value, r.component, r.value?.value])).toEqual([
      ["http://example.org/tom", "MaxCountConstraintComponent", undefined],
      ["http://example.org/tom", "ClassConstraintComponent", "http://example.org/rex"],
    ]);
  });
});

describe("SPDX 3.0.1 shapes", () => {
  let doc: Json;
  beforeAll(async () => {
    doc = (await sbom(FIXTURE, { format: "spdx", scan: false, name: "acme/tiny-chat-gpt2", serialNumber: SERIAL, now: new Date("2025-01-02T03:04:05Z") })).document;
  });
  const el = (d: Json, type: string, i = 0): Json => d["@graph"].filter((e: Json) => e.type === type)[i];
  const broken = (change: (d: Json) => void): string[] => {
    const d = structuredClone(doc);
    change(d);
    return spdxShaclErrors(d);
  };

  it("a document modelgate writes conforms", () => {
    expect(spdxShaclErrors(doc)).toEqual([]);
  });

  it("catches each kind of violation the shapes describe", () => {
    const cases: Array<[(d: Json) => void, RegExp]> = [
      [(d) => (el(d, "ai_AIPackage").suppliedBy = `${T}Core/NoAssertionElement`), /^#model spdx:Core\/suppliedBy: ClassConstraintComponent: .*Core\/Agent \(value spdx:Core\/NoAssertionElement\)$/],
      [(d) => (d["@graph"][0].createdBy = d["@graph"][0].createdUsing), /^_:creationinfo spdx:Core\/createdBy: ClassConstraintComponent: .*Agent \(value #tool-modelgate\)$/],
      [(d) => (el(d, "SpdxDocument").dataLicense = el(d, "software_File").spdxId), /^#document spdx:Core\/dataLicense: ClassConstraintComponent: .*AnyLicenseInfo/],
      [(d) => (el(d, "ai_AIPackage").releaseTime = "2025-13-02T00:00:00Z"), /^#model spdx:Core\/releaseTime: DatatypeConstraintComponent/],
      [(d) => (el(d, "ai_AIPackage").releaseTime = "2025-01-02"), /^#model spdx:Core\/releaseTime: PatternConstraintComponent/],
      [(d) => delete el(d, "software_File").creationInfo, /^#file-1 spdx:Core\/creationInfo: MinCountConstraintComponent/],
      [(d) => (el(d, "ai_AIPackage").name = ["a", "b"]), /^#model spdx:Core\/name: MaxCountConstraintComponent/],
      [(d) => (el(d, "software_File").spdxId = "_:file"), /^_:file: NodeKindConstraintComponent: Value is not of node kind sh:IRI/],
      [(d) => (el(d, "ai_AIPackage").ai_autonomyType = "maybe"), /^#model spdx:AI\/autonomyType: InConstraintComponent/],
      [(d) => (el(d, "software_File").type = "Artifact"), /^#file-1 http:\/\/www.w3.org\/1999\/02\/22-rdf-syntax-ns#type: NotConstraintComponent: .*Core\/Artifact is an abstract class/],
      [(d) => (el(d, "software_File").verifiedUsing[0].type = "IntegrityMethod"), /^\[\] .*type: NotConstraintComponent: .*IntegrityMethod is an abstract class/],
      [(d) => (el(d, "Relationship").to = ["_:creationinfo"]), /^#relationship-1 spdx:Core\/to: ClassConstraintComponent: .*Core\/Element \(value _:creationinfo\)$/],
      [(d) => (el(d, "dataset_DatasetPackage").dataset_datasetSize = "-1"), /^#dataset-1 spdx:Dataset\/datasetSize: DatatypeConstraintComponent/],
    ];
    for (const [change, expected] of cases) expect(broken(change), String(expected)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it("reports what it cannot map to RDF instead of dropping it", () => {
    expect(broken((d) => (el(d, "ai_AIPackage").ai_parameterCount = 5))).toEqual([expect.stringMatching(/^JSON-LD: .*#model\) ai_parameterCount: not a term of the context/)]);
    expect(broken((d) => (d["@context"] = "https://spdx.org/rdf/3.0.0/spdx-context.jsonld"))).toEqual([expect.stringMatching(/^JSON-LD: @context is .*3\.0\.0/)]);
    expect(broken((d) => (el(d, "Relationship").from = "model"))).toEqual(expect.arrayContaining([expect.stringMatching(/JSON-LD: .* from: "model" is not a term or an absolute IRI/)]));
  });

  it("maps the compact JSON-LD as JSON-LD 1.1 does: terms, scoped @vocab enumerations, datatypes, blank nodes", () => {
    const mapper = new JsonLdMapper("ctx", {
      "@context": {
        type: "@type",
        spdxId: "@id",
        Thing: "http://t/Thing",
        ex: "http://t/",
        ref: { "@id": "http://t/ref", "@type": "@vocab" },
        kind: { "@id": "http://t/kind", "@type": "@vocab", "@context": { "@vocab": "http://t/Kind/" } },
        at: { "@id": "http://t/at", "@type": "http://www.w3.org/2001/XMLSchema#dateTimeStamp" },
        n: { "@id": "http://t/n", "@type": "http://www.w3.org/2001/XMLSchema#decimal" },
      },
    });
    const { triples, errors } = mapper.map({
      "@context": "ctx",
      "@graph": [{ type: "Thing", spdxId: "urn:x", ref: ["Thing", "ex:other", "_:b"], kind: "big", at: "2025-01-02T03:04:05Z", n: 1.5, "ex:free": { type: "ex:Inner" } }],
    });
    expect(errors).toEqual([]);
    const text = (t: Triple): string => `${termKey(t.s)} <${t.p}> ${termKey(t.o)}`;
    expect(triples.map(text)).toEqual([
      "<urn:x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://t/Thing>",
      "<urn:x> <http://t/ref> <http://t/Thing>",
      "<urn:x> <http://t/ref> <http://t/other>",
      "<urn:x> <http://t/ref> _:doc:l:b",
      "<urn:x> <http://t/kind> <http://t/Kind/big>",
      `<urn:x> <http://t/at> "${JSON.stringify(["2025-01-02T03:04:05Z", "http://www.w3.org/2001/XMLSchema#dateTimeStamp", ""])}`,
      `<urn:x> <http://t/n> "${JSON.stringify(["1.5E0", "http://www.w3.org/2001/XMLSchema#decimal", ""])}`,
      "_:doc:f1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://t/Inner>",
      "<urn:x> <http://t/free> _:doc:f1",
    ]);
  });

  it("uses the model as part of the data graph: its individuals have their classes", () => {
    const { results } = spdxShaclReport(doc);
    expect(results).toEqual([]);
    // NoAssertionLicense is an AnyLicenseInfo only through the model: the concluded licence relationship uses it.
    expect(JSON.stringify(doc)).toContain('"to":["expandedlicensing_NoAssertionLicense"]');
  });
});
