/** Large inputs of the other formats (PyTorch zip, safetensors, GGUF, ONNX), from their fixture generators. */
import { writeLargeTorchZip } from "../test/fixtures/archive/large.js";
import { writeLargeGguf } from "../test/fixtures/gguf/large.js";
import { writeLargeOnnx } from "../test/fixtures/onnx/large.js";
import { writeLargeSafetensors } from "../test/fixtures/safetensors/large.js";
import type { BenchInput } from "./run.js";

const GiB = 1024 ** 3;

export const EXTRA_INPUTS: BenchInput[] = [
  {
    name: "PyTorch zip checkpoint, 1 GiB",
    file: "torch-1g.pt",
    make: async (p: string) => {
      await writeLargeTorchZip(p, GiB);
    },
    goal: "< 1% of bytes read",
    reference: true,
  },
  {
    name: "safetensors, 4 GiB",
    file: "large.safetensors",
    make: async (p: string) => {
      await writeLargeSafetensors(p, 4 * GiB);
    },
    goal: "header only",
  },
  {
    name: "GGUF, 4 GiB (32k vocab, chat template)",
    file: "large.gguf",
    make: async (p: string) => {
      await writeLargeGguf(p, 4 * GiB, { vocabSize: 32_000 });
    },
    goal: "header only",
  },
  {
    name: "ONNX, 4 GiB of embedded weights",
    file: "large.onnx",
    make: async (p: string) => {
      await writeLargeOnnx(p, { weightBytes: 4 * GiB, tensors: 64 });
    },
    goal: "structure only",
  },
];
