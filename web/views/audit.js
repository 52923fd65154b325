/**
 * The audit log browser: the signed checkpoint (tree head) and the entries, page by page. "Verify" fetches an
 * inclusion proof for an entry against the checkpoint's tree size and checks it here, in the browser (RFC 9162),
 * so a log that was edited behind the server's back shows up as a failed check.
 */
import { api, apiPath, describeError } from "../lib/api.js";
import { facts, fmtDate, h, replace, route, table } from "../lib/dom.js";
import { checkAgainstLastSeen, verifyCheckpoint, verifyEntry } from "../lib/audit-verify.js";

const PAGE = 50;

export async function render(container, [fromParam], ctx) {
  const [checkpoint, key] = await Promise.all([api(apiPath("audit-log", "checkpoint")), api(apiPath("audit-log", "public-key")).catch(() => null)]);
  if (!ctx.current()) return;
  const signature = key ? await verifyCheckpoint(checkpoint, key) : { ok: false, reason: "the log's public key is not available" };
  const history = signature.ok ? await checkAgainstLastSeen(checkpoint).catch((err) => ({ status: "fail", reason: describeError(err) })) : undefined;
  const size = Number(checkpoint.size) || 0;
  const lastPage = Math.max(0, Math.floor((size - 1) / PAGE) * PAGE);
  const from = fromParam === undefined ? lastPage : Math.min(Math.max(0, Number(fromParam)), lastPage);
  const to = Math.min(from + PAGE, size);
  const page = size > 0 ? await api(apiPath("audit-log", "entries"), { query: { from, to } }) : { entries: [] };
  if (!ctx.current()) return;
  const entries = Array.isArray(page?.entries) ? page.entries : [];

  const checks = [];
  const rows = entries.map((e) => {
    const result = h("span", { class: "verify-result", "aria-live": "polite" });
    const button = h("button", { type: "button", class: "secondary small-button", "data-verify": String(e.index), "aria-label": `Verify entry ${e.index}` }, "Verify");
    const check = () => runCheck(e, checkpoint, button, result);
    checks.push(check);
    button.addEventListener("click", () => void check());
    return h("tr", { "data-index": String(e.index), "data-type": String(e.type ?? "") },
      h("td", {}, String(e.index)),
      h("td", {}, h("code", {}, String(e.type ?? "")), h("div", { class: "muted small" }, fmtDate(e.time))),
      h("td", { class: "wrap-cell" }, String(e.actor ?? ""), e.project || e.subject ? h("div", { class: "muted small" }, [e.project, e.subject].filter(Boolean).map(String).join(" · ")) : null),
      h("td", { class: "data-cell" }, e.data && Object.keys(e.data).length ? h("code", {}, compactJson(e.data)) : h("span", { class: "muted" }, "—")),
      h("td", { class: "verify-cell" }, button, h("div", {}, result)));
  });

  const verifyAll = h("button", { type: "button", id: "verify-page" }, "Verify every entry on this page");
  verifyAll.addEventListener("click", async () => {
    verifyAll.disabled = true;
    for (const check of checks) await check();
    verifyAll.disabled = false;
  });

  const pager = h("nav", { class: "pager", "aria-label": "Audit log pages" },
    from > 0 ? h("a", { href: route("audit", "from", Math.max(0, from - PAGE)), rel: "prev" }, "← Older") : h("span", { class: "muted" }, "← Older"),
    h("span", {}, size ? `Entries ${from}–${to - 1} of ${size}` : "No entries"),
    to < size ? h("a", { href: route("audit", "from", from + PAGE), rel: "next" }, "Newer →") : h("span", { class: "muted" }, "Newer →"));

  replace(container,
    h("h1", {}, "Audit log"),
    h("section", { class: "card" },
      h("h2", {}, "Checkpoint (signed tree head)"),
      facts([
        ["Origin", String(checkpoint.origin ?? "")],
        ["Tree size", String(size)],
        ["Root hash", h("code", { class: "digest" }, String(checkpoint.rootHash ?? ""))],
        ["Signed at", fmtDate(checkpoint.timestamp)],
        ["Key id", checkpoint.keyId ? h("code", {}, String(checkpoint.keyId)) : undefined],
        ["Signature", signature.ok
          ? h("span", { class: "check-ok", id: "checkpoint-signature", "data-check": "ok" }, `✓ valid Ed25519 signature by ${checkpoint.origin} (key ${signature.keyId})`)
          : h("span", { class: "check-fail", id: "checkpoint-signature", "data-check": "fail" }, `✗ ${signature.reason}`)],
        ["Since your last visit", historyFact(history)],
      ]),
      h("p", { class: "muted small" }, "Checked in this browser: the checkpoint's signature with the log's public key, and for each entry its leaf hash recomputed from its content and its inclusion proof against this root (RFC 9162, SHA-256), and that this tree extends the one this browser verified last (consistency proof). The server is never trusted to say “verified”. Compare the key id with the one your organisation published to be sure the key itself is the log's.")),
    h("section", { class: "card" },
      h("h2", {}, "Entries"),
      h("div", { class: "toolbar" }, verifyAll, pager),
      entries.length ? table(null, ["#", "Event and time", "Actor and subject", "Data", "Inclusion"], rows, { id: "audit-entries", class: "audit-table" }) : h("p", { class: "muted" }, "The log is empty.")));
}

/** The outcome of the consistency check against the checkpoint this browser verified last. */
function historyFact(history) {
  if (!history) return h("span", { class: "muted", id: "checkpoint-history", "data-check": "skipped" }, "not checked: the checkpoint's signature did not verify");
  const when = history.seen?.seenAt ? ` on ${fmtDate(history.seen.seenAt)}` : "";
  if (history.status === "first") return h("span", { class: "muted", id: "checkpoint-history", "data-check": "first" }, "first visit from this browser: this checkpoint is remembered, and later visits check that the log only grew");
  if (history.status === "ok") return h("span", { class: "check-ok", id: "checkpoint-history", "data-check": "ok" }, `✓ extends the tree of ${history.seen.size} entries you saw${when} (consistency proof checked here)`);
  return h("span", { class: "check-fail", id: "checkpoint-history", "data-check": "fail" }, `✗ not consistent with the tree of ${history.seen?.size ?? "?"} entries you saw${when}: ${history.reason}`);
}

function runCheck(entry, checkpoint, button, result) {
  button.disabled = true;
  replace(result, h("span", { class: "muted" }, "checking…"));
  return (async () => {
    try {
      const outcome = await verifyEntry(entry, checkpoint);
      replace(result, outcome.ok
        ? h("span", { class: "check-ok", "data-check": "ok" }, `✓ included in tree of ${checkpoint.size}`)
        : h("span", { class: "check-fail", "data-check": "fail" }, `✗ ${outcome.reason}`));
    } catch (err) {
      replace(result, h("span", { class: "check-fail", "data-check": "error" }, `✗ ${describeError(err)}`));
    } finally {
      button.disabled = false;
    }
  })();
}

function compactJson(data) {
  const text = JSON.stringify(data);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

