import { LimitError } from "../../core/errors.js";
import { severityRank } from "../../core/severity.js";
import { getRule } from "../../rules/catalog.js";
import type { Issue } from "../analyzer.js";
import { analyzeChatTemplate } from "../jinja/chat-template.js";
import { analyzeKerasConfig, isKerasConfig } from "../keras/config.js";
import { parsePythonJson } from "../keras/python-json.js";
import { findTorchModuleBlobs, type EmbeddedBlob } from "../keras/torch-module.js";
import { analyzeFormatManifest } from "../unsupported/manifests.js";
import { findCodeReferences, type CodeReference } from "./code-refs.js";
import { formatPath, nearestKey, walkConfig } from "./config-tree.js";
import { findEndpoint } from "./endpoints.js";
import { isSbomDocument } from "./sbom-document.js";
import { findKeyedSecret, findKnownSecrets } from "./secrets.js";
import { findShellCommands } from "./shell.js";
import { dangerousCallable, instantiateTargets } from "./targets.js";
import { findTemplates, startsLikeTemplate, TEMPLATE_FILE_NAME } from "./templates.js";
import { looksLikeYamlMapping, MAX_YAML_BYTES, parseYamlConfig } from "./yaml-config.js";

/** Where findings go as they are made (so nothing is lost if a later step throws). */
export type IssueSink = (issue: Issue) => void;

export interface InspectOptions {
  /** Called now and then during long walks; throws LimitError when the time budget is spent. */
  checkDeadline?: () => void;
  /** Receives blobs a loader decodes and deserialises (Keras TorchModuleWrapper modules); the caller scans them. */
  embedded?: (blob: EmbeddedBlob) => void;
  /** Largest embedded blob decoded (default 512 MiB). */
  maxEmbeddedBytes?: number;
}

/**
 * A chat template a loader renders whose parse failed is never below medium: "Jinja2 refuses it too" is this
 * parser's judgement from a lexical scan, and when it is wrong the template's content, unverified, runs with
 * every prompt.
 */
function renderedTemplateIssue(issue: Issue): Issue {
  if (issue.ruleId === "jinja/unparseable" && issue.severity !== undefined && severityRank(issue.severity) < severityRank("medium")) {
    return { ...issue, severity: "medium", message: `${issue.message} (medium: a loader renders this field, and the verdict that Jinja2 refuses it comes from a lexical scan)` };
  }
  return issue;
}

/** Strings shorter than this cannot hold any pattern we look for; skipping them keeps vocabularies cheap. */
const MIN_CHECKED_STRING = 8;
/** Lines of plain text checked for well-known credentials. */
const MAX_TEXT_SECRET_LINE = 16 * 1024;

