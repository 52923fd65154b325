/**
 * Formats recognised from content. The extension is only ever a hint.
 * Containers (zip, tar, …) are refined by their analyzer (a zip holding data.pkl is `pytorch-zip`).
 */
export const FORMAT_IDS = [
  "pickle",
  "pytorch-legacy",
  "pytorch-zip",
  "torchscript",
  "numpy",
  "npz",
  "joblib",
  "zip",
  "tar",
  "7z",
  "gzip",
  "xz",
  "bzip2",
  "lzma",
  "zlib",
  "keras",
  "hdf5",
  "tf-savedmodel",
  "onnx",
  "safetensors",
  "gguf",
  "json",
  "text",
  "directory",
  "unknown",
] as const;
export type FormatId = (typeof FORMAT_IDS)[number];
