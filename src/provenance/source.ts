import { ModelgateError } from "../core/errors.js";

/** Where a model came from, as recorded in its provenance. */
export interface ModelSource {
  /** As the user gave it. */
  source: string;
  kind: "huggingface" | "url";
  /** huggingface: "org/name" */
  repository?: string;
  /** A branch, tag or commit; for Hugging Face a 40-hex commit pins the exact files. */
  revision?: string;
  /** The SLSA resolvedDependencies uri. */
  uri: string;
  /** Digests the source itself names (gitCommit for a pinned Hugging Face revision). */
  digest: Record<string, string>;
}

const HF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * Parses `hf://org/name@revision` (Hugging Face; a revision can also come from `revision`) or an absolute
 * URL with a scheme (https://, s3://, oci://, …). Throws INVALID_OPTION saying what is wrong.
 */
export function parseModelSource(source: string, revision?: string): ModelSource {
  const s = source.trim();
  if (s.startsWith("hf://")) {
    const rest = s.slice("hf://".length);
    const at = rest.indexOf("@");
    const repo = at === -1 ? rest : rest.slice(0, at);
    const rev = at === -1 ? revision : rest.slice(at + 1);
    if (at !== -1 && revision !== undefined && revision !== rev) {
      throw new ModelgateError("INVALID_OPTION", `the source names revision ${rev} but --revision says ${revision}`);
    }
    const parts = repo.split("/");
    if (parts.length > 2 || parts.length === 0 || !parts.every((p) => HF_NAME.test(p))) {
      throw new ModelgateError("INVALID_OPTION", `"${source}" is not a Hugging Face source: use hf://org/name@revision`);
    }
    if (rev !== undefined && !REVISION.test(rev)) throw new ModelgateError("INVALID_OPTION", `"${rev}" is not a valid revision`);
    const uri = `git+https://huggingface.co/${repo}${rev ? `@${rev}` : ""}`;
    return {
      source: s,
      kind: "huggingface",
      repository: repo,
      ...(rev ? { revision: rev } : {}),
      uri,
      digest: rev && COMMIT.test(rev) ? { gitCommit: rev } : {},
    };
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ModelgateError("INVALID_OPTION", `"${source}" is neither hf://org/name@revision nor a URL`);
  }
  if (!/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || url.protocol === "file:" || !s.includes("://")) {
    throw new ModelgateError("INVALID_OPTION", `"${source}" is not a remote URL (expected https://…, s3://…, hf://…)`);
  }
  if (url.username || url.password) throw new ModelgateError("INVALID_OPTION", "the source URL holds credentials; give it without them");
  if (revision !== undefined && !REVISION.test(revision)) throw new ModelgateError("INVALID_OPTION", `"${revision}" is not a valid revision`);
  return { source: s, kind: "url", ...(revision ? { revision } : {}), uri: s, digest: revision && COMMIT.test(revision) ? { gitCommit: revision } : {} };
}
