/**
 * The organisation policy (issue 6 YAML format) and per-project overrides. Read-only for everyone but
 * administrators; an administrator's edit is validated by the server and its error (with the line) shown.
 */
import { ApiError, api, apiOptional, apiPath, describeError } from "../lib/api.js";
import { errorBox, facts, fmtDate, h, replace } from "../lib/dom.js";

export async function render(container, _params, ctx) {
  const projects = await api(apiPath("projects")).catch(() => []);
  if (!ctx.current()) return;
  const scopeSelect = h("select", { id: "policy-scope", name: "scope" },
    h("option", { value: "" }, "Organisation policy"),
    (Array.isArray(projects) ? projects : []).map((p) => h("option", { value: String(p.name) }, `Project override: ${p.name}`)));
  const body = h("div", { id: "policy-body" });
  scopeSelect.addEventListener("change", () => void load(body, scopeSelect.value, ctx));
  replace(container,
    h("h1", {}, "Policy"),
    h("p", { class: "muted" }, "The rule book every pushed version is checked against (the same YAML format as modelgate check). A project override replaces the organisation policy for that project."),
    h("div", { class: "field-inline" }, h("label", { for: "policy-scope" }, "Show"), scopeSelect),
    body);
  await load(body, "", ctx);
}

function sourceText(source) {
  if (source === "org") return "organisation policy (stored on the server)";
  if (source === "project") return "project override";
  if (source === "config") return "organisation policy file (modelgate serve --policy)";
  return String(source);
}

async function load(body, project, ctx) {
  const path = project ? apiPath("projects", project, "policy") : apiPath("policy");
  replace(body, h("p", { class: "muted", role: "status" }, "Loading…"));
  let policy;
  try {
    policy = await apiOptional(path);
  } catch (err) {
    replace(body, errorBox(`Cannot read the policy: ${describeError(err)}`));
    return;
  }
  const yaml = typeof policy?.yaml === "string" ? policy.yaml : "";
  const inherited = project && policy?.source && policy.source !== "project";
  const meta = yaml
    ? facts([
      ["Source", policy.source ? sourceText(policy.source) : undefined],
      ["Digest", policy.digest ? h("code", { class: "digest" }, String(policy.digest)) : undefined],
      ["Updated", policy.updatedAt ? fmtDate(policy.updatedAt) : undefined],
      ["Updated by", policy.updatedBy ? String(policy.updatedBy) : undefined],
    ])
    : null;
  const none = h("p", { class: "muted", id: "policy-note" },
    !yaml
      ? (project ? "This project has no override and there is no organisation policy: the policy engine's built-in default profile applies." : "No organisation policy is set: versions are checked with the policy engine's built-in default profile.")
      : inherited ? "This project has no override: the organisation policy below applies." : "");
  if (!ctx.principal?.admin) {
    replace(body, h("section", { class: "card" },
      h("h2", {}, project ? `Override for ${project}` : "Organisation policy"),
      none, meta,
      yaml ? h("pre", { class: "yaml", id: "policy-yaml", tabindex: "0", "aria-label": "Policy YAML (read-only)" }, yaml) : null,
      h("p", { class: "muted small" }, "Read-only: only administrators can change the policy.")));
    return;
  }
  const textarea = h("textarea", { id: "policy-editor", name: "yaml", rows: "24", spellcheck: "false", "aria-describedby": "policy-help", class: "yaml" });
  textarea.value = yaml || "version: 1\nextends: default\n";
  const message = h("div", { id: "policy-message", "aria-live": "polite" });
  const save = h("button", { type: "submit", class: "primary" }, "Save policy");
  const form = h("form", { class: "card", id: "policy-form", novalidate: true },
    h("h2", {}, project ? `Override for ${project}` : "Organisation policy"),
    none, meta,
    h("label", { for: "policy-editor" }, project ? `Policy YAML for ${project}` : "Policy YAML"),
    textarea,
    h("p", { id: "policy-help", class: "muted small" }, "The server validates the policy before storing it; a mistake is reported with its line and nothing changes. Every change is recorded in the audit log."),
    h("div", { class: "actions" }, save),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    replace(message, h("p", { class: "muted", role: "status" }, "Validating and saving…"));
    try {
      const saved = await api(path, { method: "PUT", body: { yaml: textarea.value } });
      replace(message, h("p", { class: "ok", role: "status" }, `Saved${saved?.digest ? ` (digest ${saved.digest})` : ""}.`));
    } catch (err) {
      const detail = err instanceof ApiError && err.status === 400 ? "The policy is not valid" : "Saving failed";
      replace(message, errorBox(`${detail}: ${describeError(err)}`));
      textarea.focus();
    } finally {
      save.disabled = false;
    }
  });
  replace(body, form);
}
