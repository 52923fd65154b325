import { LimitError, MalformedError } from "../../core/errors.js";
import type { Severity } from "../../core/severity.js";
import { createBufferSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { analyzeKerasConfig } from "../keras/config.js";
import { parsePythonJson } from "../keras/python-json.js";
import type { Hdf5Event, Hdf5JobLimits } from "./protocol.js";
import { sharedHdf5WorkerPool, type Hdf5WorkerPool } from "./worker-pool.js";

/**
 * HDF5 files (Keras 2 `.h5` models, Keras 3 `model.weights.h5`, plain data). The file is opened with the
 * real HDF5 library (h5wasm, in a worker thread, reading lazily). Checked:
 * - the Keras config in the root attributes `model_config` and `training_config` (Lambda bytecode, module
 *   injection, custom objects…, see keras/config.ts), with `keras_version` and `backend` noted;
 * - external links, external storage and virtual dataset sources, which make a loader read other files;
 * - pickles held in attributes or in variable-length byte datasets (PyTables and pandas unpickle them on
 *   read), handed to the scan as members;
 * - anything HDF5 cannot read is reported as not verified.
 */

export const HDF5_LIMITS: Readonly<Hdf5JobLimits> = Object.freeze({
  maxObjects: 200_000,
  maxAttributeBytes: 64 * 1024 * 1024,
  maxReadBytes: 512 * 1024 * 1024,
  maxEvents: 10_000,
});

/** Object errors listed one by one before the rest are summed up. */
const MAX_OBJECT_ERRORS = 20;

/** Severity of a reference to another file: high when it leaves the model's folder, medium otherwise. */
export function externalPathSeverity(file: string): Severity {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return "high";
  if (file.startsWith("/") || file.startsWith("\\") || /^[a-z]:/i.test(file) || file.startsWith("~")) return "high";
  if (file.split(/[/\\]/).includes("..")) return "high";
  return "medium";
}

export interface Hdf5AnalyzerOptions {
  pool?: Hdf5WorkerPool;
  limits?: Partial<Hdf5JobLimits>;
}

export function createHdf5Analyzer(options: Hdf5AnalyzerOptions = {}): Analyzer {
  const limits: Hdf5JobLimits = { ...HDF5_LIMITS, ...options.limits };
  return {
    formats: ["hdf5"],
    version: "1",
    async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
      const pool = options.pool ?? sharedHdf5WorkerPool();
      const { events, outcome } = await pool.inspect({ source: file.source, limits, checkDeadline: () => ctx.checkDeadline() });
      await reportEvents(file, ctx, events);
      switch (outcome.kind) {
        case "done":
          return;
        case "failed":
          throw new MalformedError(outcome.message);
        case "limit":
        case "timeout":
          throw outcome.error;
        case "crashed":
          throw new MalformedError(`the HDF5 library stopped on this file (${outcome.message})`);
      }
    },
  };
}

async function reportEvents(file: VirtualFile, ctx: AnalyzerContext, events: Hdf5Event[]): Promise<void> {
  const attrs = new Map<string, string>();
  let objectErrors = 0;
  const pickles: Array<Extract<Hdf5Event, { kind: "pickled-value" }>> = [];

  for (const ev of events) {
    switch (ev.kind) {
      case "keras-attribute":
        if (ev.text !== undefined) attrs.set(ev.name, ev.text);
        else if (ev.name === "model_config" || ev.name === "training_config") {
          ctx.report("scanner/unparseable", { message: `the ${ev.name} attribute could not be read: ${ev.error ?? "unknown error"}` });
        }
        break;
      case "external-link":
        ctx.report("hdf5/external-link", {
          message: `${ev.path} links to ${JSON.stringify(ev.target)} in the file ${JSON.stringify(ev.file)}, which is opened when the link is followed`,
          severity: externalPathSeverity(ev.file),
          evidence: { object: ev.path, file: ev.file, target: ev.target },
        });
        break;
      case "virtual-source":
        ctx.report("hdf5/external-storage", {
          message: `virtual dataset ${ev.path} reads ${JSON.stringify(ev.dataset)} from the file ${JSON.stringify(ev.file)}`,
          severity: externalPathSeverity(ev.file),
          evidence: { object: ev.path, file: ev.file, dataset: ev.dataset, kind: "virtual" },
        });
        break;
      case "external-file":
        ctx.report("hdf5/external-storage", {
          message: `dataset ${ev.path} keeps its data in the file ${JSON.stringify(ev.file)}, which is read when the weights are loaded`,
          severity: externalPathSeverity(ev.file),
          evidence: { object: ev.path, file: ev.file, kind: "external" },
        });
        break;
      case "pickled-value":
        pickles.push(ev);
        break;
      case "object-error":
        objectErrors++;
        if (objectErrors <= MAX_OBJECT_ERRORS) ctx.report("scanner/unparseable", { message: `HDF5 object ${ev.path} could not be verified: ${ev.message}`, evidence: { object: ev.path } });
        break;
      case "limit":
        // Raised as the outcome (scanner/limit-exceeded) once the rest is reported.
        break;
    }
  }
  if (objectErrors > MAX_OBJECT_ERRORS) {
    ctx.report("scanner/unparseable", { message: `${objectErrors - MAX_OBJECT_ERRORS} more HDF5 objects could not be verified (${objectErrors} in total)` });
  }

  reportKeras(ctx, attrs);

  for (const p of pickles) {
    const object = p.path.replace(/^\/+/, "");
    const member =
      p.attribute !== undefined ? `${object ? `${object}/` : ""}@${p.attribute}${p.index > 0 ? `[${p.index}]` : ""}` : `${object}[${p.index}]`;
    await ctx.scanMember(createMemberFile(file, member, createBufferSource(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength))));
  }
}

function reportKeras(ctx: AnalyzerContext, attrs: Map<string, string>): void {
  const version = attrs.get("keras_version");
  const backend = attrs.get("backend");
  const hasConfig = attrs.has("model_config") || attrs.has("training_config");
  if (version !== undefined && hasConfig) {
    const evidence: Record<string, string> = { keras_version: version.slice(0, 64) };
    if (backend !== undefined) evidence.backend = backend.slice(0, 64);
    ctx.report("keras/version", {
      message: `Keras model saved by Keras ${version.slice(0, 64)}${backend ? ` (${backend.slice(0, 64)} backend)` : ""} in the HDF5 (legacy .h5) format`,
      evidence,
    });
  }
  for (const name of ["model_config", "training_config"] as const) {
    const text = attrs.get(name);
    if (text === undefined) continue;
    let config: unknown;
    try {
      config = parsePythonJson(text);
    } catch (e) {
      if (e instanceof LimitError) {
        ctx.report("scanner/limit-exceeded", { message: `the ${name} attribute: ${e.message}; it was not verified`, evidence: { limit: e.limit, value: e.value, max: e.max } });
        continue;
      }
      ctx.report("scanner/unparseable", { message: `the ${name} attribute is not valid JSON (${(e as Error).message}); Keras' reading of it could not be verified` });
      continue;
    }
    for (const issue of analyzeKerasConfig(config, `${name} attribute`)) {
      const { ruleId, ...input } = issue;
      ctx.report(ruleId, input);
    }
  }
}

/** The analyzer registered for format "hdf5". */
export const hdf5Analyzer: Analyzer = createHdf5Analyzer();
