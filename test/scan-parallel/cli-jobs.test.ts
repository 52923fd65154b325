/** `modelgate scan --jobs N`: the same report whatever the number of threads; a bad number is a usage error. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pickle } from "../../src/analyzers/pickle/testing/assembler.js";

const BIN = new URL("../../bin/modelgate.js", import.meta.url).pathname;

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The report without what differs from run to run (time, duration). */
function stable(json: string): unknown {
  const r = JSON.parse(json) as { createdAt?: string; summary: { durationMs?: number } };
  delete r.createdAt;
  delete r.summary.durationMs;
  return r;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-jobs-"));
  // Enough work for the pool to start workers (more than WORKERS_PAY_AFTER_MS on one thread: 200 lists of 100,000
  // ints each), one file malicious.
  const ints = Buffer.concat([Buffer.from("80025d710028", "hex"), Buffer.alloc(200_000, Buffer.from("4b01", "hex")), Buffer.from("652e", "hex")]);
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, `m${String(i).padStart(3, "0")}.pkl`), ints);
  writeFileSync(join(dir, "m100.pkl"), pickle(2).global("os", "system").str("id").tuple1().reduce().stop().done());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("modelgate scan --jobs", () => {
  it("gives the same report and exit code on one thread as on several", () => {
    const one = run("scan", dir, "--format", "json", "--jobs", "1");
    const many = run("scan", dir, "--format", "json", "--jobs", "4");
    expect(one.code).toBe(1);
    expect(many.code).toBe(1);
    expect(stable(many.stdout)).toEqual(stable(one.stdout));
  });

  it("refuses a number that is not a whole number from 1 to 64", () => {
    for (const bad of ["0", "-1", "2.5", "many", "65"]) {
      const r = run("scan", dir, "--jobs", bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--jobs ${bad}`);
    }
  });
});
