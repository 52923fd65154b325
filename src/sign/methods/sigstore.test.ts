import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

const attest = vi.fn();
vi.mock("sigstore", () => ({ attest }));

const { defaultTrustedRoot, parseTrustRoot, signWithSigstore } = await import("./sigstore.js");

const TRUST = new URL("../../../../shared/interop/model-signing/trust/", import.meta.url).pathname;

describe("keyless signing (sigstore-js mocked: no network in tests)", () => {
  afterEach(() => {
    attest.mockReset();
    vi.unstubAllEnvs();
  });

  it("asks sigstore-js for a DSSE attestation of the in-toto payload and writes its bundle compactly", async () => {
    const bundle = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: {}, dsseEnvelope: {} };
    attest.mockResolvedValue(bundle);
    const out = await signWithSigstore(Buffer.from("{}"), { identityToken: "tok", rekorURL: "https://rekor.example" });
    expect(attest).toHaveBeenCalledWith(Buffer.from("{}"), "application/vnd.in-toto+json", { identityToken: "tok", rekorURL: "https://rekor.example" });
    expect(out).toBe(JSON.stringify(bundle));
  });

  it("takes the token from SIGSTORE_ID_TOKEN", async () => {
    vi.stubEnv("SIGSTORE_ID_TOKEN", "env-token");
    attest.mockResolvedValue({});
    await signWithSigstore(Buffer.from("{}"), {});
    expect(attest.mock.calls[0]![2]).toEqual({ identityToken: "env-token" });
  });

  it("a service failure is SIGNING_FAILED", async () => {
    attest.mockRejectedValue(new Error("fulcio said no"));
    await expect(signWithSigstore(Buffer.from("{}"), { identityToken: "t" })).rejects.toMatchObject({ code: "SIGNING_FAILED", message: expect.stringContaining("fulcio said no") as unknown });
  });
});

describe("trust roots", () => {
  it("the default is the public-good trusted root shipped in @sigstore/tuf's seeds (no network)", () => {
    const root = defaultTrustedRoot();
    expect(root.mediaType).toBe("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    expect(Array.isArray(root.tlogs)).toBe(true);
  });

  it.skipIf(!existsSync(TRUST))("equals the README's public_good_trusted_root.json", () => {
    expect(defaultTrustedRoot()).toEqual(JSON.parse(readFileSync(`${TRUST}public_good_trusted_root.json`, "utf8")));
  });

  it.skipIf(!existsSync(TRUST))("reads a ClientTrustConfig's trustedRoot", () => {
    const root = parseTrustRoot(readFileSync(`${TRUST}custom_trust_config.json`));
    expect(root.mediaType).toMatch(/trustedroot/);
  });

  it("refuses what is not a trusted root", () => {
    expect(() => parseTrustRoot("nope")).toThrow(/not JSON/);
    expect(() => parseTrustRoot('{"mediaType":"application/json"}')).toThrow(/not a Sigstore trusted root/);
    expect(() => parseTrustRoot('{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"}')).toThrow(/without a trustedRoot/);
  });
});
