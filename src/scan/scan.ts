import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { analyzeModelFolder } from "../analyzers/hf/folder.js";
import { analyzerFor } from "../analyzers/registry.js";
import type { AnalyzerContext, FindingInput } from "../analyzers/analyzer.js";
import { resolveScanOptions, type ResolvedScanOptions, type ScanOptions } from "../config/scan-options.js";
import { LimitError, MalformedError, ModelgateError } from "../core/errors.js";
import type { Finding } from "../core/finding.js";
import type { FileReport, FolderReport, Report } from "../core/report.js";
import { openFileSource, type ReadCounter } from "../core/source.js";
import type { VirtualFile } from "../core/virtual-file.js";
import { hasLoaderExtension, parseLfsPointer, recogniseData } from "../detect/data.js";
import { detectSource } from "../detect/detect.js";
import { analyzePickleBytes } from "../analyzers/pickle/analyzer.js";
import { looksLikePickle } from "../analyzers/pickle/sniff.js";
import { runStream } from "../analyzers/pickle/machine.js";
import { getRule } from "../rules/catalog.js";
import { buildReport } from "./summary.js";

/** Formats that are plain data: no finding when nothing else is wrong. */
const DATA_FORMATS = new Set(["text", "json"]);
/** Formats pickle.load is already run on by their analyzer: no second view from byte 0. */
const PICKLE_VIEW_FORMATS = new Set(["pickle", "pytorch-legacy", "joblib"]);
const PICKLE_VIEW_LABEL = "read from byte 0 as pickle.load would";

/** State shared by everything scanned under one top-level file. */
interface FileScanState {
  options: ResolvedScanOptions;
  deadline: number;
  decompressed: number;
  reports: FileReport[];
}

export function createFinding(ruleId: string, path: string, member: string | undefined, input: FindingInput): Finding {
  const rule = getRule(ruleId);
  const finding: Finding = {
    ruleId,
    severity: input.severity ?? rule.severity,
    title: rule.title,
    message: input.message,
    location: { path },
    cwe: rule.cwe,
    atlas: rule.atlas,
    owasp: rule.owasp,
    remediation: rule.remediation,
  };
  if (member !== undefined) finding.location.member = member;
  if (input.offset !== undefined) finding.location.offset = input.offset;
  if (input.evidence !== undefined) finding.evidence = input.evidence;
  return finding;
}

