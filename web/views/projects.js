/** Home: every project the token can see, with its models, their latest version and status. */
import { api, apiPath, describeError } from "../lib/api.js";
import { errorBox, fmtDate, h, replace, route, statusBadge, table } from "../lib/dom.js";

export async function render(container, _params, ctx) {
  const projects = await api(apiPath("projects"));
  if (!ctx.current()) return;
  const list = Array.isArray(projects) ? projects : [];
  const cards = await Promise.all(list.map(async (project) => {
    const name = String(project.name);
    let body;
    try {
      const models = await api(apiPath("projects", name, "models"));
      const rows = (Array.isArray(models) ? models : []).map((m) => [
        h("a", { href: route("projects", name, "models", m.name) }, String(m.name)),
        m.latest ? String(m.latest.version) : "—",
        m.latest ? statusBadge(m.latest.status) : h("span", { class: "muted" }, "no versions"),
        String(Array.isArray(m.versions) ? m.versions.length : m.versions ?? "—"),
      ]);
      body = rows.length ? table(null, ["Model", "Latest version", "Status", "Versions"], rows, { "data-project": name }) : h("p", { class: "muted" }, "No models yet. Push one with: modelgate push MODEL --to URL");
    } catch (err) {
      body = errorBox(`Cannot list the models of ${name}: ${describeError(err)}`);
    }
    return h("section", { class: "card project", "aria-labelledby": `project-${cssId(name)}` },
      h("h2", { id: `project-${cssId(name)}` }, name, h("span", { class: "muted small" }, ` · created ${fmtDate(project.createdAt)}`)),
      body);
  }));
  if (!ctx.current()) return;
  replace(container,
    h("h1", {}, "Models"),
    list.length ? cards : h("p", { class: "muted" }, "No projects are visible to this token. An administrator creates projects with POST /api/v1/projects and gives tokens a role in them."));
}

/** A stable id fragment from a name (ids only; the name itself is shown as text). */
function cssId(name) {
  return Array.from(name, (c) => (/[A-Za-z0-9_-]/.test(c) ? c : `_${c.codePointAt(0).toString(16)}`)).join("");
}
