/* global window */
/**
 * Search: every version the token can see, filtered in the browser by project or model name, version, status,
 * or a prefix of the model digest. There is no search API yet: the view reads the same lists the other pages use
 * (projects → models → versions) once, then filters as you type.
 */
import { api, apiPath, describeError } from "../lib/api.js";
import { errorBox, fmtDate, h, holdBadge, replace, route, statusBadge, table } from "../lib/dom.js";
import { holdOf } from "../lib/verdict.js";

/** Status words a search term can match (the API's value and the label the badges show). */
const STATUS_WORDS = {
  uploading: ["uploading"],
  pending: ["pending", "pending scan"],
  approved: ["approved"],
  quarantined: ["quarantined", "quarantine"],
  rejected: ["rejected"],
  revoked: ["revoked"],
};

/** Loads every visible version (and models without versions) as flat search entries. */
export async function loadIndex() {
  const projects = await api(apiPath("projects"));
  const entries = [];
  const problems = [];
  await Promise.all((Array.isArray(projects) ? projects : []).map(async (p) => {
    const project = String(p.name);
    let models;
    try {
      models = await api(apiPath("projects", project, "models"));
    } catch (err) {
      problems.push(`the models of ${project}: ${describeError(err)}`);
      return;
    }
    await Promise.all((Array.isArray(models) ? models : []).map(async (m) => {
      const model = String(m.name);
      let versions = [];
      if ((typeof m.versions === "number" ? m.versions : 1) > 0) {
        try {
          versions = await api(apiPath("projects", project, "models", model, "versions"));
        } catch (err) {
          problems.push(`the versions of ${project}/${model}: ${describeError(err)}`);
          return;
        }
      }
      if (!Array.isArray(versions) || versions.length === 0) entries.push({ project, model });
      else for (const v of versions) entries.push({ project, model, version: String(v.version), status: String(v.status ?? ""), digest: typeof v.digest === "string" ? v.digest : undefined, summary: v });
    }));
  }));
  entries.sort((a, b) => a.project.localeCompare(b.project) || a.model.localeCompare(b.model) || String(b.summary?.createdAt ?? "").localeCompare(String(a.summary?.createdAt ?? "")));
  return { entries, problems };
}

/**
 * True when every word of the query matches the entry: a substring of "project/model@version", a status (value
 * or label), or a prefix of the digest (with or without "sha256:").
 */
export function matches(entry, query) {
  const words = String(query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const name = `${entry.project}/${entry.model}${entry.version ? `@${entry.version}` : ""}`.toLowerCase();
  const statuses = entry.status ? STATUS_WORDS[entry.status] ?? [entry.status] : [];
  const digest = entry.digest?.toLowerCase();
  return words.every((w) => {
    const hex = w.replace(/^sha256:/, "");
    return name.includes(w) || statuses.some((s) => s.startsWith(w)) || (digest !== undefined && /^[0-9a-f]+$/.test(hex) && digest.startsWith(hex));
  });
}

export async function render(container, [query = ""], ctx) {
  const { entries, problems } = await loadIndex();
  if (!ctx.current()) return;
  const input = h("input", { id: "search-query", type: "search", value: query, autocomplete: "off", spellcheck: "false", "aria-describedby": "search-help", "aria-controls": "search-results" });
  const count = h("p", { id: "search-count", role: "status", "aria-live": "polite" });
  const results = h("div", { id: "search-results" });
  const show = () => {
    const q = input.value.trim();
    const hits = entries.filter((e) => matches(e, q));
    const versions = hits.filter((e) => e.version).length;
    replace(count, q
      ? `${versions} version${versions === 1 ? "" : "s"}${hits.length > versions ? ` and ${hits.length - versions} model${hits.length - versions === 1 ? "" : "s"} without versions` : ""} match “${q}”.`
      : `${versions} version${versions === 1 ? "" : "s"} you can see.`);
    replace(results, hits.length
      ? table(null, ["Version", "Status", "Worst finding", "Digest", "Pushed at"], hits.map((e) => h("tr", { "data-version": e.version ? `${e.project}/${e.model}/${e.version}` : `${e.project}/${e.model}` },
        h("td", {}, e.version
          ? h("a", { href: route("projects", e.project, "models", e.model, "versions", e.version) }, `${e.project} / ${e.model} ${e.version}`)
          : [h("a", { href: route("projects", e.project, "models", e.model) }, `${e.project} / ${e.model}`), h("span", { class: "muted small" }, " · no versions")]),
        h("td", {}, e.status ? statusBadge(e.status) : "—"),
        h("td", {}, e.summary ? holdBadge(holdOf(e.summary)) ?? h("span", { class: "muted" }, "—") : "—"),
        h("td", {}, e.digest ? h("code", { class: "digest", title: e.digest }, `${e.digest.slice(0, 12)}…`) : "—"),
        h("td", {}, e.summary ? fmtDate(e.summary.createdAt) : "—"))), { id: "search-table" })
      : h("p", { class: "muted", id: "search-empty" }, "Nothing matches. Search by project or model name, version, status (approved, quarantined…) or the first characters of a digest."));
    // Keep the address shareable without re-rendering the page (replaceState fires no hashchange).
    const hash = q ? route("search", q) : "#/search";
    if (window.location.hash !== hash) window.history.replaceState(null, "", hash);
  };
  input.addEventListener("input", show);
  replace(container,
    h("h1", {}, "Search"),
    h("div", { class: "card" },
      h("label", { for: "search-query" }, "Search versions"),
      input,
      h("p", { id: "search-help", class: "muted small" },
        "Project or model name, version (vision/legacy@2.1.0 works too), status, or the first characters of a model digest. Every word must match. The list is filtered in this browser from the versions your token can see."),
      problems.length ? errorBox(`Some lists could not be read: ${problems.join("; ")}`) : null,
      count),
    results);
  show();
}
