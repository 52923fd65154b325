import { hash } from "node:crypto";
import { availableParallelism } from "node:os";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { analyzeModelFolder } from "../analyzers/hf/folder.js";
import { analyzerFor } from "../analyzers/registry.js";
import type { AnalyzerContext, FindingInput } from "../analyzers/analyzer.js";
import { resolveScanOptions, type FileProgressPhase, type ResolvedScanOptions, type ScanOptions } from "../config/scan-options.js";
import { LimitError, MalformedError, ModelgateError } from "../core/errors.js";
import type { Finding } from "../core/finding.js";
import type { FormatId } from "../core/format.js";
import type { FileReport, FolderReport, Report } from "../core/report.js";
import { openFileSource, type FileSource, type ReadCounter } from "../core/source.js";
import { sha256File } from "./digest.js";
import type { VirtualFile } from "../core/virtual-file.js";
import { hasLoaderExtension, parseLfsPointer, recogniseData } from "../detect/data.js";
import { detectSource } from "../detect/detect.js";
import { analyzePickleBytes } from "../analyzers/pickle/analyzer.js";
import { looksLikePickle } from "../analyzers/pickle/sniff.js";
import { runStream } from "../analyzers/pickle/machine.js";
import { getRule } from "../rules/catalog.js";
import { scanFileQueue, type FileQueueOptions, type WorkerFailure } from "./pool.js";
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

/** Files this small are read whole at open (one synchronous read) and digested from that read. */
const WHOLE_READ_BYTES = 4 * 1024 * 1024;
/** Without a digest the analysis reads only what it needs: only tiny files are read whole. */
const WHOLE_READ_BYTES_NO_DIGEST = 256 * 1024;
/**
 * Files at least this large are digested on a worker thread while they are analysed (when there is more than
 * one core): starting the thread costs about 40 ms of CPU, hashing 16 MiB about 10 ms.
 */
const CONCURRENT_DIGEST_MIN_BYTES = 16 * 1024 * 1024;
/** Files at least this large report their bytes as they are scanned and digested. */
export const BYTE_PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
/** Byte progress of one file is reported at most this often (and once when a phase ends). */
const BYTE_PROGRESS_INTERVAL_MS = 100;

/** What scanning one file on disk produced: its reports (the file's, then its members') and the bytes analyzers read. */
export interface DiskFileResult {
  reports: FileReport[];
  bytesRead: number;
}

/** Bytes done in one phase of one large file (see ScanProgress.file). */
export type FileBytesListener = (phase: FileProgressPhase, bytesDone: number, bytesTotal: number) => void;

function createBytesThrottle(listener: FileBytesListener): FileBytesListener {
  let last = 0;
  let lastPhase: FileProgressPhase | undefined;
  let lastDone = -1;
  return (phase, bytesDone, bytesTotal) => {
    const now = Date.now();
    const phaseEnd = bytesDone === bytesTotal && lastDone !== bytesDone;
    if (phase === lastPhase && !phaseEnd && now - last < BYTE_PROGRESS_INTERVAL_MS) return;
    if (phase === lastPhase && bytesDone === lastDone) return;
    last = now;
    lastPhase = phase;
    lastDone = bytesDone;
    listener(phase, bytesDone, bytesTotal);
  };
}

/** A source that reports how many bytes the analysis has read from it so far (clamped to its size). */
function withReadProgress(source: FileSource, onBytes: FileBytesListener): FileSource {
  let done = 0;
  return {
    size: source.size,
    counter: source.counter,
    contents: source.contents,
    close: () => source.close(),
    async read(offset, length) {
      const buf = await source.read(offset, length);
      done = Math.min(source.size, done + buf.length);
      onBytes("scan", done, source.size);
      return buf;
    },
  };
}

