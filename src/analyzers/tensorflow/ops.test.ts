import { describe, expect, it } from "vitest";
import { INTERNAL_TF_OPS, isStandardOp, RISKY_TF_OPS } from "./ops.js";
import { STANDARD_OPS_SOURCE, STANDARD_TF_OPS } from "./standard-ops.js";

describe("TensorFlow op data", () => {
  it("the standard op list is sorted, unique and from the registry", () => {
    expect(STANDARD_OPS_SOURCE).toMatch(/^TensorFlow \d+\.\d+\.\d+$/);
    expect(STANDARD_TF_OPS.length).toBeGreaterThan(1400);
    expect([...STANDARD_TF_OPS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(STANDARD_TF_OPS);
    expect(new Set(STANDARD_TF_OPS).size).toBe(STANDARD_TF_OPS.length);
    for (const op of ["Const", "MatMul", "StatefulPartitionedCall", "VarHandleOp", "SaveV2", "PyFunc"]) expect(isStandardOp(op)).toBe(true);
    expect(isStandardOp("MyCustomOp")).toBe(false);
  });

  it("every risky op is a real TensorFlow op with a reason", () => {
    for (const [op, risky] of RISKY_TF_OPS) {
      expect(STANDARD_TF_OPS, op).toContain(op);
      expect(risky.reason.length, op).toBeGreaterThan(10);
    }
    for (const op of ["PyFunc", "PyFuncStateless", "EagerPyFunc"]) expect(RISKY_TF_OPS.get(op)?.category).toBe("python");
    for (const op of ["SaveV2", "RestoreV2", "MergeV2Checkpoints"]) expect(RISKY_TF_OPS.get(op)?.checkpoint).toBe(true);
  });

  it("internal ops are reserved '_' names outside the registry dump", () => {
    for (const op of INTERNAL_TF_OPS.keys()) {
      expect(op.startsWith("_")).toBe(true);
      expect(STANDARD_TF_OPS).not.toContain(op);
    }
  });
});