function issueSeverityRank(issue: Issue): number {
  return severityRank(issue.severity ?? getRule(issue.ruleId).severity);
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** One finding per Python file a configuration makes a loader import. */
function reportCodeReferences(refs: CodeReference[], where: string, sink: IssueSink): void {
  const byFile = new Map<string, CodeReference[]>();
  for (const r of refs) {
    const k = r.repo === undefined ? r.file : `${r.repo}::${r.file}`;
    byFile.set(k, [...(byFile.get(k) ?? []), r]);
  }
  for (const group of byFile.values()) {
    const first = group[0]!;
    const uses = group.map((r) => `${r.via} → ${r.className}`).join(", ");
    const loader = first.loader === "transformers" ? "transformers" : first.loader;
    if (first.repo !== undefined) {
      sink({
        ruleId: "hf/remote-code",
        message: `${where}: ${uses} makes ${loader} download ${first.file} from the repository ${first.repo} and run it (trust_remote_code=True); that code is not part of this artifact`,
        evidence: { where, repo: first.repo, module: first.module, file: first.file, classes: group.map((r) => r.className).join(",") },
      });
    } else {
      sink({
        ruleId: "hf/custom-code",
        message: `${where}: ${uses} makes ${loader} import and run ${first.file} from the model folder (trust_remote_code=True)`,
        evidence: { where, module: first.module, file: first.file, classes: group.map((r) => r.className).join(",") },
      });
    }
  }
}

function reportTemplates(root: unknown, where: string, sink: IssueSink): void {
  for (const site of findTemplates(root)) {
    const label = `${where}: ${site.where}`;
    const issues = analyzeChatTemplate(site.source, label);
    if (site.rendered) {
      for (const issue of issues) sink(renderedTemplateIssue(issue));
      continue;
    }
    const worst = issues.reduce((m, i) => Math.max(m, issueSeverityRank(i)), -1);
    if (worst >= severityRank("medium")) {
      const rules = [...new Set(issues.map((i) => i.ruleId))];
      sink({
        ruleId: "hf/unrendered-template",
        message: `${label} holds a template that would be dangerous if rendered (${rules.join(", ")}), but no known loader renders this field`,
        evidence: { where: label, rules: rules.join(",") },
      });
    }
  }
}

/**
 * Checks a parsed JSON/YAML configuration: custom code references, chat templates, Keras model
 * configs, format manifests, instantiate targets, credentials, shell commands and fetched endpoints.
 */
export function inspectConfigValue(root: unknown, where: string, sink: IssueSink, options: InspectOptions = {}): void {
  if (isKerasConfig(root)) {
    for (const issue of analyzeKerasConfig(root, where)) sink(issue);
    if (options.embedded) for (const blob of findTorchModuleBlobs(root, options.maxEmbeddedBytes ?? 512 * 1024 * 1024)) options.embedded(blob);
  }
  for (const issue of analyzeFormatManifest(root, where)) sink(issue);
  reportCodeReferences(findCodeReferences(root), where, sink);
  reportTemplates(root, where, sink);
  const sbom = isSbomDocument(root, where);
  walkConfig(
    root,
    {
      object(value, path) {
        for (const { key, target } of instantiateTargets(value)) {
          const entry = dangerousCallable(target);
          if (entry === undefined) continue;
          const field = path === undefined ? key : `${formatPath(path)}.${key}`;
          sink({
            ruleId: "hf/dangerous-target",
            message: `${where}: ${field} = "${clip(target, 120)}" makes instantiate() call into ${entry}`,
            evidence: { where, field, target: clip(target), matched: entry },
          });
        }
      },
      string(value, path) {
        if (value.length < MIN_CHECKED_STRING) return;
        const key = nearestKey(path) ?? "";
        const known = findKnownSecrets(value);
        const keyed = known.length === 0 ? findKeyedSecret(key, value) : undefined;
        const commands = findShellCommands(value);
        const endpoint = sbom ? undefined : findEndpoint(key, value);
        if (known.length === 0 && !keyed && commands.length === 0 && !endpoint) return;
        const field = formatPath(path);
        for (const s of known) {
          sink({ ruleId: "hf/embedded-secret", message: `${where}: ${field} holds a ${s.kind} (${s.masked})`, evidence: { where, field, kind: s.kind, value: s.masked } });
        }
        if (keyed) {
          sink({ ruleId: "hf/embedded-secret", message: `${where}: ${field} holds what looks like a real credential (${keyed.masked})`, evidence: { where, field, kind: "generic", value: keyed.masked } });
        }
        if (commands.length > 0) {
          const what = commands.map((c) => c.what).join(", ");
          sink({ ruleId: "hf/shell-command", message: `${where}: ${field} contains a shell command: ${what} ("${commands[0]!.excerpt}")`, evidence: { where, field, kind: what, command: commands[0]!.excerpt } });
        }
        if (endpoint) {
          sink({
            ruleId: "hf/external-url",
            message: `${where}: ${field} points to ${endpoint.scheme}://${endpoint.host}, which a loader or tool reading this configuration would contact`,
            evidence: { where, field, url: clip(value.trim()) },
          });
        }
      },
    },
    options.checkDeadline,
  );
}

/** Plain text (not a configuration or template): only well-known credential formats, line by line. */
function inspectPlainText(text: string, where: string, sink: IssueSink, options: InspectOptions): void {
  let line = 1;
  let start = 0;
  const seen = new Set<string>();
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end - start >= MIN_CHECKED_STRING) {
      const segment = text.slice(start, Math.min(end, start + MAX_TEXT_SECRET_LINE));
      for (const s of findKnownSecrets(segment)) {
        if (seen.has(s.kind)) continue;
        seen.add(s.kind);
        sink({ ruleId: "hf/embedded-secret", message: `${where}: line ${line} holds a ${s.kind} (${s.masked})`, offset: start, evidence: { where, line, kind: s.kind, value: s.masked } });
      }
    }
    if (line % 4096 === 0) options.checkDeadline?.();
    line++;
    start = end + 1;
  }
}