/** Scans one file on disk: detection, analysis, members, and (unless turned off) its SHA-256. Never throws for content problems. */
export async function scanDiskFile(path: string, options: ResolvedScanOptions, onBytes?: FileBytesListener): Promise<DiskFileResult> {
  const state: FileScanState = { options, deadline: Date.now() + options.limits.timeoutMs, decompressed: 0, reports: [] };
  const counter: ReadCounter = { bytesRead: 0 };
  let source: FileSource;
  try {
    const wholeUpTo = Math.min(options.digest ? WHOLE_READ_BYTES : WHOLE_READ_BYTES_NO_DIGEST, options.limits.maxMemberBytes);
    source = await openFileSource(path, counter, { wholeUpTo });
  } catch (e) {
    const report: FileReport = { path, format: "unknown", size: 0, sha256: null, findings: [] };
    report.findings.push(
      createFinding("scanner/unreadable", path, undefined, { message: `could not open: ${e instanceof Error ? e.message : String(e)}` }),
    );
    return { reports: [report], bytesRead: 0 };
  }
  // A file read whole is digested from that read, before any analyzer sees the bytes (crypto.hash: one call, no
  // Hash object; half the cost of createHash for the 4 KB files a folder of pickles holds).
  const digest = options.digest && source.contents ? hash("sha256", source.contents, "hex") : null;
  const throttled = onBytes && source.size >= BYTE_PROGRESS_MIN_BYTES ? createBytesThrottle(onBytes) : undefined;
  const scanned = throttled ? withReadProgress(source, throttled) : source;
  // A large file is digested on another core while this thread analyses it; its progress shows once the
  // analysis is done (one phase at a time).
  let analysed = false;
  let digested = 0;
  const digesting =
    options.digest && digest === null && source.size >= CONCURRENT_DIGEST_MIN_BYTES && availableParallelism() > 1
      ? digestOnWorker(path, source.size, (done) => {
          digested = done;
          if (analysed) throttled?.("digest", done, source.size);
        })
      : undefined;
  // Awaited below; until then a failure must not count as unhandled (it leaves sha256 null, as below).
  digesting?.catch(() => undefined);
  try {
    await scanVirtual({ path, name: basename(path), depth: 0, source: scanned }, state, undefined);
  } catch (e) {
    // scanVirtual turns content problems into findings; anything else still fails this file, not the run.
    const top = state.reports[0];
    const finding = createFinding("scanner/analyzer-error", path, undefined, { message: `the scan of this file failed: ${e instanceof Error ? e.message : String(e)}; it was not verified` });
    if (top) top.findings.push(finding);
    else state.reports.push({ path, format: "unknown", size: source.size, sha256: null, findings: [finding] });
  } finally {
    await source.close().catch(() => undefined);
  }
  throttled?.("scan", source.size, source.size);
  analysed = true;
  if (digesting) throttled?.("digest", digested, source.size);
  const top = state.reports[0];
  if (top && options.digest) {
    try {
      top.sha256 = digest ?? (digesting ? await digesting : await sha256File(path, throttled));
      if (digesting) throttled?.("digest", source.size, source.size);
    } catch {
      // The file was read for analysis; a digest failure leaves sha256 null.
    }
  }
  return { reports: state.reports, bytesRead: counter.bytesRead };
}

/** SHA-256 of a file hashed on a worker thread (the signing code's hash pool, loaded only for this). */
async function digestOnWorker(path: string, size: number, onDone: (bytesDone: number) => void): Promise<string> {
  const { hashUnits } = await import("../sign/manifest/hash-pool.js");
  let done = 0;
  const [d] = await hashUnits([{ path, start: 0, end: -1, size }], {
    algorithm: "sha256",
    noFollow: false,
    workers: 1,
    onBytes: (_unit, bytes) => onDone((done += bytes)),
  });
  return d!.toString("hex");
}

/** The report of a file whose worker thread died or was stopped for time while scanning it: never a silent skip. */
function workerFailureResult(path: string, failure: WorkerFailure): DiskFileResult {
  const report: FileReport = { path, format: "unknown", size: 0, sha256: null, findings: [] };
  report.findings.push(
    failure.kind === "timeout"
      ? createFinding("scanner/limit-exceeded", path, undefined, {
          message: `the scan of this file was stopped: still running after ${failure.elapsedMs} ms (limit timeoutMs ${failure.limitMs} ms); it was not verified`,
          evidence: { limit: "timeoutMs", value: failure.elapsedMs, max: failure.limitMs },
        })
      : createFinding("scanner/analyzer-error", path, undefined, { message: `the scan worker thread stopped while scanning this file (${failure.message}); it was not verified` }),
  );
  return { reports: [report], bytesRead: 0 };
}

/** A folder argument and the files found below it, named relative to it (for the folder pass). */
interface WalkedFolder {
  dir: string;
  files: string[];
  rel: string[];
}

