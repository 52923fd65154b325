/**
 * `modelgate pull`, the consumer side of the gate: an approved version comes down with every SHA-256 and the
 * server's signature checked; anything held back, tampered with or signed by another key leaves nothing behind.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { checkListing, parseVersionRef, pullVersion } from "../../src/client/pull.js";
import { pushModel, waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { verify } from "../../src/sign/verify.js";
import { clearBlobCorrupt } from "../../src/server/db/corrupt-blobs.js";
import { Api } from "./client.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** Calls a class nobody vouched for: quarantined by the default policy. */
const SUSPICIOUS = Buffer.from("cmylib.layers\nDense\n)R.", "latin1");

describe("modelgate pull", () => {
  let dataDir: string;
  let work: string;
  let server: GateServer;
  let publisher: string;
  let consumer: string;
  let serverKey: string;
  const model = (name: string) => join(work, "models", name);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-pull-"));
    work = mkdtempSync(join(tmpdir(), "mg-pull-work-"));
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100 });
    const admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "vision" });
    publisher = (await admin.post<{ token: string }>("/api/v1/tokens", { name: "ci", roles: [{ project: "vision", role: "publisher" }] })).body.token;
    consumer = (await admin.post<{ token: string }>("/api/v1/tokens", { name: "app", roles: [{ project: "vision", role: "consumer" }] })).body.token;
    serverKey = join(work, "server.pub");
    writeFileSync(serverKey, (await admin.get<{ publicKeyPem: string }>("/api/v1/server-key")).body.publicKeyPem);

    mkdirSync(join(model("resnet"), "tokenizer"), { recursive: true });
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(model("resnet"), "model.safetensors"));
    writeFileSync(join(model("resnet"), "tokenizer", "vocab.txt"), "a\nb\nc\n");
    mkdirSync(model("legacy"));
    writeFileSync(join(model("legacy"), "model.pkl"), SUSPICIOUS);
    const push = async (name: string, version: string) => {
      await pushModel(model(name), { url: server.url, token: publisher, project: "vision", model: name, version });
      return (await waitForVerdict(server.url, publisher, "vision", name, version, 60_000, 100)).status;
    };
    expect(await push("resnet", "1.0.0")).toBe("approved");
    expect(await push("legacy", "1.0.0")).toBe("quarantined");
    expect(await push("legacy", "2.0.0")).toBe("quarantined");
    expect((await admin.post("/api/v1/projects/vision/models/legacy/versions/2.0.0/release", { reason: "class vetted by the platform team" })).status).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const leftovers = () => readdirSync(work).filter((n) => n.includes(".partial-"));

  it("pulls an approved version byte for byte, with the server's signature verified and kept for offline checks", async () => {
    const out = join(work, "resnet-pinned");
    const r = await pullVersion({ url: server.url, token: consumer, project: "vision", model: "resnet", version: "1.0.0", out, publicKeyPem: readFileSync(serverKey, "utf8") });
    expect(r).toMatchObject({ status: "approved", files: 2, signature: { status: "verified", keySource: "pinned", path: join(out, "model.sig") } });
    expect(readFileSync(join(out, "model.safetensors"))).toEqual(readFileSync(join(model("resnet"), "model.safetensors")));
    expect(readFileSync(join(out, "tokenizer", "vocab.txt"), "utf8")).toBe("a\nb\nc\n");
    // Offline, later: the folder still verifies with the pinned key (model.sig is verify's default path).
    expect((await verify(out, { publicKey: readFileSync(serverKey) })).verified).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("refuses a quarantined version with the server's reasons, and writes nothing", async () => {
    const out = join(work, "legacy-1");
    await expect(pullVersion({ url: server.url, token: consumer, project: "vision", model: "legacy", version: "1.0.0", out })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/legacy@1\.0\.0 is quarantined: .*pickle\/unknown-global-call/),
    });
    expect(existsSync(out)).toBe(false);
  });

  it("pulls a released version unsigned, saying who released it and why", async () => {
    const out = join(work, "legacy-2");
    const r = await pullVersion({ url: server.url, token: consumer, project: "vision", model: "legacy", version: "2.0.0", out });
    expect(r.signature).toMatchObject({ status: "unsigned", released: { reason: "class vetted by the platform team" } });
    expect(readFileSync(join(out, "model.pkl"))).toEqual(SUSPICIOUS);
    expect(existsSync(join(out, "model.sig"))).toBe(false);
  });

  it("fails closed when the signature was made by another key than the pinned one", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const out = join(work, "resnet-otherkey");
    await expect(pullVersion({ url: server.url, token: consumer, project: "vision", model: "resnet", version: "1.0.0", out, publicKeyPem: other })).rejects.toMatchObject({
      code: "VERIFICATION_FAILED",
      message: expect.stringMatching(/signature does not verify .*with the pinned key/),
    });
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("detects a blob changed in the server's storage, names the file and keeps nothing", async () => {
    const sha = (await new Api(server.url, consumer).get<{ files: { path: string; sha256: string }[] }>("/api/v1/projects/vision/models/resnet/versions/1.0.0")).body.files.find((f) => f.path === "tokenizer/vocab.txt")!.sha256;
    const blob = join(dataDir, "blobs", sha.slice(0, 2), sha.slice(2));
    const original = readFileSync(blob);
    writeFileSync(blob, "a\nb\nX\n");
    try {
      const out = join(work, "resnet-tampered");
      // The server verifies the blob while serving it and refuses (storage integrity); the client never keeps it.
      await expect(pullVersion({ url: server.url, token: consumer, project: "vision", model: "resnet", version: "1.0.0", out })).rejects.toThrow(
        /no longer match their digest|tokenizer\/vocab\.txt: the downloaded bytes hash to sha256:/,
      );
      expect(existsSync(out)).toBe(false);
      expect(leftovers()).toEqual([]);
    } finally {
      writeFileSync(blob, original);
      await clearBlobCorrupt(server.db, sha); // the operator restored it
    }
  });

  it("stops on abort (Ctrl-C) and removes its temporary folder", async () => {
    const out = join(work, "resnet-aborted");
    const ac = new AbortController();
    const pulling = pullVersion({ url: server.url, token: consumer, project: "vision", model: "resnet", version: "1.0.0", out, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(pulling).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("refuses hostile file listings and bad references before writing anything", () => {
    const ok = { size: 1, sha256: "a".repeat(64) };
    expect(() => checkListing([{ path: "../../.bashrc", ...ok }])).toThrow(/"\.\." segment/);
    expect(() => checkListing([{ path: "/etc/passwd", ...ok }])).toThrow(/absolute path/);
    expect(() => checkListing([{ path: "a\\b", ...ok }])).toThrow(/backslash/);
    expect(() => checkListing([{ path: "a", ...ok }, { path: "a", ...ok }])).toThrow(/listed a twice/);
    expect(() => checkListing([{ path: "a", ...ok }, { path: "a/b", ...ok }])).toThrow(/both as a file and as a folder/);
    expect(() => checkListing([{ path: "a", size: 1, sha256: "zz" }])).toThrow(/without a SHA-256/);
    expect(() => checkListing([{ path: "a", size: -1, sha256: ok.sha256 }])).toThrow(/valid size/);
    expect(() => checkListing([])).toThrow(/no files/);
    expect(parseVersionRef("vision/resnet@1.0.0")).toEqual({ project: "vision", model: "resnet", version: "1.0.0" });
    expect(() => parseVersionRef("vision/resnet")).toThrow(/PROJECT\/MODEL@VERSION/);
    expect(() => parseVersionRef("vision/../x@1")).toThrow();
  });

  it("as a command: exit 0 with a summary, 2 for a non-empty --out or a held version, 1 for a wrong key", async () => {
    const env = { MODELGATE_TOKEN: consumer };
    const out = join(work, "cli-resnet");
    const ok = await runCli(["pull", "vision/resnet@1.0.0", "--from", server.url, "-o", out], env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/pulled vision\/resnet@1\.0\.0 \(approved\) into .*: 2 file\(s\)/);
    expect(ok.stdout).toContain("not pinned");
    const again = await runCli(["pull", "vision/resnet@1.0.0", "--from", server.url, "-o", out], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("exists and is not an empty folder");
    const held = await runCli(["pull", "vision/legacy@1.0.0", "--from", server.url, "-o", join(work, "cli-legacy")], env);
    expect(held.code).toBe(2);
    expect(held.stderr).toMatch(/is quarantined/);
    const wrongKey = join(work, "wrong.pub");
    writeFileSync(wrongKey, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString());
    const bad = await runCli(["pull", "vision/resnet@1.0.0", "--from", server.url, "-o", join(work, "cli-bad"), "--public-key", wrongKey, "--format", "json"], env);
    expect(bad.code).toBe(1);
    expect(existsSync(join(work, "cli-bad"))).toBe(false);
    const json = await runCli(["pull", "vision/legacy@2.0.0", "--from", server.url, "-o", join(work, "cli-legacy2"), "--format", "json"], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "quarantined", signature: { status: "unsigned" } });
  });
});
