import { parseDocument } from "yaml";
import { ModelgateError } from "../../core/errors.js";
import { loadPolicy } from "../../check/index.js";

/**
 * Refuses a policy that would not load (400 with the line): YAML syntax first, then the policy engine's own loader
 * (schema, rule ids, CEL expressions).
 */
export async function validatePolicyText(text: string, file: string): Promise<void> {
  if (text.length > 1_000_000) throw new ModelgateError("POLICY_INVALID", `${file}: a policy is at most 1 MB`);
  const doc = parseDocument(text, { prettyErrors: true, strict: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new ModelgateError("POLICY_INVALID", `${file}${line !== undefined ? `:${line}` : ""}: ${err.message.split("\n")[0]}`);
  }
  try {
    await loadPolicy({ text, file });
  } catch (e) {
    throw new ModelgateError("POLICY_INVALID", (e as Error).message, { cause: e });
  }
}
