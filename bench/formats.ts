/** Large inputs of the other formats (containers, safetensors, GGUF, ONNX), from their fixture generators. */
import type { BenchInput } from "./run.js";

export const EXTRA_INPUTS: BenchInput[] = [];
