/**
 * The .npy analyzer. Numeric arrays are plain data and are not read past their header; arrays whose
 * dtype holds Python objects store their data as a pickle (np.load runs it with allow_pickle=True),
 * which the pickle analyzer checks.
 */
import { LimitError } from "../../core/errors.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { analyzePickleBytes } from "../pickle/analyzer.js";
import { MAX_NPY_HEADER_BYTES, NPY_PREAMBLE_MAX, parseNpyHeader } from "./header.js";

export const numpyAnalyzer: Analyzer = {
  formats: ["numpy"],
  version: "1.0.0",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const size = file.source.size;
    // The preamble says how long the header is; read that much and no more.
    const preamble = await file.source.read(0, Math.min(size, NPY_PREAMBLE_MAX));
    const declared = preamble.length >= 12 && preamble[6] !== 1 ? preamble.readUInt32LE(8) : preamble.length >= 10 ? preamble.readUInt16LE(8) : 0;
    const headBytes = Math.min(size, NPY_PREAMBLE_MAX + Math.min(declared, MAX_NPY_HEADER_BYTES));
    const head = headBytes > preamble.length ? await file.source.read(0, headBytes) : preamble;
    const header = parseNpyHeader(head, size);
    if (!header.hasObject) return;
    ctx.report("numpy/object-array", {
      message: `the array has dtype ${header.dtype} (Python objects): its ${size - header.dataOffset} data bytes are a pickle, which np.load runs when allow_pickle=True`,
      offset: header.dataOffset,
      evidence: { dtype: header.dtype, version: header.version, dataOffset: header.dataOffset },
    });
    const dataBytes = size - header.dataOffset;
    if (dataBytes > ctx.limits.maxMemberBytes) {
      throw new LimitError("maxMemberBytes", dataBytes, ctx.limits.maxMemberBytes, `object array pickle of ${dataBytes} bytes is larger than the ${ctx.limits.maxMemberBytes}-byte limit`);
    }
    const data = await file.source.read(header.dataOffset, dataBytes);
    await analyzePickleBytes(data, ctx, { baseOffset: header.dataOffset, label: "object array data", file });
  },
};
