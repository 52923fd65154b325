/**
 * One benchmark measurement in its own process, so peak memory belongs to that case alone.
 * usage: node --import tsx bench/case.ts FILE [--digest]
 * Prints one JSON line: duration, bytes read by the analyzers, file size, peak RSS, rule ids found.
 */
import { scan } from "../dist/index.js";
import { peakRssMiB } from "./peak-rss.js";

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: case.ts FILE [--digest]\n");
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const report = await scan([file], { digest: flag === "--digest", concurrency: 1 });
const durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
const top = report.files[0]!;
const rules = [...new Set(report.files.flatMap((f) => f.findings.map((x) => `${x.severity}:${x.ruleId}`)))].sort();
process.stdout.write(
  `${JSON.stringify({
    durationMs,
    bytesRead: report.summary.bytesRead,
    size: top.size,
    format: top.format,
    maxRssMiB: peakRssMiB(),
    failed: report.summary.failed,
    rules,
  })}\n`,
);
