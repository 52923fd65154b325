/**
 * The pickle analyzer: reads every pickle stream of a file (legacy PyTorch files hold five back to
 * back, joblib files hold raw array bytes between opcodes), classifies what each stream imports and
 * does, and follows pickles hidden inside constants or handed to pickle.loads.
 */
import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import type { FormatId } from "../../core/format.js";
import { severityRank, type Severity } from "../../core/severity.js";
import { createBufferSource, readAll } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import type { Analyzer, AnalyzerContext, FindingInput } from "../analyzer.js";
import { ALL_PICKLE_LOADERS, GlobalClassifier, PickleFindings, anomalySeverity, classifyStream, globalSeverity, maxSeverityOf, type ClassifiedGlobal } from "./findings.js";
import { runStream, type Anomaly, type ConstantInfo, type MachineOptions, type StreamResult } from "./machine.js";
import { constantBytes, couldEmbedPickle, findEmbeddedPickle, type NestedEncoding } from "./nested.js";
import { looksLikePickle } from "./sniff.js";
import { bigIntOf } from "./values.js";
import { callEffectOf } from "../../rules/data/pickle-effects.js";
import { stateRuleOf } from "../../rules/data/pickle-state-rules.js";
import { compatRename } from "./classify.js";

/** Effects are keyed by the names find_class imports: a protocol 0-2 `__builtin__.getattr` is builtins.getattr. */
function effectOfRaw(module: string, name: string): ReturnType<typeof callEffectOf> {
  return callEffectOf(...compatRename(module, name));
}

/** torch.serialization.MAGIC_NUMBER and PROTOCOL_VERSION of the legacy (pre-1.6, non-zip) format. */
const TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const TORCH_LEGACY_PROTOCOL = 1001n;
/** torch.load of a legacy file reads exactly these pickles, then raw storage bytes. */
const TORCH_LEGACY_STREAMS = 5;

export interface PickleBytesOptions {
  /** Offset of `buf` inside the file being analyzed (offsets in findings are file-relative). */
  baseOffset?: number;
  /** Short description put before messages ("object array data"), for pickles embedded in other formats. */
  label?: string;
  /** The file `buf` comes from; lets nested non-pickle payloads (a zip handed to torch.load) be scanned as members. */
  file?: VirtualFile;
  /** Refine the file's format (pytorch-legacy, joblib) through ctx.setFormat. */
  setFormat?: boolean;
}

export interface PickleBytesSummary {
  streams: number;
  format: Extract<FormatId, "pickle" | "pytorch-legacy" | "joblib">;
}

interface NestedOrigin {
  /** File offset of the outermost constant or call the payload came from. */
  offset: number;
  /** How the payload was found, outermost first ("base64 str constant", "bytes handed to pickle.loads"). */
  chain: string[];
  loader: string | undefined;
  /** For bytes handed to a loader by the file's own pickle: the offset of that call. */
  callOffset?: number;
}

/** What became of the pickles one loader call of the file's own pickle unpickles. */
interface LoaderCallCheck {
  loader: string;
  /** Pickle arguments found, and how many of them were read to the end with only known-safe names. */
  pickles: number;
  verified: number;
  /** An argument that could not be followed (a zip scanned as a member, a limit): the call stays unverified. */
  unverifiable: boolean;
}

interface FoundNested {
  origin: NestedOrigin;
  encoding: NestedEncoding | "loader";
  data: Buffer;
  /** The constant's original bytes (for raw constants, to tell loader arguments and constants apart). */
  source: Buffer;
}

class PickleFileAnalysis {
  private readonly classifier = new GlobalClassifier();
  private readonly findings: PickleFindings;
  private readonly extensions = new Map<number, { module: string; name: string }>();
  private readonly base: number;
  private readonly label: string;
  private nestedCount = 0;
  private nestedLimitReported = false;
  private readonly loaderCalls = new Map<number, LoaderCallCheck>();
  /** Findings about nested pickles, reported after the file's own (which read more naturally first). */
  private readonly deferred: Array<[string, FindingInput]> = [];

  constructor(
    private readonly ctx: AnalyzerContext,
    private readonly opts: PickleBytesOptions,
  ) {
    this.base = opts.baseOffset ?? 0;
    this.label = opts.label ? `${opts.label}: ` : "";
    this.findings = new PickleFindings(this.classifier, this.label);
  }

