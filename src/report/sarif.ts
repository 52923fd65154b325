import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ArtifactLocation, Log, ReportingDescriptor, Result } from "sarif";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import type { RuleDefinition } from "../rules/rule.js";
import { MEMBER_SEPARATOR } from "../core/virtual-file.js";

const LEVEL: Record<Severity, Result.level> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/** GitHub code scanning reads `security-severity` (0–10) to rank security alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

/** The uriBaseId of every artifact in the repository; `run.originalUriBaseIds` says where it is. */
export const SRCROOT = "%SRCROOT%";

export interface SarifOptions {
  /** Rule definitions for every rule id in the report (from the catalog). */
  rules: (id: string) => RuleDefinition;
  /**
   * Folder that artifact URIs are made relative to (`%SRCROOT%`): the repository root in CI. Default: the
   * repository root holding the current directory (see findRepositoryRoot), else the current directory.
   */
  baseDir?: string;
}

/**
 * The nearest folder from `start` upward that holds a `.git` entry (a folder, or the file a worktree or a
 * submodule has), else `start` itself. Code scanning maps URIs relative to the checkout's root, wherever in it
 * modelgate ran (a working-directory of the action, `cd models && modelgate scan .`). No git process: a
 * runner image without git still finds it.
 */
export function findRepositoryRoot(start: string = process.cwd()): string {
  const from = resolve(start);
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      lstatSync(join(dir, ".git"));
      return dir;
    } catch {
      // not here: one folder up
    }
    if (dirname(dir) === dir) return from;
  }
}

/** Makes artifact locations for files on disk, relative to one root folder. */
export interface SarifLocator {
  /** `run.originalUriBaseIds`: `%SRCROOT%` as a file URL ending in "/" (SARIF requires the slash). */
  originalUriBaseIds: Record<string, ArtifactLocation>;
  /** The location of a file or folder on disk (relative paths are taken from the current directory). */
  locate(path: string): ArtifactLocation;
}

/** A locator for `baseDir` (default: the repository root holding the current directory). Shared with check's SARIF. */
export function sarifLocator(baseDir: string = findRepositoryRoot()): SarifLocator {
  const href = pathToFileURL(resolve(baseDir)).href;
  const root = href.endsWith("/") ? href : `${href}/`;
  return {
    originalUriBaseIds: { [SRCROOT]: { uri: root } },
    locate(path) {
      // Through the file URL, so the relative part is percent-encoded exactly as the base is (spaces, #, %, ?).
      const url = pathToFileURL(resolve(path)).href;
      // The root folder itself (a finding on the folder scanned, `modelgate check .`): "." resolves to the base.
      if (url === root || `${url}/` === root) return { uri: ".", uriBaseId: SRCROOT };
      if (url.startsWith(root)) {
        // A colon in the first segment would read as a URI scheme ("a:b.pkl"): encoded, it stays a path.
        const rel = url.slice(root.length).replace(/^[^/]*/, (first) => first.replaceAll(":", "%3A"));
        return { uri: rel, uriBaseId: SRCROOT };
      }
      // Not in the repository: GitHub will not map it to a file, but the absolute URI is still where it is.
      return { uri: url };
    },
  };
}

/** The file on disk a finding is in: the outer container for a finding inside an archive member. */
export function diskPath(virtualPath: string): string {
  return virtualPath.split(MEMBER_SEPARATOR)[0]!;
}

function describeRule(rule: RuleDefinition): ReportingDescriptor {
  return {
    id: rule.id,
    name: rule.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : "")),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: rule.remediation, markdown: `**Remediation:** ${rule.remediation}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ["security", ...rule.cwe.map((c) => `external/cwe/${c.toLowerCase()}`), ...rule.atlas, ...rule.owasp],
      precision: "high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
    },
  };
}

/** Keyed by the file's URI, not the path as given: the same finding keeps its fingerprint from any working directory. */
function fingerprint(f: Finding, location: ArtifactLocation): string {
  const member = f.location.path.split(MEMBER_SEPARATOR).slice(1);
  return createHash("sha256")
    .update([f.ruleId, [location.uri, ...member].join(MEMBER_SEPARATOR), f.location.offset ?? "", f.message].join("\u0000"))
    .digest("hex");
}

/** SARIF 2.1.0, as GitHub code scanning accepts it. */
export function formatSarif(report: Report, options: SarifOptions): string {
  const locator = sarifLocator(options.baseDir);
  const ruleIds = [...new Set(report.files.flatMap((f) => f.findings.map((x) => x.ruleId)))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: Result[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      const inMember = f.location.path.includes(MEMBER_SEPARATOR);
      // A member has no path GitHub can open: the result points at the archive on disk, the member is named in the message.
      const artifactLocation = locator.locate(diskPath(f.location.path));
      const where = inMember ? ` [in ${f.location.path.split(MEMBER_SEPARATOR).slice(1).join(MEMBER_SEPARATOR)}]` : "";
      const result: Result = {
        ruleId: f.ruleId,
        ruleIndex: index.get(f.ruleId)!,
        level: LEVEL[f.severity],
        message: { text: `${f.message}${where}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation,
              // Model files are binary: GitHub needs a line, the byte offset travels in properties.
              region: { startLine: 1 },
            },
          },
        ],
        partialFingerprints: { "modelgateFinding/v1": fingerprint(f, artifactLocation) },
        properties: {
          severity: f.severity,
          virtualPath: f.location.path,
          ...(f.location.offset !== undefined ? { offset: f.location.offset } : {}),
          ...(f.evidence ? { evidence: f.evidence } : {}),
        },
      };
      results.push(result);
    }
  }
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: ruleIds.map((id) => describeRule(options.rules(id))),
          },
        },
        originalUriBaseIds: locator.originalUriBaseIds,
        ...((report.relaxations ?? []).length > 0
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  toolConfigurationNotifications: (report.relaxations ?? []).map((r) => ({
                    level: "warning" as const,
                    descriptor: { id: "gate.relaxation" },
                    message: { text: `the gate is relaxed by ${r.setting} ${r.value}: ${r.effect}; reason: ${r.reason}` },
                  })),
                },
              ],
            }
          : {}),
        results,
        columnKind: "unicodeCodePoints",
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
