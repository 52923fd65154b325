import type { AnalyzerContext } from "../analyzer.js";
import { createSliceSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { detectSource } from "../../detect/detect.js";

/** How many unaccounted regions of one file are looked into. */
const MAX_REGIONS_SCANNED = 8;
/** Regions smaller than this hold no recognisable file. */
const MIN_REGION_BYTES = 16;

/**
 * Looks into byte ranges of a tensor file that no tensor covers: when one holds a recognisable format
 * (a zip, a pickle, a script), it is scanned as a member, so a payload smuggled between the tensors is
 * analysed like any other file. Unrecognised bytes (zero padding, noise) are left alone.
 */
export async function scanUnaccountedRegions(
  file: VirtualFile,
  ctx: AnalyzerContext,
  regions: ReadonlyArray<{ start: number; end: number }>,
  label: (r: { start: number; end: number }) => string,
): Promise<void> {
  let scanned = 0;
  for (const r of regions) {
    if (scanned >= MAX_REGIONS_SCANNED) break;
    const size = r.end - r.start;
    if (size < MIN_REGION_BYTES) continue;
    ctx.checkDeadline();
    const source = createSliceSource(file.source, r.start, size);
    const { format } = await detectSource(source, "");
    if (format === "unknown") continue;
    scanned++;
    await ctx.scanMember(createMemberFile(file, label(r), source));
  }
}
