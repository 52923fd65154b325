import { describe, expect, it } from "vitest";
import { LimitError } from "../core/errors.js";
import { DEFAULT_LIMITS } from "../core/limits.js";
import { BoundedCollector, OutputGuard, isMemberLimit } from "./output-guard.js";

const limits = { ...DEFAULT_LIMITS, maxMemberBytes: 1000, ratioGraceBytes: 100, maxCompressionRatio: 10 };

describe("OutputGuard", () => {
  it("stops at the member size", () => {
    const g = new OutputGuard({ what: "m", compressedSize: 10_000, limits });
    g.add(1000);
    expect(() => g.add(1)).toThrow(LimitError);
  });

  it("checks the ratio only after the grace bytes", () => {
    const g = new OutputGuard({ what: "m", compressedSize: 1, limits });
    g.add(100);
    let err: unknown;
    try {
      g.add(1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    expect((err as LimitError).limit).toBe("maxCompressionRatio");
    expect(isMemberLimit(err)).toBe(true);
  });

  it("charges the total and lets its error through", () => {
    let charged = 0;
    const g = new OutputGuard({
      what: "m",
      compressedSize: 1000,
      limits,
      charge: (n) => {
        charged += n;
        if (charged > 50) throw new LimitError("maxTotalBytes", charged, 50);
      },
    });
    g.add(50);
    expect(() => g.add(1)).toThrow(/maxTotalBytes/);
  });

  it("collects chunks into one buffer", () => {
    const c = new BoundedCollector(new OutputGuard({ what: "m", compressedSize: 1000, limits }));
    c.push(Buffer.from("ab"));
    c.push(Buffer.from("cd"));
    expect(c.toBuffer().toString()).toBe("abcd");
    expect(c.size).toBe(4);
  });
});
