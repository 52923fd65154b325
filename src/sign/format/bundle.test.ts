import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { BUNDLE_V03_MEDIA_TYPE, decodeBase64, parseBundle, serializeBundle } from "./bundle.js";

/** Parsed JSON under test: edited freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
const good = () => JSON.parse(serializeBundle({ publicKeyHint: "ab".repeat(32) }, payload, Buffer.from([1, 2, 3]))) as Json;

function malformed(text: string, msg: RegExp): void {
  let err: unknown;
  try {
    parseBundle(text, "sig.json");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelgateError);
  expect((err as ModelgateError).code).toBe("MALFORMED_BUNDLE");
  expect((err as Error).message).toMatch(/^sig\.json is not a valid model signature: /);
  expect((err as Error).message).toMatch(msg);
}

const edit = (f: (b: Json) => void): string => {
  const b = good();
  f(b);
  return JSON.stringify(b);
};

describe("bundle", () => {
  it("serializes compactly in model_signing 1.1's field order", () => {
    expect(serializeBundle({ publicKeyHint: "h" }, Buffer.from("p"), Buffer.from("s"))).toBe(
      `{"mediaType":"${BUNDLE_V03_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":"h"},"tlogEntries":[]},` +
        `"dsseEnvelope":{"payload":"cA==","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"cw==","keyid":""}]}}`,
    );
    expect(serializeBundle({ certificates: [Buffer.from("a"), Buffer.from("b")] }, Buffer.from("p"), Buffer.from("s"))).toContain(
      `"verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"YQ=="},{"rawBytes":"Yg=="}]},"tlogEntries":[]}`,
    );
  });

  it("parses what it writes", () => {
    const b = parseBundle(JSON.stringify(good()), "x");
    expect(b.material).toEqual({ kind: "publicKey", hint: "ab".repeat(32), rawBytes: undefined, keyDetails: undefined });
    expect(b.payload).toEqual(payload);
    expect(b.signature).toEqual(Buffer.from([1, 2, 3]));
    expect(b.keyid).toBe("");
  });

  it("refuses malformed bundles with a message naming what is wrong", () => {
    malformed("{", /not JSON/);
    malformed("[]", /not a JSON object/);
    malformed(edit((b) => delete b.mediaType), /mediaType is missing/);
    malformed(edit((b) => (b.mediaType = "application/json")), /wrong media type "application\/json"/);
    malformed(edit((b) => delete b.verificationMaterial), /verificationMaterial is missing/);
    malformed(edit((b) => (b.verificationMaterial = { tlogEntries: [] })), /no publicKey, x509CertificateChain or certificate/);
    malformed(edit((b) => {
      b.verificationMaterial = { x509CertificateChain: { certificates: [] } };
    }), /certificates must be a non-empty list/);
    malformed(edit((b) => delete b.dsseEnvelope), /dsseEnvelope is missing/);
    malformed(edit((b) => {
      b.messageSignature = {};
      delete b.dsseEnvelope;
    }), /messageSignature/);
    malformed(edit((b) => (b.dsseEnvelope.payloadType = "text/plain")), /wrong payload type "text\/plain"/);
    malformed(edit((b) => (b.dsseEnvelope.payload = "no base64!")), /dsseEnvelope.payload is not valid base64/);
    malformed(edit((b) => delete b.dsseEnvelope.payload), /dsseEnvelope.payload is missing/);
    malformed(edit((b) => (b.dsseEnvelope.signatures = [])), /must hold one signature/);
    malformed(edit((b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0])), /holds 2 signatures/);
    malformed(edit((b) => delete b.dsseEnvelope.signatures[0].sig), /signatures\[0\]\.sig is missing/);
  });

  it("decodes base64 strictly (standard or URL-safe alphabet)", () => {
    expect(decodeBase64("aGVsbG8=")).toEqual(Buffer.from("hello"));
    expect(decodeBase64("aGVsbG8")).toEqual(Buffer.from("hello"));
    expect(decodeBase64("-_8=")).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64("aGV sbG8=")).toBeUndefined();
    expect(decodeBase64("a")).toBeUndefined();
  });
});