  private machineOptions(baseOffset: number, found: FoundNested[] | undefined, chain: string[], joblib: boolean): MachineOptions {
    const { limits } = this.ctx;
    return {
      joblib,
      maxMemo: limits.maxPickleMemo,
      maxNesting: limits.maxPickleNesting,
      checkDeadline: () => this.ctx.checkDeadline(),
      baseOffset,
      isNestedLoader: (m, n) => this.classifier.isNestedLoader(m, n),
      effectOf: effectOfRaw,
      stateRuleOf: (m, n) => stateRuleOf(...compatRename(m, n)),
      extensions: this.extensions,
      ...(found ? { constantFilter: couldEmbedPickle } : {}),
      onConstant: found
        ? (c: ConstantInfo) => {
            if (found.length > limits.maxNestedPickles) return;
            const emb = findEmbeddedPickle(c.data, limits.maxMemberBytes);
            if (emb) {
              found.push({
                origin: { offset: c.offset, chain: [...chain, `${emb.encoding === "raw" ? "" : `${emb.encoding} `}${c.kind} constant`], loader: undefined },
                encoding: emb.encoding,
                data: emb.data,
                source: c.data,
              });
            }
          }
        : undefined,
    };
  }

  /**
   * Reads the streams of `buf` one after the other until the end (or the fifth of a legacy torch
   * file), handing each to `onStream`. Stops at the first stream that fails; bytes after the last
   * stream that are not a pickle at all are returned as `trailing`, not as a failure.
   */
  private async readStreams(
    buf: Buffer,
    baseOffset: number,
    chain: string[],
    joblib: boolean,
    onStream: (r: StreamResult, index: number, found: FoundNested[], reading: string) => Promise<void>,
  ): Promise<StreamsOutcome> {
    const out: StreamsOutcome = { streams: 0, legacy: false, joblib: false, failure: undefined, failedAt: 0, trailing: undefined };
    let pos = 0;
    let stream0Literal = false;
    while (pos < buf.length) {
      // Many tiny streams never reach the machine's own deadline check.
      if (out.streams % 256 === 255) this.ctx.checkDeadline();
      const found: FoundNested[] = [];
      const r = runStream(buf, pos, this.machineOptions(baseOffset, found, chain, joblib));
      const producedSomething = r.sites.length > 0 || r.anomalies.length > 0 || r.substreams.length > 0 || r.loaderCalls.length > 0 || found.length > 0;
      if (r.error instanceof MalformedError && out.streams > 0 && !producedSomething) {
        // Not another pickle: bytes a loader never reads.
        out.trailing = { offset: baseOffset + pos, bytes: buf.length - pos, why: bareMessage(r.error) };
        break;
      }
      await onStream(r, out.streams, found, "");
      if (r.frameCrossing !== undefined) {
        // An operand runs past its FRAME: CPython's C unpickler reading a file reads these bytes differently.
        const cFound: FoundNested[] = [];
        const c = runStream(buf, pos, { ...this.machineOptions(baseOffset, cFound, chain, joblib), frames: "c-file" });
        await onStream(onlyNew(c, r), out.streams, cFound.filter((f) => !found.some((k) => k.origin.offset === f.origin.offset)), C_FILE_READING);
      }
      if (r.joblibArrays > 0) {
        out.joblib = true;
        // The same bytes loaded with pickle.load instead of joblib.load: the "array bytes" are then
        // opcodes. A genuine joblib file fails there at once (harmlessly); a crafted one may not.
        const plainFound: FoundNested[] = [];
        const plain = runStream(buf, pos, this.machineOptions(baseOffset, plainFound, chain, false));
        await onStream(onlyNew(plain, r), out.streams, plainFound.filter((f) => !found.some((k) => k.origin.offset === f.origin.offset)), PLAIN_READING);
      }
      if (r.error) {
        out.failure = r.error;
        out.failedAt = baseOffset + pos;
        break;
      }
      const v = r.result;
      if (out.streams === 0) {
        stream0Literal = v?.kind === "int";
        if (bigIntOf(v) === TORCH_LEGACY_MAGIC) out.legacy = true;
      } else if (out.streams === 1 && !out.legacy && !stream0Literal && bigIntOf(v) === TORCH_LEGACY_PROTOCOL) {
        // The magic number was computed (e.g. eval("0x1950…")) rather than written: still torch.load's layout.
        out.legacy = true;
      }
      out.streams++;
      pos = r.end;
      // torch.load reads five pickles, then raw storage bytes that are not pickle data.
      if (out.legacy && out.streams === TORCH_LEGACY_STREAMS) break;
    }
    return out;
  }