function errorFinding(e: unknown, report: FileReport, member: string | undefined): Finding {
  if (e instanceof LimitError) {
    return createFinding("scanner/limit-exceeded", report.path, member, {
      message: `${e.message}; the rest of this file was not verified`,
      evidence: { limit: e.limit, value: e.value, max: e.max },
    });
  }
  if (e instanceof MalformedError) {
    return createFinding("scanner/unparseable", report.path, member, {
      message: `${report.format} content could not be parsed: ${e.message}`,
      ...(e.offset !== undefined ? { offset: e.offset } : {}),
    });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return createFinding("scanner/analyzer-error", report.path, member, { message: `the ${report.format} analyzer failed: ${msg}` });
}

/** Detects, analyzes and recurses into one virtual file. Never throws for content problems. */
async function scanVirtual(file: VirtualFile, state: FileScanState, container: string | undefined): Promise<void> {
  const report: FileReport = { path: file.path, format: "unknown", size: file.source.size, sha256: null, findings: [] };
  if (container !== undefined) report.container = container;
  state.reports.push(report);
  const add = (ruleId: string, input: FindingInput): Finding => {
    const f = createFinding(ruleId, report.path, file.member, input);
    report.findings.push(f);
    return f;
  };
  let ctx: AnalyzerContext | undefined;
  let head: Buffer | undefined;
  try {
    const detected = await detectSource(file.source, file.name);
    const { format } = detected;
    head = detected.sniff.head;
    report.format = format;
    const analyzer = await analyzerFor(format);
    ctx = createContext(file, report, state, add);
    if (format === "text") {
      const lfs = parseLfsPointer(head, file.source.size);
      if (lfs) {
        add("scanner/lfs-pointer", {
          message: `the weights were not scanned; this is a Git LFS pointer (clone without git-lfs) to ${lfs.size} bytes with SHA-256 ${lfs.oid}`,
          evidence: { oid: lfs.oid, size: lfs.size },
        });
        return;
      }
    }
    if (!analyzer) {
      if (format === "unknown") reportUnknown(file, head, add);
      else if (!DATA_FORMATS.has(format)) add("scanner/unsupported-format", { message: `${format} content is not analysed by this version of modelgate` });
    } else {
      await analyzer.analyze(file, ctx);
    }
  } catch (e) {
    report.findings.push(errorFinding(e, report, file.member));
  }
  if (ctx && head && !PICKLE_VIEW_FORMATS.has(report.format) && looksLikePickle(head, file.source.size)) await pickleView(file, report, ctx, head);
}

/** What unknown content is: ordinary data (a note), or binary content nothing verified (medium; high when a loader opens such names). */
function reportUnknown(file: VirtualFile, head: Buffer, add: (ruleId: string, input: FindingInput) => Finding): void {
  const data = recogniseData(head);
  if (data) {
    add("scanner/data-file", { message: `${data}: data, not a model format`, evidence: { kind: data } });
    return;
  }
  if (file.source.size === 0) {
    add("scanner/data-file", { message: "empty file: data, not a model format", evidence: { kind: "empty" } });
    return;
  }
  const loaderName = hasLoaderExtension(file.name);
  add("scanner/unknown-format", {
    message: loaderName
      ? `content matches no known model or container format, but the name ${JSON.stringify(file.name)} is one a model loader opens; it was not verified`
      : "binary content that matches no known model, container or data format; it was not verified",
    ...(loaderName ? { severity: "high" as const } : {}),
  });
}

/**
 * The second view every file gets: what pickle.load would do reading it from byte 0, whatever else it looks
 * like (a tar whose first header is also a pickle, a safetensors length prefix made of pickle opcodes). Its
 * findings join the file's report; a failure to read it to the end is a finding only when the stream imported
 * something we could not vouch for (otherwise the bytes were just something else that happens to start like a pickle).
 */
/** How much the pickle view reads past a length-prefixed operand before it looks again. */
const PICKLE_VIEW_HEAD = 1 << 20;

async function pickleView(file: VirtualFile, report: FileReport, base: AnalyzerContext, sniffed: Buffer): Promise<void> {
  const size = Math.min(file.source.size, base.limits.maxMemberBytes);
  let imported = false;
  const view: AnalyzerContext = {
    ...base,
    setFormat: () => undefined,
    report: (ruleId, input) => {
      if (input.evidence && "module" in input.evidence) imported = true;
      return base.report(ruleId, input);
    },
  };
  try {
    // A first pass decides whether the rest is worth reading: pickle.load of these bytes either imports
    // something (read it all and analyse it), stops harmlessly at once, or runs past what was read — an operand
    // longer than the head.
    // Detection's head is the first window; nothing is read again unless the pass needs more.
    let head = sniffed.subarray(0, Math.min(size, sniffed.length));
    for (;;) {
      if (head.length >= size) break;
      const first = runStream(head, 0, { maxMemo: 65_536, maxNesting: 4_096, joblib: false, describeErrors: false, atEof: false });
      if (first.sites.length > 0 || first.anomalies.length > 0) break;
      if (!first.truncated) return;
      // A text line that runs past the head is not followed in a file found to be something else (one detected as
      // a pickle is read whole whatever its line lengths); a length-prefixed operand is, when it fits in the file.
      if (first.needBytes === undefined || first.needBytes > size) return;
      const want = first.needBytes + PICKLE_VIEW_HEAD;
      head = await file.source.read(0, Math.min(size, want));
    }
    const buf = head.length < size ? await file.source.read(0, size) : head;
    await analyzePickleBytes(buf, view, { label: PICKLE_VIEW_LABEL });
  } catch (e) {
    if (imported) {
      const f = errorFinding(e, report, file.member);
      f.message = `${PICKLE_VIEW_LABEL}: ${f.message}`;
      report.findings.push(f);
    }
  }
}

function createContext(file: VirtualFile, report: FileReport, state: FileScanState, add: (ruleId: string, input: FindingInput) => Finding): AnalyzerContext {
  return {
    limits: state.options.limits,
    report: add,
    setFormat: (f) => {
      report.format = f;
    },
    scanMember: async (member) => {
      if (member.depth > state.options.limits.maxDepth) {
        add("scanner/limit-exceeded", {
          message: `member ${member.member ?? member.path} is nested ${member.depth} containers deep (limit ${state.options.limits.maxDepth}); it was not verified`,
          evidence: { limit: "maxDepth", value: member.depth, max: state.options.limits.maxDepth },
        });
        return;
      }
      await scanVirtual(member, state, report.path);
    },
    chargeDecompressed: (bytes) => {
      state.decompressed += bytes;
      if (state.decompressed > state.options.limits.maxTotalBytes) {
        throw new LimitError("maxTotalBytes", state.decompressed, state.options.limits.maxTotalBytes, `decompressed more than ${state.options.limits.maxTotalBytes} bytes in total`);
      }
    },
    checkDeadline: () => {
      if (Date.now() > state.deadline) {
        throw new LimitError("timeoutMs", state.options.limits.timeoutMs, state.options.limits.timeoutMs, `scan took longer than ${state.options.limits.timeoutMs} ms`);
      }
    },
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function scanDiskFile(path: string, options: ResolvedScanOptions, counter: ReadCounter): Promise<FileReport[]> {
  const state: FileScanState = { options, deadline: Date.now() + options.limits.timeoutMs, decompressed: 0, reports: [] };
  let source;
  try {
    source = await openFileSource(path, counter);
  } catch (e) {
    const report: FileReport = { path, format: "unknown", size: 0, sha256: null, findings: [] };
    report.findings.push(
      createFinding("scanner/unreadable", path, undefined, { message: `could not open: ${e instanceof Error ? e.message : String(e)}` }),
    );
    return [report];
  }
  try {
    await scanVirtual({ path, name: basename(path), depth: 0, source }, state, undefined);
  } finally {
    await source.close();
  }
  const top = state.reports[0];
  if (top && options.digest) {
    try {
      top.sha256 = await sha256File(path);
    } catch {
      // The file was read for analysis; a digest failure leaves sha256 null.
    }
  }
  return state.reports;
}

/** Expands folders into the files below them (sorted, links to files followed, others reported). */
async function expand(path: string, out: string[], notes: FileReport[], seen: Set<string>): Promise<void> {
  const st = await stat(path);
  if (!st.isDirectory()) {
    out.push(path);
    return;
  }
  const real = await realpath(path);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await stat(child).catch(() => undefined);
      if (target?.isFile()) out.push(child);
      else {
        notes.push({
          path: child,
          format: "unknown",
          size: 0,
          sha256: null,
          findings: [
            createFinding("scanner/symlink", child, undefined, {
              message: target ? "link to a folder, not followed" : "dangling link, not followed",
            }),
          ],
        });
      }
    } else if (entry.isDirectory()) {
      await expand(child, out, notes, seen);
    } else if (entry.isFile()) {
      out.push(child);
    } else {
      notes.push({
        path: child,
        format: "unknown",
        size: 0,
        sha256: null,
        findings: [createFinding("scanner/unreadable", child, undefined, { message: "not a regular file (device, socket or pipe); not read" })],
      });
    }
  }
}

/**
 * Scans files and folders. Throws ModelgateError (PATH_NOT_FOUND, INVALID_OPTION) for bad arguments;
 * everything about the content itself is a finding in the report.
 */
export async function scan(paths: readonly string[], options: ScanOptions = {}): Promise<Report> {
  const resolved = resolveScanOptions(options);
  if (paths.length === 0) throw new ModelgateError("USAGE", "no path to scan");
  const started = Date.now();
  const files: string[] = [];
  const notes: FileReport[] = [];
  for (const p of paths) {
    try {
      await lstat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `${p}: ${code === "ENOENT" ? "no such file or folder" : (e as Error).message}`);
    }
    try {
      await expand(p, files, notes, new Set());
    } catch (e) {
      throw new ModelgateError("PATH_UNREADABLE", `${p}: ${(e as Error).message}`);
    }
  }
  const counter: ReadCounter = { bytesRead: 0 };
  const results: FileReport[][] = new Array<FileReport[]>(files.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const path = files[i]!;
      results[i] = await scanDiskFile(path, resolved, counter);
      done++;
      resolved.onProgress?.({ done, total: files.length, path });
    }
  };
  await Promise.all(Array.from({ length: Math.min(resolved.concurrency, Math.max(1, files.length)) }, worker));
  const all = [...results.flat(), ...notes];
  const folders = await analyzeFolders(paths, files, all);
  return buildReport({ targets: [...paths], files: all, folders, options: resolved, bytesRead: counter.bytesRead, durationMs: Date.now() - started });
}