/**
 * Expands folders into the files below them (sorted, links to files followed, others reported). A folder argument
 * (`under` not given yet) is added to `folders`; `rel` is the path below it (`under.rel` gets one entry per file
 * pushed), kept as the walk goes: deriving it afterwards from the joined paths breaks on arguments such as `./m/`
 * or `.`, which join() rewrites.
 */
async function expand(path: string, out: string[], notes: FileReport[], seen: Set<string>, folders: WalkedFolder[], under?: WalkedFolder, rel = ""): Promise<void> {
  const st = await stat(path);
  if (!st.isDirectory()) {
    out.push(path);
    return;
  }
  if (!under) {
    under = { dir: path, files: [], rel: [] };
    folders.push(under);
  }
  const real = await realpath(path);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = join(path, entry.name);
    const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
    const found = (): void => {
      out.push(child);
      under.files.push(child);
      under.rel.push(childRel);
    };
    if (entry.isSymbolicLink()) {
      const target = await stat(child).catch(() => undefined);
      if (target?.isFile()) found();
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
      await expand(child, out, notes, seen, folders, under, childRel);
    } else if (entry.isFile()) {
      found();
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
  return scanWithQueue(paths, options, undefined);
}

/** How the file queue runs, for tests: which worker script, workers from the start, the watchdog's grace, whether this thread scans. */
export type QueueOverrides = Pick<FileQueueOptions, "workerUrl" | "eagerWorkers" | "watchdogGraceMs" | "mainThreadScans">;

/** scan() with the file queue's settings overridden (tests; not part of the library API). */
export async function scanWithQueue(paths: readonly string[], options: ScanOptions, queueOverrides: QueueOverrides | undefined): Promise<Report> {
  const resolved = resolveScanOptions(options);
  if (paths.length === 0) throw new ModelgateError("USAGE", "no path to scan");
  const started = Date.now();
  const files: string[] = [];
  const notes: FileReport[] = [];
  const folders: WalkedFolder[] = [];
  for (const p of paths) {
    try {
      await lstat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `${p}: ${code === "ENOENT" ? "no such file or folder" : (e as Error).message}`);
    }
    try {
      await expand(p, files, notes, new Set(), folders);
    } catch (e) {
      throw new ModelgateError("PATH_UNREADABLE", `${p}: ${(e as Error).message}`);
    }
  }
  let done = 0;
  const onProgress = resolved.onProgress;
  const results = await scanFileQueue(files, {
    jobs: resolved.jobs,
    options: resolved,
    scanHere: (path, onBytes) => scanDiskFile(path, resolved, onBytes),
    failed: workerFailureResult,
    onFileDone: (_index, path) => onProgress?.({ done: ++done, total: files.length, path }),
    ...(onProgress ? { onFileBytes: (_index: number, path: string, phase: FileProgressPhase, bytesDone: number, bytesTotal: number) => onProgress({ done, total: files.length, path, file: { phase, bytesDone, bytesTotal } }) } : {}),
    ...(queueOverrides ?? {}),
  });
  const bytesRead = results.reduce((n, r) => n + r.bytesRead, 0);
  const all = [...results.flatMap((r) => r.reports), ...notes];
  const folderReports = await analyzeFolders(folders, all);
  return buildReport({ targets: [...paths], files: all, folders: folderReports, options: resolved, bytesRead, durationMs: Date.now() - started });
}

/**
 * Folder-level checks for each folder argument (a Hugging Face model folder: which files a loader reads,
 * custom code named by auto_map). Their findings join the report of the file they are about.
 */
async function analyzeFolders(folders: readonly WalkedFolder[], reports: FileReport[]): Promise<FolderReport[]> {
  const out: FolderReport[] = [];
  // What the scan found for each file it read (members and unreadable files aside): the folder pass reuses it.
  const scanned = new Map<string, FormatId>();
  for (const r of reports) if (r.container === undefined && r.format !== "unknown") scanned.set(r.path, r.format);
  for (const { dir, files, rel } of folders) {
    const byRel = new Map(rel.map((r, i) => [r, files[i]!]));
    let summary;
    try {
      summary = await analyzeModelFolder(dir, rel, (f) => {
        const path = byRel.get(f);
        return path === undefined ? undefined : scanned.get(path);
      });
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
