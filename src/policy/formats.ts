import { FORMAT_IDS, type FormatId } from "../core/format.js";

/**
 * Named groups of formats a policy may allow or deny ("deny: [pickle-based]"). Reviewed data: a group says
 * what the formats have in common, not where they come from.
 */
export const FORMAT_GROUPS: Readonly<Record<string, { description: string; formats: readonly FormatId[] }>> = Object.freeze({
  "pickle-based": {
    description: "formats whose loading runs Python pickle (arbitrary code on load)",
    formats: ["pickle", "pytorch-legacy", "pytorch-zip", "torchscript", "joblib"],
  },
  executables: { description: "native programs, including llamafile", formats: ["executable", "llamafile"] },
  archives: { description: "archives holding other files", formats: ["zip", "tar", "7z"] },
  compressed: { description: "single compressed streams", formats: ["gzip", "xz", "bzip2", "lzma", "zlib"] },
  "weights-only": { description: "tensor formats that hold no code", formats: ["safetensors", "gguf", "onnx", "tflite"] },
  documents: { description: "configuration and text files", formats: ["json", "text"] },
  unrecognised: { description: "content modelgate cannot identify", formats: ["unknown"] },
});

export function isFormatName(name: string): boolean {
  return (FORMAT_IDS as readonly string[]).includes(name) || Object.hasOwn(FORMAT_GROUPS, name);
}

/** Every accepted name, for error messages. */
export function formatNames(): string[] {
  return [...Object.keys(FORMAT_GROUPS), ...FORMAT_IDS.filter((f) => f !== "directory")];
}

/** Expands format ids and group names to the concrete format ids. */
export function expandFormats(names: readonly string[]): Set<FormatId> {
  const out = new Set<FormatId>();
  for (const n of names) {
    const group = Object.hasOwn(FORMAT_GROUPS, n) ? FORMAT_GROUPS[n] : undefined;
    if (group) for (const f of group.formats) out.add(f);
    else if ((FORMAT_IDS as readonly string[]).includes(n)) out.add(n as FormatId);
  }
  return out;
}
