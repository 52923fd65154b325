/** Login: paste an API token; it is checked against /api/v1/me and kept in sessionStorage for this tab. */
import { api, apiPath, describeError } from "../lib/api.js";
import { errorBox, h, replace } from "../lib/dom.js";
import { clearToken, setToken } from "../lib/session.js";

/** The server's token shape (src/server/auth/tokens.ts): mg_ and base64url. */
const TOKEN_SHAPE = /^mg_[A-Za-z0-9_-]{20,100}$/;

export async function render(container, _params, ctx) {
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "token-help" });
  const message = h("div", { id: "login-message", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Log in");
  const form = h("form", { class: "card login", id: "login-form", novalidate: true },
    h("h1", {}, "Log in to modelgate"),
    h("p", { id: "token-help", class: "muted" },
      "Paste an API token (it starts with mg_). An administrator creates tokens with POST /api/v1/tokens; the server printed the first admin token when it started. The token stays in this browser tab only and is removed when you log out or close the tab."),
    h("label", { for: "token" }, "API token"),
    input,
    h("div", { class: "actions" }, submit),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!TOKEN_SHAPE.test(token)) {
      replace(message, errorBox("That does not look like an API token: paste the whole mg_… value."));
      input.focus();
      return;
    }
    submit.disabled = true;
    replace(message, h("p", { class: "muted", role: "status" }, "Checking the token…"));
    try {
      const principal = await api(apiPath("me"), { token });
      setToken(token);
      ctx.setPrincipal(principal);
      ctx.navigate("/");
    } catch (err) {
      clearToken();
      replace(message, errorBox(`The server did not accept this token (${describeError(err)}).`));
      submit.disabled = false;
      input.focus();
    }
  });
  replace(container, form);
  ctx.keepFocus = true;
  input.focus();
}
