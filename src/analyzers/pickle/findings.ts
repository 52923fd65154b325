/**
 * Turns what the machine recorded into findings: each imported name is classified once
 * (classify.ts), uses of the same name across a file are merged into one finding with counts,
 * and payload tricks become one finding per kind and message.
 */
import type { Evidence } from "../../core/finding.js";
import type { Severity } from "../../core/severity.js";
import { severityRank } from "../../core/severity.js";
import type { AnalyzerContext } from "../analyzer.js";
import { classifyGlobal, isIntrospectedModule, type GlobalVerdict } from "./classify.js";
import type { Anomaly, AnomalyKind, StreamResult } from "./machine.js";
import type { GlobalSite } from "./values.js";

const ANOMALY_RULES: Record<AnomalyKind, string> = {
  "non-string-global-operand": "pickle/non-string-global-operand",
  "module-attribute-overwrite": "pickle/module-attribute-overwrite",
  "global-mutation": "pickle/global-mutation",
  "unresolved-extension": "pickle/unresolved-extension",
  "computed-call": "pickle/computed-call",
  "frame-divergence": "pickle/frame-divergence",
  "loader-dos": "pickle/loader-dos",
  "memo-overflow": "pickle/memo-overflow",
  "state-code": "pickle/state-code",
};
const ANOMALY_SEVERITY: Record<AnomalyKind, Severity> = {
  "non-string-global-operand": "critical",
  "module-attribute-overwrite": "critical",
  "global-mutation": "critical",
  "unresolved-extension": "high",
  "computed-call": "high",
  "frame-divergence": "critical",
  "loader-dos": "medium",
  "memo-overflow": "low",
  "state-code": "critical",
};

/** classifyGlobal with a per-analysis cache (a pickle imports the same few names over and over). */
export class GlobalClassifier {
  private readonly cache = new Map<string, GlobalVerdict>();