/**
 * Inspects the text of a JSON, YAML, Jinja template or other text file by content (the name only
 * breaks ties: `*.json` that does not parse is a note, `*.jinja` is always a template).
 * Throws LimitError (YAML alias bombs, absurd nesting); findings made before stay reported.
 */
export function inspectConfigText(text: string, name: string, sink: IssueSink, options: InspectOptions = {}): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const trimmed = body.trimStart();
  const templateName = TEMPLATE_FILE_NAME.test(name);
  const first = trimmed[0];
  if (!templateName && (first === "{" || first === "[") && !startsLikeTemplate(trimmed)) {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(body);
      parsed = true;
    } catch {
      // Not JSON after all (JSON lines, JSON5, a template…): checked as text below.
    }
    if (!parsed) {
      // Python's json module, which transformers and Keras read configs with, also takes NaN and Infinity.
      try {
        value = parsePythonJson(body);
        parsed = true;
      } catch (e) {
        if (e instanceof LimitError) throw e;
      }
    }
    if (parsed) {
      inspectConfigValue(value, name, sink, options);
      return;
    }
    if (/\.json$/i.test(name)) {
      sink({ ruleId: "hf/invalid-config", message: `${name}: not valid JSON (not even for Python's json module); checked as plain text only`, evidence: { where: name } });
    }
  }
  if (templateName || startsLikeTemplate(trimmed)) {
    // chat_template.jinja and additional_chat_templates/*.jinja are rendered by transformers.
    for (const issue of analyzeChatTemplate(body, name)) sink(templateName ? renderedTemplateIssue(issue) : issue);
    return;
  }
  const yamlName = /\.ya?ml$/i.test(name);
  if ((yamlName || looksLikeYamlMapping(body)) && body.length <= MAX_YAML_BYTES) {
    const parsed = parseYamlConfig(body);
    if (parsed && typeof parsed.value === "object" && parsed.value !== null) {
      for (const tag of parsed.pythonTags) {
        const callable = tag.tag.replace(/^tag:yaml\.org,2002:python\/[a-z/]+:?/, "");
        const entry = callable ? dangerousCallable(callable) : undefined;
        sink({
          ruleId: "hf/yaml-python-object",
          message: `${name}: YAML tag ${tag.tag.replace("tag:yaml.org,2002:", "!!")} makes unsafe PyYAML loaders ${callable ? `call ${callable}` : "build a Python object"} while parsing`,
          evidence: { where: name, tag: clip(tag.tag), ...(entry ? { matched: entry } : {}) },
          ...(entry !== undefined ? { severity: "critical" as const } : {}),
        });
      }
      inspectConfigValue(parsed.value, name, sink, options);
      return;
    }
    if (yamlName) sink({ ruleId: "hf/invalid-config", message: `${name}: not valid YAML; checked as plain text only`, evidence: { where: name } });
  } else if (yamlName) {
    throw new LimitError("maxYamlBytes", body.length, MAX_YAML_BYTES, `YAML configuration larger than ${MAX_YAML_BYTES} characters was not parsed`);
  }
  inspectPlainText(body, name, sink, options);
}
