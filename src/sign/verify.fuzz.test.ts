/** Mutated signatures and certificates: verification never throws anything but ModelgateError, and never verifies. */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { parseBundle } from "./format/bundle.js";
import { parseStatement } from "./format/statement.js";
import { defaultTrustedRoot } from "./methods/sigstore.js";
import { sign } from "./sign.js";
import { verify } from "./verify.js";
import { parseCertificate } from "./x509/certificate.js";
import { mutateBytes, prng } from "../../test/helpers/fuzz.js";

const expectModelgateError = (e: unknown) => {
  if (!(e instanceof ModelgateError)) throw e;
};

describe("fuzz", () => {
  let dir: string;
  let model: string;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  let bundle: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-sign-fuzz-"));
    model = join(dir, "m");
    mkdirSync(model);
    writeFileSync(join(model, "a"), "a");
    writeFileSync(join(model, "b"), "b");
    await sign(model, { privateKey, signaturePath: join(dir, "good.sig") });
    bundle = readFileSync(join(dir, "good.sig"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("parseBundle and parseStatement on 3000 mutated bundles", () => {
    const rnd = prng(1);
    for (let i = 0; i < 3000; i++) {
      try {
        const b = parseBundle(mutateBytes(bundle, rnd), "fuzz");
        parseStatement(mutateBytes(b.payload, rnd));
      } catch (e) {
        expectModelgateError(e);
      }
    }
  });

  it("verify() on 300 mutated signature files never verifies a changed signature", async () => {
    const rnd = prng(2);
    const sig = join(dir, "fuzz.sig");
    for (let i = 0; i < 300; i++) {
      const m = mutateBytes(bundle, rnd);
      writeFileSync(sig, m);
      try {
        const r = await verify(model, { publicKey, signaturePath: sig });
        if (r.verified) {
          // Only a mutation that leaves the signed content and signature intact may verify (e.g. JSON whitespace).
          const a = parseBundle(m, "x");
          const b = parseBundle(bundle, "y");
          expect(a.payload.equals(b.payload) && a.signature.equals(b.signature)).toBe(true);
        }
      } catch (e) {
        expectModelgateError(e);
      }
    }
  });

  it("parseCertificate on 3000 mutated certificates (from the built-in trusted root)", () => {
    const root = defaultTrustedRoot() as { certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[] };
    const certs = root.certificateAuthorities.flatMap((ca) => ca.certChain.certificates.map((c) => Buffer.from(c.rawBytes, "base64")));
    expect(certs.length).toBeGreaterThan(0);
    for (const c of certs) expect(parseCertificate(c).basicConstraints?.ca).toBe(true);
    const rnd = prng(3);
    for (let i = 0; i < 3000; i++) {
      try {
        parseCertificate(mutateBytes(certs[i % certs.length]!, rnd));
      } catch (e) {
        expectModelgateError(e);
      }
    }
  });
});