  async run(buf: Buffer): Promise<PickleBytesSummary> {
    let outcome: StreamsOutcome | undefined;
    let failure: ModelgateError | undefined;
    try {
      outcome = await this.readStreams(buf, this.base, [], true, async (r, index, found, reading) => {
        this.findings.addStream(r, index, reading, loadersOf(reading, r));
        await this.followNested(r, found, [], 0);
      });
      failure = outcome.failure;
    } catch (e) {
      // Deadline or total-size limits hit while following nested payloads.
      failure = e instanceof ModelgateError ? e : new ModelgateError("INTERNAL", e instanceof Error ? e.message : String(e), { cause: e });
    }
    const format = outcome?.legacy ? "pytorch-legacy" : outcome?.joblib ? "joblib" : "pickle";
    if (this.opts.setFormat && format !== "pickle") this.ctx.setFormat(format);
    this.findings.flush(this.ctx, (loader) => this.verifiedLoaderCalls(loader));
    for (const [ruleId, input] of this.deferred) this.ctx.report(ruleId, input);
    this.deferred.length = 0;
    const trailing = outcome?.trailing;
    if (trailing) {
      this.ctx.report("pickle/trailing-data", {
        message: `${this.label}${trailing.bytes} bytes after the last pickle stream are not a pickle (${trailing.why})`,
        offset: trailing.offset,
        evidence: { bytes: trailing.bytes, streams: outcome?.streams ?? 0 },
      });
    }
    if (failure) {
      if (failure instanceof MalformedError) {
        const where = outcome && outcome.streams > 0 ? `pickle stream ${outcome.streams + 1} (from offset ${outcome.failedAt}): ` : "";
        throw new MalformedError(`${this.label}${where}${bareMessage(failure)}`, failure.offset);
      }
      throw failure;
    }
    return { streams: outcome?.streams ?? 0, format };
  }

  /** Analyses the pickles a stream hid in constants or handed to a loader. */
  private async followNested(r: StreamResult, found: FoundNested[], chainBase: string[], depth: number): Promise<void> {
    const analysed = new Set<Buffer>();
    const all: FoundNested[] = [];
    const calls = [...r.loaderCalls, ...r.substreams.flatMap((s) => s.loaderCalls)];
    for (const call of calls) {
      // Only the file's own calls are weighed against its dangerous-global finding; deeper ones are summarised
      // by the nested-pickle finding of the pickle that holds them.
      const check: LoaderCallCheck | undefined = depth === 0 ? { loader: call.loader, pickles: 0, verified: 0, unverifiable: false } : undefined;
      if (check) this.loaderCalls.set(call.offset, check);
      // Which argument holds the pickle depends on the loader; every one that is a pickle (or a zip) is followed.
      for (const arg of call.args) {
        const data = constantBytes(arg, this.ctx.limits.maxMemberBytes);
        if (data === undefined || !(isZip(data) || looksLikePickle(data.subarray(0, 512), data.length))) continue;
        analysed.add(data);
        if (check) {
          if (isZip(data)) check.unverifiable = true;
          else check.pickles++;
        }
        const origin: NestedOrigin = { offset: call.offset, chain: [...chainBase, `bytes handed to ${call.loader}`], loader: call.loader };
        if (check) origin.callOffset = call.offset;
        all.push({ origin, encoding: "loader", data, source: data });
      }
    }
    // A constant that is also a loader's argument is reported once, as the loader's.
    const seen = [...analysed];
    for (const f of found) if (!analysed.has(f.source) && !seen.some((b) => b.length === f.data.length && b.equals(f.data))) all.push(f);
    for (const f of all) await this.analyseNested(f, depth + 1);
  }

  /**
   * How many calls of `loader` ("module.name") in the file's own pickle only unpickle constant bytes that were
   * read to the end and hold nothing but known-safe names (plain-pickled tensors call
   * torch.storage._load_from_bytes this way).
   */
  private verifiedLoaderCalls(loader: string): number {
    let n = 0;
    for (const c of this.loaderCalls.values()) if (c.loader === loader && !c.unverifiable && c.pickles > 0 && c.verified === c.pickles) n++;
    return n;
  }

