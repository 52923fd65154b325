import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkpointText,
  ed25519PrivateKeyFromSeed,
  loadOrCreateLogKey,
  noteSigner,
  noteVerifier,
  openNote,
  parseCheckpointText,
  parseNote,
  parseVerifierKeyString,
  signCheckpoint,
  signNote,
  verifierKeyString,
  verifyCheckpointNote,
} from "./checkpoint.js";
import { leafHash } from "./merkle.js";

/**
 * The signed-note example of Go's golang.org/x/mod/sumdb/note (note.go package documentation and
 * note_test.go): the key pair PeterNeumann and the note it signs. Ed25519 is deterministic, so signing the same
 * text with the same key must give the published note byte for byte.
 */
const GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goSigner(): ReturnType<typeof noteSigner> {
  const material = Buffer.from(GO_SIGNER_KEY.split("+").slice(4).join("+"), "base64");
  expect(material[0]).toBe(1);
  return noteSigner("PeterNeumann", ed25519PrivateKeyFromSeed(material.subarray(1)));
}

describe("C2SP signed notes (Go sumdb/note vector)", () => {
  it("signs the Go example byte for byte and derives its key ID and verifier key", () => {
    const signer = goSigner();
    expect(signer.keyId.toString("hex")).toBe("c74f20a3");
    expect(verifierKeyString(signer)).toBe(GO_VERIFIER_KEY);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
  });

  it("opens the Go note with the Go verifier key and refuses any change", () => {
    const v = parseVerifierKeyString(GO_VERIFIER_KEY);
    expect(openNote(GO_NOTE, v).text).toBe(GO_TEXT);
    expect(() => openNote(GO_NOTE.replace("cryptography", "cryptographY"), v)).toThrow(/does not verify/);
    expect(() => openNote(GO_NOTE.replace("x08go", "x08gp"), v)).toThrow(/does not verify|not signed by/);
    // Same name, other key: its signature is not one of ours.
    const other = noteVerifier("PeterNeumann", generateKeyPairSync("ed25519").publicKey);
    expect(() => openNote(GO_NOTE, other)).toThrow(/not signed by the trusted key/);
    expect(() => parseVerifierKeyString(GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a4"))).toThrow(/does not match/);
  });

  it("ignores signatures of unknown keys next to a valid one", () => {
    const signer = goSigner();
    const stranger = noteSigner("stranger.example", generateKeyPairSync("ed25519").privateKey);
    const both = `${signNote(GO_TEXT, stranger)}${signNote(GO_TEXT, signer).slice(GO_TEXT.length + 1)}`;
    expect(parseNote(both).signatures.map((s) => s.name)).toEqual(["stranger.example", "PeterNeumann"]);
    expect(openNote(both, parseVerifierKeyString(GO_VERIFIER_KEY)).text).toBe(GO_TEXT);
  });

  it("refuses malformed notes", () => {
    expect(() => parseNote("no blank line\n— a AAAAAAA=\n")).toThrow(/blank line/);
    expect(() => parseNote("text\n\n— a !!!!\n")).toThrow(/base64/);
    expect(() => parseNote("text\n\n— a AAAA\n")).toThrow(/too short/);
    expect(() => parseNote("te\u0001xt\n\n— a AAAAAAA=\n")).toThrow(/control/);
    expect(() => parseNote("text\n\n- a AAAAAAA=\n")).toThrow(/malformed note signature/);
    expect(() => signNote("no newline", goSigner())).toThrow(/newline/);
  });
});

describe("checkpoints", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("formats and parses the tlog-checkpoint text", () => {
    const root = leafHash("x");
    const text = checkpointText("example.com/log", 42, root);
    expect(text).toBe(`example.com/log\n42\n${root.toString("base64")}\n`);
    const body = parseCheckpointText(text);
    expect(body).toEqual({ origin: "example.com/log", size: 42, rootHash: root, extensions: [] });
    expect(() => parseCheckpointText("o\n042\nAAAA\n")).toThrow(/tree size/);
    expect(() => parseCheckpointText(`o\n1\n${root.toString("base64").slice(0, -4)}\n`)).toThrow(/root hash/);
    expect(() => parseCheckpointText("o\n1\n")).toThrow(/three lines/);
    expect(() => checkpointText("has space", 1, root)).toThrow(/spaces/);
    expect(() => checkpointText("has+plus", 1, root)).toThrow(/spaces/);
  });

  it("creates the key once (0600, in a 0700 folder), reuses it and verifies its checkpoints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-ckpt-"));
    dirs.push(dir);
    const keyDir = join(dir, "keys");
    const [a, b] = await Promise.all([loadOrCreateLogKey(keyDir, "gate.example/audit"), loadOrCreateLogKey(keyDir, "gate.example/audit")]);
    expect(a.publicKeyPem).toBe(b.publicKeyPem);
    expect(statSync(a.keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    const again = await loadOrCreateLogKey(keyDir, "gate.example/audit");
    expect(again.publicKeyPem).toBe(a.publicKeyPem);

    const root = leafHash("root");
    const cp = signCheckpoint(a.signer, 7, root, "2026-01-01T00:00:00.000Z");
    expect(cp).toMatchObject({ origin: "gate.example/audit", size: 7, rootHash: root.toString("base64"), keyId: a.signer.keyId.toString("hex") });
    expect(Buffer.from(cp.signature, "base64")).toHaveLength(64);
    const verifier = noteVerifier("gate.example/audit", a.publicKeyPem);
    const body = verifyCheckpointNote(cp.note, verifier);
    expect(body.size).toBe(7);
    expect(body.rootHash.equals(root)).toBe(true);

    // Changing the size or the root in the note breaks the signature; another key does not verify it.
    expect(() => verifyCheckpointNote(cp.note.replace("\n7\n", "\n8\n"), verifier)).toThrow(/does not verify/);
    const forged = signCheckpoint(noteSigner("gate.example/audit", generateKeyPairSync("ed25519").privateKey), 7, root, cp.timestamp);
    expect(() => verifyCheckpointNote(forged.note, verifier)).toThrow(/not signed by the trusted key/);
    // A note signed under another name (origin) is refused even with the same key.
    const renamed = signCheckpoint(noteSigner("other.example/log", a.signer.privateKey), 7, root, cp.timestamp);
    expect(() => verifyCheckpointNote(renamed.note, verifier)).toThrow(/not signed by the trusted key/);
  });
});
