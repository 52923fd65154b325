import { describe, expect, it } from "vitest";
import { Blob } from "../protobuf/schema.js";
import { checkTensor, expectedBytes } from "./tensor-check.js";

describe("expectedBytes", () => {
  it("multiplies dims by the element size, packing sub-byte types", () => {
    expect(expectedBytes([4, 8], 1)).toEqual({ bytes: 128n });
    expect(expectedBytes([], 11)).toEqual({ bytes: 8n });
    expect(expectedBytes([3], 22)).toEqual({ bytes: 2n }); // INT4: 12 bits
    expect(expectedBytes([5], 26)).toEqual({ bytes: 2n }); // INT2: 10 bits
    expect(expectedBytes([2], 8)).toBeUndefined(); // STRING
    expect(expectedBytes([-1, 4], 1)).toEqual({ invalid: "invalid dimension -1" });
    expect(expectedBytes([Infinity], 1)).toEqual({ invalid: "invalid dimension Infinity" });
    expect(expectedBytes([2 ** 40, 2 ** 40], 1)).toEqual({ bytes: 2n ** 82n });
  });
});

describe("checkTensor", () => {
  it("accepts matching raw_data and typed data", () => {
    expect(checkTensor({ dims: [2, 2], dataType: 1, rawData: new Blob(0, 16) })).toMatchObject({ sizeProblems: [], suspicious: [], refs: [] });
    expect(checkTensor({ dims: [3], dataType: 1, floatData: [new Blob(0, 12)] }).sizeProblems).toEqual([]);
    expect(checkTensor({ dims: [2], dataType: 14, floatData: [new Blob(0, 16)] }).sizeProblems).toEqual([]); // COMPLEX64
  });

  it("reports raw_data, typed data and external lengths that do not match", () => {
    expect(checkTensor({ dims: [2, 2], dataType: 1, rawData: new Blob(0, 15) }).sizeProblems).toHaveLength(1);
    expect(checkTensor({ dims: [3], dataType: 11, doubleData: [new Blob(0, 8)] }).sizeProblems).toHaveLength(1);
    const ext = checkTensor({
      dims: [4],
      dataType: 1,
      dataLocation: 1,
      externalData: [
        { key: "location", value: "w.bin" },
        { key: "length", value: "12" },
      ],
    });
    expect(ext.sizeProblems).toEqual(["external length 12 bytes, but dims and data type make 16 bytes"]);
    expect(ext.refs).toEqual([{ location: "w.bin", verdict: { kind: "inside", normalized: "w.bin" } }]);
  });

  it("checks every location entry, and oversized or missing ones", () => {
    const t = checkTensor({ dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: "ok.bin" }, { key: "location", value: "../x" }] });
    expect(t.refs.map((r) => r.verdict.kind)).toEqual(["inside", "escapes"]);
    expect(checkTensor({ dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: new Blob(0, 99999) }] }).suspicious).toEqual([
      "external data location is 99999 bytes long",
    ]);
    expect(checkTensor({ dims: [1], dataType: 1, dataLocation: 1 }).suspicious).toEqual(["data_location is EXTERNAL but no location is given"]);
  });
});
