import { randomUUID } from "node:crypto";
import { relative, resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import { scan } from "../scan/scan.js";
import { cyclonedxDocument } from "./cyclonedx.js";
import { readModelMetadata } from "./metadata.js";
import { spdxDocument } from "./spdx.js";
import type { ModelMetadata, SbomOptions, SbomResult, SbomScanVerdict } from "./types.js";
import { assertValid } from "./validate.js";
import { scanVerdict } from "./verdict.js";

const SERIAL = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Files as the scan report saw them: its format is refined by the analyzers (a zip holding data.pkl is pytorch-zip). */
function applyReportFormats(meta: ModelMetadata, report: Report, dir: string): void {
  const root = resolve(dir);
  const formats = new Map<string, string>();
  for (const f of report.files) {
    if (f.container !== undefined || f.path.includes("!/")) continue;
    formats.set(relative(root, resolve(f.path)).split("\\").join("/"), f.format);
  }
  for (const f of meta.files) {
    const format = formats.get(f.path);
    if (format !== undefined && format !== "directory") f.format = format;
  }
  const notWeights = new Set(["json", "text", "unknown", "directory"]);
  meta.formats = [...new Set(meta.files.map((f) => f.format).filter((f) => !notWeights.has(f)))].sort();
}

/**
 * Writes an ML-SBOM of a model folder in CycloneDX 1.6 (default) or SPDX 3.0.1, with the scan verdict
 * (scan() runs on the folder unless `scan: false` or a `report` is given). The document is validated
 * against its schema before it is returned; an invalid document throws INTERNAL (a bug).
 */
export async function sbom(dir: string, options: SbomOptions = {}): Promise<SbomResult> {
  const format = options.format ?? "cyclonedx";
  if (format !== "cyclonedx" && format !== "spdx") throw new ModelgateError("INVALID_OPTION", `format must be cyclonedx or spdx, got ${String(format)}`);
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new ModelgateError("INVALID_OPTION", "now is not a valid date");
  const serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (!SERIAL.test(serialNumber)) throw new ModelgateError("INVALID_OPTION", `serialNumber must be urn:uuid: and a lower-case UUID, got ${serialNumber}`);

  const metadata = await readModelMetadata(dir, {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
  });
  // The files were just hashed for the SBOM: the scan need not read them a second time for digests.
  const report = options.report ?? (options.scan === false ? undefined : await scan([dir], { digest: false }));
  let verdict: SbomScanVerdict | undefined;
  if (report) {
    applyReportFormats(metadata, report, dir);
    verdict = scanVerdict(report);
  }
  const ctx = { timestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"), serialNumber };
  const document = format === "cyclonedx" ? cyclonedxDocument(metadata, verdict, ctx) : spdxDocument(metadata, verdict, ctx);
  await assertValid(format, document);
  return { format, document, metadata, ...(verdict ? { verdict } : {}) };
}
