/* global document, window */
/**
 * modelgate dashboard: a hash-routed single-page app over the gate server's JSON API. No framework, no build
 * step; each view is an ES module under views/ exporting `render(container, params, ctx)`.
 */
import { ApiError, api, apiPath, describeError, onUnauthorized } from "./lib/api.js";
import { errorBox, h, replace } from "./lib/dom.js";
import { clearToken, getToken } from "./lib/session.js";
import * as loginView from "./views/login.js";
import * as projectsView from "./views/projects.js";
import * as modelView from "./views/model.js";
import * as versionView from "./views/version.js";
import * as quarantineView from "./views/quarantine.js";
import * as auditView from "./views/audit.js";
import * as policyView from "./views/policy.js";
import * as statsView from "./views/stats.js";
import * as searchView from "./views/search.js";

/** [pattern, view, nav item]; captured groups are URI-decoded and passed to the view. */
const ROUTES = [
  [/^\/login$/, loginView, null],
  [/^\/$/, projectsView, "models"],
  [/^\/projects\/([^/]+)\/models\/([^/]+)$/, modelView, "models"],
  [/^\/projects\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/, versionView, "models"],
  [/^\/quarantine$/, quarantineView, "quarantine"],
  [/^\/audit(?:\/from\/(\d+))?$/, auditView, "audit"],
  [/^\/policy$/, policyView, "policy"],
  [/^\/stats$/, statsView, "stats"],
  [/^\/search(?:\/([^/]*))?$/, searchView, null],
];

const state = { principal: null, renderId: 0 };

function currentPath() {
  const hash = window.location.hash;
  return hash.startsWith("#/") ? hash.slice(1) : "/";
}

export function navigate(path) {
  if (currentPath() === path) void render();
  else window.location.hash = path;
}

function showChrome(principal) {
  const nav = document.getElementById("nav");
  const who = document.getElementById("whoami");
  nav.hidden = !principal;
  document.getElementById("search-form").hidden = !principal;
  if (!principal) {
    replace(who);
    return;
  }
  const roles = principal.admin ? ["admin"] : (principal.roles ?? []).map((r) => `${r.role} @ ${r.project}`);
  replace(who,
    h("span", { class: "who-name", title: roles.join(", ") }, principal.name ?? "token"),
    h("span", { class: "who-roles" }, roles.length ? roles.join(", ") : "no roles"),
    h("button", { type: "button", class: "secondary", id: "logout", onclick: logout }, "Log out"));
}

function markNav(item) {
  for (const link of document.querySelectorAll("#nav a[data-nav]")) {
    if (link.dataset.nav === item) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export function logout() {
  clearToken();
  state.principal = null;
  showChrome(null);
  navigate("/login");
}

/** Loads the principal for the stored token; null when there is no token or the server refuses it. */
async function loadPrincipal() {
  if (!getToken()) return null;
  try {
    return await api(apiPath("me"));
  } catch {
    clearToken();
    return null;
  }
}

async function render() {
  const id = ++state.renderId;
  const main = document.getElementById("main");
  const path = currentPath();
  let match = null;
  for (const [pattern, view, navItem] of ROUTES) {
    const m = pattern.exec(path);
    if (m) {
      match = { view, navItem, params: m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p))) };
      break;
    }
  }
  if (!state.principal) state.principal = await loadPrincipal();
  if (id !== state.renderId) return;
  if (!state.principal && match?.view !== loginView) {
    navigate("/login");
    return;
  }
  showChrome(state.principal);
  markNav(match?.navItem ?? null);
  const container = h("div", { class: "view" }, h("p", { class: "muted", role: "status" }, "Loading…"));
  replace(main, container);
  if (!match) {
    replace(container, h("h1", {}, "Not found"), errorBox(`There is no page at ${path}.`), h("p", {}, h("a", { href: "#/" }, "Back to models")));
    return;
  }
  const ctx = {
    principal: state.principal,
    navigate,
    /** Re-renders the current route (after an action changed the data). */
    refresh: () => render(),
    /** True while this render is still the one on screen. */
    current: () => id === state.renderId,
    /** Called by the login view once a token has been accepted. */
    setPrincipal: (p) => {
      state.principal = p;
      showChrome(p);
    },
  };
  try {
    await match.view.render(container, match.params, ctx);
  } catch (err) {
    if (id !== state.renderId) return;
    if (err instanceof ApiError && err.status === 401) {
      logout();
      return;
    }
    const forbidden = err instanceof ApiError && err.status === 403;
    replace(container,
      h("h1", {}, forbidden ? "Not allowed" : err instanceof ApiError && err.status === 404 ? "Not found" : "Something went wrong"),
      errorBox(forbidden ? `Your token may not see this page — ${describeError(err)}. Ask an administrator for the role it needs.` : describeError(err)),
      h("p", {}, h("a", { href: "#/" }, "Back to models")));
  }
  if (id === state.renderId && !ctx.keepFocus) {
    const heading = container.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    document.title = heading ? `${heading.textContent} · modelgate` : "modelgate";
  }
}

onUnauthorized(() => {
  clearToken();
  state.principal = null;
});

document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});
// The header's search box opens the search page with the words typed; that page filters as you type.
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("header-search");
  const q = input.value.trim();
  input.value = "";
  navigate(q ? `/search/${encodeURIComponent(q)}` : "/search");
});
window.addEventListener("hashchange", () => void render());
void render();
