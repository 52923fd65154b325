/** One model: its versions with status, policy verdict and the worst reason (scan finding or failing policy result). */
import { api, apiPath } from "../lib/api.js";
import { fmtDate, h, holdBadge, replace, route, statusBadge, table, verdictBadge } from "../lib/dom.js";
import { holdOf, versionPassed } from "../lib/verdict.js";

export async function render(container, [project, model], ctx) {
  const versions = await api(apiPath("projects", project, "models", model, "versions"));
  if (!ctx.current()) return;
  const list = Array.isArray(versions) ? versions : [];
  // Lists carry a verdict only on servers that summarise it; the version page always shows it.
  const withVerdict = list.some((v) => versionPassed(v) !== undefined);
  const rows = list.map((v) => h("tr", { "data-version": String(v.version) },
    h("td", {}, h("a", { href: route("projects", project, "models", model, "versions", v.version) }, String(v.version))),
    h("td", {}, statusBadge(v.status)),
    withVerdict ? h("td", {}, verdictBadge(versionPassed(v))) : null,
    h("td", {}, holdBadge(holdOf(v)) ?? h("span", { class: "muted" }, v.scan ? "none" : "—")),
    h("td", {}, reasonsText(v.reasons)),
    h("td", {}, v.createdBy ? String(v.createdBy) : "—"),
    h("td", {}, fmtDate(v.createdAt))));
  replace(container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Models"), " / ", project),
    h("h1", {}, `${project} / ${model}`),
    list.length
      ? table("Versions", ["Version", "Status", ...(withVerdict ? ["Verdict"] : []), "Worst finding", "Reasons", "Pushed by", "Pushed at"], rows, { id: "versions" })
      : h("p", { class: "muted" }, "This model has no versions visible to you yet."));
}

export function reasonsText(reasons) {
  if (!Array.isArray(reasons) || reasons.length === 0) return h("span", { class: "muted" }, "—");
  return h("ul", { class: "reasons" }, reasons.map((r) => h("li", {}, String(r))));
}
