import type { ModelMetadata } from "./types.js";

/** A dataset the card names: for training (`datasets`) and/or evaluation (model-index results). */
export interface DatasetRef {
  id: string;
  training: boolean;
  evaluation: boolean;
  /** The organisation of a Hub id "ORG/NAME". */
  org?: string;
  /** https://huggingface.co/datasets/ID when the id looks like a Hub id. */
  url?: string;
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$/;

/** Training datasets first, then evaluation-only ones, each once. */
export function datasetsOf(meta: Pick<ModelMetadata, "datasets" | "results">): DatasetRef[] {
  const out = new Map<string, DatasetRef>();
  const add = (id: string, use: "training" | "evaluation"): void => {
    let d = out.get(id);
    if (!d) {
      const hub = HUB_ID.test(id);
      const slash = id.indexOf("/");
      d = {
        id,
        training: false,
        evaluation: false,
        ...(hub && slash > 0 ? { org: id.slice(0, slash) } : {}),
        ...(hub ? { url: `https://huggingface.co/datasets/${id}` } : {}),
      };
      out.set(id, d);
    }
    d[use] = true;
  };
  for (const id of meta.datasets) add(id, "training");
  for (const r of meta.results) if (r.dataset) add(r.dataset, "evaluation");
  return [...out.values()];
}

/** https://huggingface.co/ORG/NAME for a model whose Hub identity is known. */
export function modelUrl(meta: Pick<ModelMetadata, "org" | "name" | "identitySource">): string | undefined {
  if (meta.identitySource === "folder") return undefined;
  return `https://huggingface.co/${meta.org ? `${meta.org}/` : ""}${meta.name}`;
}