  private async analyseNested(f: FoundNested, depth: number): Promise<void> {
    const { limits } = this.ctx;
    const check = f.origin.callOffset === undefined ? undefined : this.loaderCalls.get(f.origin.callOffset);
    if (this.nestedCount >= limits.maxNestedPickles || depth > limits.maxDepth) {
      if (check) check.unverifiable = true;
      if (!this.nestedLimitReported) {
        this.nestedLimitReported = true;
        const over = this.nestedCount >= limits.maxNestedPickles;
        this.later("scanner/limit-exceeded", {
          message: over
            ? `${this.label}more than ${limits.maxNestedPickles} nested pickles; the rest (first at offset ${f.origin.offset}) were not verified`
            : `${this.label}pickles nested more than ${limits.maxDepth} deep (at offset ${f.origin.offset}); the innermost were not verified`,
          offset: f.origin.offset,
          evidence: over ? { limit: "maxNestedPickles", value: this.nestedCount + 1, max: limits.maxNestedPickles } : { limit: "maxDepth", value: depth, max: limits.maxDepth },
        });
      }
      return;
    }
    this.nestedCount++;
    this.ctx.chargeDecompressed(f.encoding === "raw" || f.encoding === "loader" ? 0 : f.data.length);
    if (f.encoding === "loader" && isZip(f.data)) {
      if (!this.opts.file) return;
      // torch.load(BytesIO(…)) of a zip checkpoint: scan it as a member of this file.
      const member = createMemberFile(this.opts.file, `<bytes at offset ${f.origin.offset} handed to ${f.origin.loader ?? "a loader"}>`, createBufferSource(f.data));
      await this.ctx.scanMember(member);
      return;
    }
    const chain = f.origin.chain;
    const read: Array<{ r: StreamResult; found: FoundNested[] }> = [];
    const outcome = await this.readStreams(f.data, 0, chain, false, async (r, _index, found) => {
      // Offsets inside decoded bytes mean nothing in the file: point at the outer constant.
      for (const x of found) x.origin.offset = f.origin.offset;
      read.push({ r, found });
    });
    const results = read.map((x) => x.r);
    const err = outcome.failure;
    if (err instanceof LimitError && err.limit === "timeoutMs") throw err;
    const globals: ClassifiedGlobal[] = [];
    const anomalies: Anomaly[] = [];
    for (const r of results) {
      const c = classifyStream(r, this.classifier);
      globals.push(...c.globals);
      anomalies.push(...c.anomalies);
    }
    const bad = dedupeGlobals(globals.filter((g) => globalSeverity(g) !== undefined));
    let severity: Severity | undefined = maxSeverityOf([...bad.map(globalSeverity), ...anomalies.map((a) => anomalySeverity(a.kind))]);
    // Bytes a loader will unpickle but that could not be read to the end: not verified.
    const unverified = err !== undefined && (f.encoding === "loader" || severity !== undefined);
    if (unverified && (severity === undefined || severity === "medium" || severity === "low")) severity = "high";
    if (check && severity === undefined && err === undefined) check.verified++;
    if (severity !== undefined) {
      const what = this.summarise(bad, anomalies.length);
      const errNote = err ? `${what ? ";" : ""} it could not be parsed completely (${bareMessage(err)})` : "";
      const top = [...bad].sort((a, b) => severityRank(globalSeverity(b) ?? "info") - severityRank(globalSeverity(a) ?? "info"))[0];
      const subject = f.encoding === "loader" ? `bytes handed to ${f.origin.loader ?? "a loader"} at offset ${f.origin.offset} are a pickle` : `a pickle hidden in a ${chain.join(" inside a ")} at offset ${f.origin.offset}`;
      this.later("pickle/nested-pickle", {
        message: `${this.label}nested pickle: ${subject}${what ? ` that ${what}` : ""}${errNote}`,
        offset: f.origin.offset,
        severity,
        evidence: {
          encoding: f.encoding,
          depth,
          bytes: f.data.length,
          streams: results.length,
          globals: bad.map((g) => `${g.module}.${g.name}`).slice(0, 16).join(", "),
          ...(top ? { module: top.module, name: top.name } : {}),
          ...(top?.verdict.kind === "dangerous" ? { category: top.verdict.category } : {}),
        },
      });
    }
    if (err instanceof LimitError) {
      this.later("scanner/limit-exceeded", {
        message: `${this.label}nested pickle at offset ${f.origin.offset}: ${err.message}; the rest of it was not verified`,
        offset: f.origin.offset,
        evidence: { limit: err.limit, value: err.value, max: err.max },
      });
    }
    for (const { r, found } of read) await this.followNested(r, found, chain, depth);
  }

  private later(ruleId: string, input: FindingInput): void {
    this.deferred.push([ruleId, input]);
  }

