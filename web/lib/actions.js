/**
 * Decision actions on a version (approve, quarantine, release, reject, revoke). Each asks for a reason in a
 * form — the reason is recorded in the audit log — and shows the server's error (e.g. 403 when a publisher
 * tries to approve its own upload) instead of hiding it.
 */
import { api, apiPath, describeError } from "./api.js";
import { errorBox, h, replace } from "./dom.js";

export const ACTIONS = {
  approve: { label: "Approve", verb: "Approve this version so consumers can download it", danger: false },
  quarantine: { label: "Quarantine", verb: "Quarantine this version: downloads are refused until it is approved or released", danger: true },
  release: { label: "Release", verb: "Release this version for download despite its verdict (administrators only)", danger: true },
  reject: { label: "Reject", verb: "Reject this version for good", danger: true },
  revoke: { label: "Revoke", verb: "Revoke this approved version: downloads stop and consumers are notified", danger: true },
};

/**
 * Which actions apply to a version in this state (the server's transitions: approve a quarantined version;
 * quarantine an approved one; release a quarantined one once; reject or revoke). The server still decides who
 * may: a reviewer cannot release, the token that pushed a version cannot approve or release it (403, shown).
 */
export function actionsFor(status, principal, project, released = false) {
  const admin = principal?.admin === true;
  const reviewer = admin || (principal?.roles ?? []).some((r) => r.project === project && (r.role === "reviewer" || r.role === "admin"));
  const out = [];
  if (!reviewer) return out;
  if (status === "quarantined") out.push("approve");
  if (status === "approved") out.push("quarantine");
  if (admin && status === "quarantined" && !released) out.push("release");
  if (status === "pending" || status === "approved" || status === "quarantined") out.push("reject");
  if (status === "approved") out.push("revoke");
  return out;
}

let formSeq = 0;

/**
 * A row of action buttons; pressing one opens a reason form under it (or in `panel`, an element the caller
 * places, e.g. a full-width table row; `onPanel(open)` tells the caller to show or hide it). `onDone(action)` runs
 * after the server accepted the decision.
 */
export function actionBar({ project, model, version, status, released = false, principal, onDone, compact = false, panel, onPanel }) {
  const names = actionsFor(status, principal, project, released);
  if (names.length === 0) return null;
  const host = panel ?? h("div", { class: "action-panel" });
  const bar = h("div", { class: ["action-bar", compact && "compact"], role: "group", "aria-label": `Actions for ${model} ${version}` });
  for (const name of names) {
    const spec = ACTIONS[name];
    const button = h("button", { type: "button", class: spec.danger ? "danger" : "primary", "data-action": name, "aria-expanded": "false" }, spec.label);
    button.addEventListener("click", () => {
      for (const b of bar.querySelectorAll("button")) b.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-expanded", "true");
      onPanel?.(true);
      openForm(host, name, {
        project, model, version, onDone,
        close: () => {
          replace(host);
          onPanel?.(false);
          button.setAttribute("aria-expanded", "false");
          button.focus();
        },
      });
    });
    bar.append(button);
  }
  return panel ? bar : h("div", { class: "actions-block" }, bar, host);
}

function openForm(panel, name, { project, model, version, onDone, close }) {
  const spec = ACTIONS[name];
  const id = `reason-${++formSeq}`;
  const textarea = h("textarea", { id, name: "reason", rows: "3", required: true, maxlength: "2000", "aria-describedby": `${id}-help` });
  const message = h("div", { "aria-live": "polite" });
  const confirm = h("button", { type: "submit", class: spec.danger ? "danger" : "primary" }, `Confirm ${spec.label.toLowerCase()}`);
  const form = h("form", { class: "reason-form", "data-form-action": name, novalidate: true },
    h("p", { class: "form-title" }, spec.verb, "."),
    h("label", { for: id }, "Reason"),
    textarea,
    h("p", { id: `${id}-help`, class: "muted small" }, "Required. The reason is stored with the decision and in the audit log."),
    h("div", { class: "actions" }, confirm, h("button", { type: "button", class: "secondary", onclick: close }, "Cancel")),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = textarea.value.trim();
    if (!reason) {
      replace(message, errorBox("Give a reason: it is recorded with the decision."));
      textarea.focus();
      return;
    }
    confirm.disabled = true;
    try {
      await api(apiPath("projects", project, "models", model, "versions", version, name), { method: "POST", body: { reason } });
      replace(message, h("p", { class: "ok", role: "status" }, `${spec.label}: done.`));
      await onDone?.(name);
    } catch (err) {
      replace(message, errorBox(`${spec.label} failed — ${describeError(err)}`));
      confirm.disabled = false;
      textarea.focus();
    }
  });
  replace(panel, form);
  textarea.focus();
}
