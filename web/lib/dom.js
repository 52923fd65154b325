/* global document, Node */
/**
 * DOM helpers for the dashboard. Everything the API returns is untrusted: it only ever reaches the page as text
 * nodes or attribute values set through DOM APIs — never as markup (no innerHTML anywhere in web/).
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/** Adds attributes, properties and listeners to an element: on* = listener, class, dataset, everything else an attribute. */
function applyAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value));
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") throw new Error("inline style attributes are blocked by the dashboard's CSP; use a class");
    else if (key === "value" || key === "checked" || key === "disabled" || key === "readOnly") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Creates an HTML element: h("a", { href: "#/" }, "text", otherNode). Strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Creates an SVG element (same rules as h). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Builds an in-app link: segments are URI-encoded so a name can never change the route's shape. */
export function route(...segments) {
  return "#/" + segments.map((seg) => encodeURIComponent(String(seg))).join("/");
}

export const SEVERITIES = ["critical", "high", "medium", "low", "info"];

const STATUS_LABEL = {
  uploading: "Uploading",
  pending: "Pending scan",
  approved: "Approved",
  quarantined: "Quarantined",
  rejected: "Rejected",
  revoked: "Revoked",
};

/** A status badge; unknown statuses are shown as text with a neutral style. */
export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_LABEL, status);
  return h("span", { class: ["badge", known ? `status-${status}` : "status-unknown"], dataset: { status: String(status ?? "") } },
    known ? STATUS_LABEL[status] : String(status ?? "unknown"));
}

/** A severity badge: the HTML report's colours (styles.css --sev-*) and label (the severity in capitals). */
export function severityBadge(severity) {
  const known = SEVERITIES.includes(severity);
  return h("span", { class: ["badge", known ? `sev-${severity}` : "status-unknown"], dataset: { severity: known ? severity : "unknown" } }, known ? severity.toUpperCase() : String(severity ?? "none"));
}

/**
 * The worst reason a version is held for (lib/verdict.js holdOf): its severity badge, with `count` the number of
 * reasons ("CRITICAL · 3 reasons") and where the severity comes from (a policy rule such as
 * dependencies.vulnerabilities, or the scan's findings). Null when there is no severity to show.
 */
export function holdBadge(hold, { count = false } = {}) {
  const n = hold?.reasons ?? 0;
  const reasons = count && n > 0 ? ` · ${n} reason${n === 1 ? "" : "s"}` : "";
  if (!hold?.maxSeverity) return reasons ? h("span", { class: "hold muted" }, `no finding${reasons}`) : null;
  const from = hold.from === "policy" ? (hold.rule ? `from ${hold.rule}` : "from the policy verdict") : "from the scan findings";
  return h("span", { class: "hold", title: `Worst reason: ${hold.maxSeverity}, ${from}`, dataset: { severity: hold.maxSeverity, from: hold.from ?? "" } },
    severityBadge(hold.maxSeverity), reasons, count ? h("span", { class: "hold-from muted small" }, from) : null);
}

/** Pass/fail badge for a policy verdict, or null when there is none. */
export function verdictBadge(passed) {
  if (passed === undefined || passed === null) return h("span", { class: "muted" }, "no verdict");
  return h("span", { class: ["badge", passed ? "verdict-pass" : "verdict-fail"] }, passed ? "Policy: pass" : "Policy: fail");
}

export function fmtDate(value) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function fmtBytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** A table from column headers and rows of cells (strings or nodes). */
export function table(caption, headers, rows, attrs = {}) {
  return h("div", { class: "table-wrap" },
    h("table", attrs,
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((hd) => h("th", { scope: "col" }, hd)))),
      h("tbody", {}, rows.map((cells) => (cells instanceof Node ? cells : h("tr", {}, cells.map((c) => h("td", {}, c))))))));
}

/** A definition list from [term, description] pairs; pairs with undefined descriptions are skipped. */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** An error box (role=alert, so screen readers announce it). */
export function errorBox(message) {
  return h("p", { class: "error", role: "alert" }, message);
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}
