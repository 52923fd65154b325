import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { exitForError, writeReport } from "./output.js";

describe("writeReport / exitForError", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes to the file, to standard output without one, and says when the file cannot be written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-output-"));
    try {
      expect(await writeReport("a report\n", join(dir, "r.txt"))).toBe(true);
      expect(readFileSync(join(dir, "r.txt"), "utf8")).toBe("a report\n");
      let out = "";
      let err = "";
      vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
      vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      expect(await writeReport("to stdout\n", undefined)).toBe(true);
      expect(out).toBe("to stdout\n");
      expect(await writeReport("x", join(dir, "missing", "r.txt"))).toBe(false);
      expect(err).toMatch(/cannot write the report to .*missing.*r\.txt/);
      err = "";
      expect(exitForError(new ModelgateError("PATH_NOT_FOUND", "m.pt: no such file"))).toBe(2);
      expect(err).toBe("modelgate: m.pt: no such file\n");
      expect(() => exitForError(new TypeError("a bug"))).toThrow("a bug");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