  /** "calls os.system (dangerous: process), imports a.B (not known to be safe)", or "" when there is nothing to say. */
  private summarise(bad: ClassifiedGlobal[], anomalyCount: number): string {
    const parts = bad.slice(0, 6).map((g) => {
      const what = g.verdict.kind === "dangerous" ? `dangerous: ${g.verdict.category}` : "not known to be safe";
      return `${g.usage === "called" ? "calls" : g.usage === "rebuilt" ? "rebuilds" : "imports"} ${g.module}.${g.name} (${what})`;
    });
    if (bad.length > 6) parts.push(`uses ${bad.length - 6} more such names`);
    if (anomalyCount > 0) parts.push(`uses ${anomalyCount} payload trick${anomalyCount === 1 ? "" : "s"} (computed import names, module overwrites…)`);
    return parts.join(", ");
  }
}

interface StreamsOutcome {
  /** Streams read completely. */
  streams: number;
  legacy: boolean;
  joblib: boolean;
  failure: ModelgateError | undefined;
  /** Offset where the failing stream starts. */
  failedAt: number;
  trailing: { offset: number; bytes: number; why: string } | undefined;
}

/**
 * What a second reading of the same stream (pickle.load of a joblib file, the C unpickler's view of its frames)
 * adds to the first: the names and tricks both readings share are reported once.
 */
function onlyNew(other: StreamResult, first: StreamResult): StreamResult {
  const known = new Set<string>();
  const visit = (x: StreamResult): void => {
    for (const site of x.sites) known.add(`${site.module}\u0000${site.name}\u0000${site.called > 0 ? "c" : site.rebuilt > 0 ? "r" : ""}`);
    for (const a of x.anomalies) known.add(`${a.kind}\u0000${a.offset}`);
    x.substreams.forEach(visit);
  };
  visit(first);
  const usage = (site: { called: number; rebuilt: number }): string => (site.called > 0 ? "c" : site.rebuilt > 0 ? "r" : "");
  return {
    ...other,
    error: undefined,
    sites: other.sites.filter((site) => !known.has(`${site.module}\u0000${site.name}\u0000${usage(site)}`)),
    anomalies: other.anomalies.filter((a) => !known.has(`${a.kind}\u0000${a.offset}`)),
    loaderCalls: other.loaderCalls.filter((c) => !first.loaderCalls.some((k) => k.offset === c.offset)),
  };
}

const PLAIN_READING = "the stream as pickle.load reads it (not joblib.load)";
const C_FILE_READING = "the stream as CPython's C unpickler reads it from a file";

/** Which loaders a reading of a stream stands for (reported with every finding). */
function loadersOf(reading: string, r: StreamResult): readonly string[] {
  if (reading === PLAIN_READING) return ["pickle.load", "torch.load", "pandas.read_pickle", "numpy.load(allow_pickle=True)"];
  if (reading === C_FILE_READING) return ["pickle.load", "torch.load", "pandas.read_pickle"];
  return r.joblibArrays > 0 ? ["joblib.load"] : ALL_PICKLE_LOADERS;
}

function isZip(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === 0x04034b50;
}

/** A MalformedError's message without the "(at offset N)" its constructor appends. */
function bareMessage(e: ModelgateError): string {
  return e.message.replace(/ \(at offset \d+\)$/, "");
}

/** One entry per name, keeping the strongest use (a name called in one stream and referenced in another is called). */
function dedupeGlobals(list: ClassifiedGlobal[]): ClassifiedGlobal[] {
  const order = { called: 2, rebuilt: 1, referenced: 0 } as const;
  const by = new Map<string, ClassifiedGlobal>();
  for (const g of list) {
    const key = `${g.module}\u0000${g.name}`;
    const prev = by.get(key);
    if (!prev || order[g.usage] > order[prev.usage]) by.set(key, g);
  }
  return [...by.values()];
}

/**
 * Analyses pickle bytes found anywhere (a pickle file, a numpy object array, a zip member already in
 * memory): reports every finding through `ctx`, then throws MalformedError / LimitError when the
 * bytes could not be verified completely.
 */
export async function analyzePickleBytes(buf: Buffer, ctx: AnalyzerContext, opts: PickleBytesOptions = {}): Promise<PickleBytesSummary> {
  return new PickleFileAnalysis(ctx, opts).run(buf);
}

export const pickleAnalyzer: Analyzer = {
  formats: ["pickle", "pytorch-legacy"],
  version: "1.0.0",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const size = file.source.size;
    if (size > ctx.limits.maxMemberBytes) {
      throw new LimitError("maxMemberBytes", size, ctx.limits.maxMemberBytes, `pickle of ${size} bytes is larger than the ${ctx.limits.maxMemberBytes}-byte limit for one file`);
    }
    const buf = await readAll(file.source);
    await analyzePickleBytes(buf, ctx, { file, setFormat: true });
  },
};