  classify(module: string, name: string): GlobalVerdict {
    const key = `${module}\u0000${name}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = classifyGlobal(module, name);
      this.cache.set(key, v);
    }
    return v;
  }

  /** True for callables that unpickle their bytes argument. */
  isNestedLoader(module: string, name: string): boolean {
    const v = this.classify(module, name);
    return v.kind === "dangerous" && v.nestedPickleArg === true;
  }
}

/** One imported name, merged over every stream of the file it appears in. */
interface SiteTotal {
  site: GlobalSite;
  imports: number;
  called: number;
  rebuilt: number;
  useOffset: number | undefined;
  useOpcode: string | undefined;
  /** Stream index (0-based) it first appeared in, and how many streams it appears in. */
  stream: number;
  streams: number;
  where: string;
  /** BUILDs whose state a reviewed state rule vouched for. */
  vouched: number;
  /** The loaders whose reading of the bytes reaches it. */
  loaders: Set<string>;
}

/** Every loader that unpickles a plain pickle file (torch.load and numpy.load of a file that is neither zip nor npy). */
export const ALL_PICKLE_LOADERS: readonly string[] = ["pickle.load", "torch.load", "joblib.load", "pandas.read_pickle", "numpy.load(allow_pickle=True)"];

export interface ClassifiedGlobal {
  module: string;
  name: string;
  verdict: GlobalVerdict;
  usage: "called" | "rebuilt" | "referenced";
}

/**
 * How serious a classified name is. An unknown name that is called is high. One that is instantiated without
 * its constructor (NEWOBJ, cls.__new__(cls), then BUILD's __setstate__) is high when its module is one the
 * allowlist generator introspected — the class exists wherever the file loads and was left out because it
 * calls, opens or imports something, or was never reviewed — and medium when it is code the scan has never
 * seen (a user's own class). One that is only referenced is medium.
 */
export function globalSeverity(g: ClassifiedGlobal): Severity | undefined {
  if (g.verdict.kind === "dangerous") return "critical";
  if (g.verdict.kind === "unknown") {
    if (g.usage === "called") return "high";
    if (g.verdict.rebuildable === true) return undefined;
    if (g.usage === "rebuilt" && isIntrospectedModule(g.module)) return "high";
    return "medium";
  }
  return undefined;
}

export function usageOf(s: { called: number; rebuilt: number }): "called" | "rebuilt" | "referenced" {
  return s.called > 0 ? "called" : s.rebuilt > 0 ? "rebuilt" : "referenced";
}

/** Everything imported or done by a stream and the streams it read inline, classified. */
export function classifyStream(r: StreamResult, classifier: GlobalClassifier): { globals: ClassifiedGlobal[]; anomalies: Anomaly[] } {
  const globals: ClassifiedGlobal[] = [];
  const anomalies: Anomaly[] = [];
  const visit = (s: StreamResult): void => {
    for (const site of s.sites) globals.push({ module: site.module, name: site.name, verdict: classifier.classify(site.module, site.name), usage: usageOf(site) });
    anomalies.push(...s.anomalies);
    for (const sub of s.substreams) visit(sub);
  };
  visit(r);
  return { globals, anomalies };
}

export function anomalySeverity(kind: AnomalyKind): Severity {
  return ANOMALY_SEVERITY[kind];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Collects the globals and tricks of every stream in a file, then reports them once each. */
export class PickleFindings {
  private readonly totals = new Map<string, SiteTotal>();
  private readonly anomalies = new Map<string, { anomaly: Anomaly; count: number; stream: number; loaders: Set<string> }>();
  private multiStream = false;

  constructor(
    private readonly classifier: GlobalClassifier,
    /** Prefix for messages ("object array data: "), empty for a plain pickle file. */
    private readonly label: string,
  ) {}

  /** Adds a stream (and the inline joblib object-array pickles it read) under its 0-based index. */
  addStream(r: StreamResult, stream: number, where = "", loaders: readonly string[] = ALL_PICKLE_LOADERS): void {
    if (stream > 0) this.multiStream = true;
    for (const site of r.sites) {
      const key = `${site.module}\u0000${site.name}`;
      const t = this.totals.get(key);
      if (t === undefined) {
        this.totals.set(key, {
          site,
          imports: site.imports,
          called: site.called,
          rebuilt: site.rebuilt,
          useOffset: site.useOffset,
          useOpcode: site.useOpcode,
          stream,
          streams: 1,
          where,
          vouched: site.vouched ?? 0,
          loaders: new Set(loaders),
        });
      } else {
        t.imports += site.imports;
        t.called += site.called;
        t.rebuilt += site.rebuilt;
        t.vouched += site.vouched ?? 0;
        if (t.useOffset === undefined && site.useOffset !== undefined) {
          t.useOffset = site.useOffset;
          t.useOpcode = site.useOpcode;
        }
        if (t.stream !== stream) t.streams++;
        for (const l of loaders) t.loaders.add(l);
      }
    }
    for (const a of r.anomalies) {
      const key = `${a.kind}\u0000${a.message}`;
      const prev = this.anomalies.get(key);
      if (prev) {
        prev.count++;
        for (const l of loaders) prev.loaders.add(l);
      } else this.anomalies.set(key, { anomaly: a, count: 1, stream, loaders: new Set(loaders) });
    }
    for (const sub of r.substreams) this.addStream(sub, stream, "a joblib object array pickle", ["joblib.load"]);
  }

  /**
   * Reports everything collected; call once, before throwing any error for the file. `verifiedCalls` tells how
   * many calls of a loader (a callable that unpickles its bytes argument) only unpickled bytes verified clean.
   */
  flush(ctx: AnalyzerContext, verifiedCalls: (loader: string) => number = () => 0): void {
    const rows = [...this.totals.values()].map((t) => ({ t, verdict: this.classifier.classify(t.site.module, t.site.name) }));
    const rank = (v: GlobalVerdict, t: SiteTotal): number => (v.kind === "dangerous" ? 3 : v.kind === "unknown" ? (t.called > 0 ? 2 : 1) : 0);
    rows.sort((a, b) => rank(b.verdict, b.t) - rank(a.verdict, a.t) || a.t.site.offset - b.t.site.offset);
    for (const { t, verdict } of rows) {
      if (verdict.kind === "safe") continue;
      const { module, name } = t.site;
      const usage = usageOf(t);
      // Rebuilt without its constructor, and the generator vouched for everything a rebuild runs.
      if (verdict.kind === "unknown" && verdict.rebuildable === true && usage !== "called") continue;
      // An attribute fetched with getattr and never called (an enum member, a class attribute) of a known-safe
      // owner gives the pickle nothing: only calling it would.
      if (t.site.via === "getattr" && usage === "referenced" && verdict.kind === "unknown" && this.ownerIsSafe(module, name)) continue;
      // Rebuilt only, and every state a reviewed rule checks was the one the library writes (scipy distributions).
      if (usage === "rebuilt" && verdict.kind === "unknown" && t.vouched > 0) {
        ctx.report("pickle/verified-state", {
          message: `${this.label}${module}.${name} is rebuilt with state its __setstate__ runs code from, and that state is the one the library itself writes (${t.vouched} checked)`,
          offset: t.site.offset,
          evidence: { module, name, usage, stream: t.stream + 1, checked: t.vouched },
        });
        continue;
      }
      const evidence: Evidence = {
        module,
        name,
        opcode: t.site.opcode,
        usage,
        stream: t.stream + 1,
        imports: t.imports,
      };
      evidence.loaders = [...t.loaders].join(", ");
      if (t.called > 0) evidence.calls = t.called;
      if (t.site.args !== undefined) evidence.arguments = t.site.args;
      if (t.site.via === "getattr") evidence.via = "builtins.getattr";
      if (t.rebuilt > 0) evidence.rebuilds = t.rebuilt;
      if (t.useOpcode !== undefined) evidence.useOpcode = t.useOpcode;
      if (t.streams > 1) evidence.streams = t.streams;
      const how = this.describeUse(t, usage);
      if (verdict.kind === "dangerous" && verdict.libraryLoader === true && usage === "called" && verifiedCalls(`${module}.${name}`) >= t.called) {
        // Every call unpickles constant bytes that were read to the end with only known-safe names: the loader
        // runs nothing we have not seen. A call on computed bytes, or one more than was followed, keeps it critical.
        ctx.report("pickle/verified-nested-loader", {
          message: `${this.label}${module}.${name} ${how}; every call unpickles constant bytes that were verified (known-safe names only)`,
          offset: t.site.offset,
          evidence: { ...evidence, category: verdict.category },
        });
      } else if (verdict.kind === "dangerous") {
        evidence.category = verdict.category;
        ctx.report("pickle/dangerous-global", {
          message: `${this.label}${module}.${name} (${verdict.category}: ${verdict.reason}) ${how}`,
          offset: t.site.offset,
          evidence,
        });
      } else if (usage === "called") {
        ctx.report("pickle/unknown-global-call", {
          message: `${this.label}${module}.${name} is not a known-safe callable and ${how}`,
          offset: t.site.offset,
          evidence,
        });
      } else {
        const severity = globalSeverity({ module, name, verdict, usage });
        const why =
          severity === "high"
            ? `; ${module.split(".", 1)[0]} is installed wherever this loads and this class was left off the allowlist (it calls, opens or imports something at load, or was never reviewed), so its __new__/__setstate__/__del__ run unvouched`
            : "";
        ctx.report("pickle/unknown-global-rebuilt", {
          message: `${this.label}${module}.${name} is not a known-safe name and ${how}${why}`,
          offset: t.site.offset,
          evidence,
          ...(severity === "high" ? { severity } : {}),
        });
      }
    }
    for (const { anomaly, count, stream, loaders } of this.anomalies.values()) {
      const evidence: Evidence = { ...anomaly.evidence, stream: stream + 1, loaders: [...loaders].join(", ") };
      if (count > 1) evidence.count = count;
      ctx.report(ANOMALY_RULES[anomaly.kind], {
        message: `${this.label}${anomaly.message}${this.streamNote(stream)}${count > 1 ? ` (${count} times)` : ""}`,
        offset: anomaly.offset,
        evidence,
      });
    }
    this.totals.clear();
    this.anomalies.clear();
  }

  private ownerIsSafe(module: string, name: string): boolean {
    const dot = name.lastIndexOf(".");
    return dot > 0 && this.classifier.classify(module, name.slice(0, dot)).kind === "safe";
  }

  private streamNote(stream: number): string {
    return this.multiStream || stream > 0 ? ` in pickle stream ${stream + 1}` : "";
  }

  private describeUse(t: SiteTotal, usage: "called" | "rebuilt" | "referenced"): string {
    const parts: string[] = [];
    parts.push(
      t.site.via === "getattr"
        ? `is fetched at load time by builtins.getattr (${t.site.opcode} at offset ${t.site.offset})${this.streamNote(t.stream)}`
        : `is imported by ${t.site.opcode} at offset ${t.site.offset}${this.streamNote(t.stream)}`,
    );
    if (t.where) parts.push(`inside ${t.where}`);
    if (usage === "called") {
      parts.push(
        `and called by ${t.useOpcode ?? "a call opcode"} at offset ${t.useOffset ?? "?"}${t.site.args !== undefined ? ` with ${t.site.args}` : ""}${t.called > 1 ? ` (${plural(t.called, "call")})` : ""}`,
      );
    }
    else if (usage === "rebuilt") parts.push(`and rebuilt without its constructor by ${t.useOpcode ?? "NEWOBJ"} at offset ${t.useOffset ?? "?"}${t.rebuilt > 1 ? ` (${plural(t.rebuilt, "object")})` : ""}`);
    else parts.push("and only referenced, not called");
    if (t.streams > 1) parts.push(`(in ${t.streams} streams)`);
    return parts.join(" ");
  }
}

export function maxSeverityOf(list: Iterable<Severity | undefined>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of list) if (s !== undefined && (best === undefined || severityRank(s) > severityRank(best))) best = s;
  return best;
}
