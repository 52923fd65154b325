import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip } from "../../../test/fixtures/archive/zip-builder.js";
import { updateDatabase } from "./update.js";

const record = JSON.stringify({ id: "PYSEC-1", modified: "2024-01-01T00:00:00Z", affected: [{ package: { name: "torch", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0" }] }] }] });

describe("updateDatabase online: the download's address is checked on every hop", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const zip = buildZip([{ name: "PYSEC-1.json", data: record, method: 8 }]);
    server = createServer((req, res) => {
      if (req.url === "/metadata") return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/all.zip" }).end();
      if (req.url === "/other-loopback") return void res.writeHead(302, { location: `http://127.0.0.2:${(server.address() as { port: number }).port}/all.zip` }).end();
      if (req.url === "/moved") return void res.writeHead(301, { location: "/all.zip" }).end();
      res.writeHead(200, { "content-length": zip.length }).end(zip);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("refuses loopback by default, and redirects to metadata or other internal addresses even when the first host is allowed", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-update-ssrf-"));
    await expect(updateDatabase({ db: join(work, "a"), from: `${base}/all.zip`, allowInternalHosts: [] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(updateDatabase({ db: join(work, "b"), from: `${base}/metadata`, allowInternalHosts: ["127.0.0.1"] })).rejects.toThrow(/cloud metadata/);
    await expect(updateDatabase({ db: join(work, "c"), from: `${base}/other-loopback`, allowInternalHosts: ["127.0.0.1"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const ok = await updateDatabase({ db: join(work, "d"), from: `${base}/moved`, allowInternalHosts: ["127.0.0.1"] });
    expect(ok.metadata.records).toBe(1);
  });
});
