import type { BuiltinRule } from "./rule.js";

export const signatureVerified: BuiltinRule = {
  id: "signature.verified",
  title: "Signed by a trusted signer, files unchanged",
  applies: (doc) => doc.signature !== undefined,
  needs: ["signature"],
  evaluate({ facts, policy }) {
    const cfg = policy.document.signature!;
    const m = policy.material;
    const hasMaterial = m.keys.length > 0 || m.certificateRoots.length > 0 || (cfg.identities?.length ?? 0) > 0;
    const sig = facts.signature;
    const required = cfg.required === true;
    if (!sig.present) {
      return required
        ? [{ status: "fail", message: `no signature (looked for ${sig.path ?? "model.sig"}); sign the model with \`modelgate sign\`` }]
        : [{ status: "skipped", message: "no signature, and signature.required is false" }];
    }
    if (!hasMaterial) {
      const text = "the policy names nothing to verify the signature with: add signature.keys, signature.certificate_roots or signature.identities";
      return [required ? { status: "error", message: text } : { status: "skipped", message: `a signature is present but ${text}` }];
    }
    if (!sig.verified) return [{ status: "fail", message: `signature ${sig.path ?? ""} does not verify: ${sig.error ?? "unknown reason"}` }];
    if (cfg.methods && sig.method && !cfg.methods.includes(sig.method as never)) {
      return [{ status: "fail", message: `signed with the ${sig.method} method; signature.methods allows ${cfg.methods.join(", ")}` }];
    }
    const who = sig.identity ? `${sig.identity}${sig.issuer ? ` (${sig.issuer})` : ""}` : sig.keyId ? `key ${sig.keyId}` : "a trusted signer";
    return [{ status: "pass", message: `signature verified (${sig.method}): signed by ${who}; no file changed, added or removed` }];
  },
};