/**
 * Folder-level checks for each folder argument (a Hugging Face model folder: which files a loader reads,
 * custom code named by auto_map). Their findings join the report of the file they are about.
 */
async function analyzeFolders(paths: readonly string[], files: string[], reports: FileReport[]): Promise<FolderReport[]> {
  const out: FolderReport[] = [];
  for (const dir of paths) {
    if (!(await stat(dir)).isDirectory()) continue;
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    const rel = files.filter((f) => f.startsWith(prefix)).map((f) => relative(dir, f));
    let summary;
    try {
      summary = await analyzeModelFolder(dir, rel);
    } catch (e) {
      // The folder summary failed as a whole: the files' own reports stand, and the folder says it was not verified.
      const finding = createFinding("scanner/analyzer-error", dir, undefined, { message: `the model folder analysis failed: ${e instanceof Error ? e.message : String(e)}; which files a loader reads and the custom code its configs name were not verified` });
      reports.push({ path: dir, format: "directory", size: 0, sha256: null, findings: [finding] });
      out.push({ path: dir, kind: "unknown", loaderFiles: [] });
      continue;
    }
    out.push({ path: dir, kind: summary.kind, loaderFiles: summary.loaderFiles });
    for (const issue of summary.issues) {
      let target = reports.find((r) => r.path === issue.path);
      if (!target) {
        target = { path: issue.path, format: "directory", size: 0, sha256: null, findings: [] };
        reports.push(target);
      }
      target.findings.push(createFinding(issue.ruleId, issue.path, undefined, issue));
    }
  }
  return out;
}
