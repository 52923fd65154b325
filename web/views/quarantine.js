/** The quarantine queue: versions held back by a scan, a policy verdict or a reviewer, with their reasons. */
import { actionBar } from "../lib/actions.js";
import { api, apiPath } from "../lib/api.js";
import { fmtDate, h, holdBadge, replace, route, statusBadge, table } from "../lib/dom.js";
import { holdOf } from "../lib/verdict.js";
import { reasonsText } from "./model.js";

export async function render(container, _params, ctx) {
  const queue = await api(apiPath("quarantine"));
  if (!ctx.current()) return;
  const list = Array.isArray(queue) ? queue : [];
  const rows = list.flatMap((v) => {
    const key = `${v.project}/${v.model}/${v.version}`;
    // The reason form opens in a full-width row under the version, not squeezed into the actions cell.
    const panel = h("div", { class: "action-panel" });
    const formRow = h("tr", { class: "form-row", "data-form-for": key, hidden: true }, h("td", { colspan: "6" }, panel));
    const bar = actionBar({
      project: v.project, model: v.model, version: v.version, status: v.status, released: Boolean(v.released), principal: ctx.principal, compact: true,
      panel, onPanel: (open) => { formRow.hidden = !open; }, onDone: () => ctx.refresh(),
    });
    return [h("tr", { "data-version": key },
      h("td", {}, h("a", { href: route("projects", v.project, "models", v.model, "versions", v.version) }, `${v.project} / ${v.model} ${v.version}`)),
      h("td", {}, statusBadge(v.status), v.released ? h("div", { class: "small released" }, `Released by ${v.released.by}: ${v.released.reason}`) : null),
      // The worst reason it is held for: a finding, or a failing policy result (e.g. critical dependency advice).
      h("td", { class: "worst" }, holdBadge(holdOf(v), { count: true }) ?? "—"),
      h("td", {}, reasonsText(v.reasons)),
      h("td", {}, fmtDate(v.decidedAt ?? v.createdAt)),
      h("td", {}, bar ?? h("span", { class: "muted" }, "—"))), formRow];
  });
  replace(container,
    h("h1", {}, "Quarantine queue"),
    h("p", { class: "muted" }, "Versions that consumers cannot download. Approve or reject them, or — as an administrator — release one for download with a reason."),
    list.length
      ? table(`${list.length} version${list.length === 1 ? "" : "s"} in quarantine`, ["Version", "Status", "Worst finding", "Reasons", "Since", "Actions"], rows, { id: "quarantine" })
      : h("p", { class: "ok", id: "quarantine-empty" }, "The quarantine queue is empty."));
}
