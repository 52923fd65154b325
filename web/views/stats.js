/**
 * Findings over time: a stacked bar per day (findings by severity in the versions scanned that day), drawn as
 * inline SVG by this module — no chart library. The same numbers are in a table below for screen readers.
 */
import { api, apiPath } from "../lib/api.js";
import { SEVERITIES, h, replace, s, table } from "../lib/dom.js";

const RANGES = [7, 30, 90, 365];

export async function render(container, _params, ctx) {
  const select = h("select", { id: "stats-days", name: "days" }, RANGES.map((d) => h("option", { value: String(d), selected: d === 30 }, `Last ${d} days`)));
  const body = h("div", { id: "stats-body" });
  select.addEventListener("change", () => void load(body, Number(select.value), ctx));
  replace(container,
    h("h1", {}, "Findings over time"),
    h("p", { class: "muted" }, "Scan findings in the versions pushed each day, by severity."),
    h("div", { class: "field-inline" }, h("label", { for: "stats-days" }, "Period"), select),
    body);
  await load(body, 30, ctx);
}

async function load(body, days, ctx) {
  replace(body, h("p", { class: "muted", role: "status" }, "Loading…"));
  const data = await api(apiPath("stats", "findings"), { query: { days } });
  if (!ctx.current()) return;
  const series = (Array.isArray(data) ? data : []).filter((d) => d && typeof d.date === "string");
  const totals = Object.fromEntries(SEVERITIES.map((sev) => [sev, series.reduce((n, d) => n + (Number(d[sev]) || 0), 0)]));
  const versions = series.reduce((n, d) => n + (Number(d.versions) || 0), 0);
  replace(body,
    h("section", { class: "card" },
      h("h2", {}, `Last ${days} days`),
      h("p", { class: "legend", id: "chart-legend" },
        SEVERITIES.map((sev) => h("span", { class: "legend-item" }, h("span", { class: ["swatch", `fill-${sev}`], "aria-hidden": "true" }), `${sev} ${totals[sev]}`)),
        h("span", { class: "legend-item muted" }, `${versions} version${versions === 1 ? "" : "s"} scanned`)),
      series.length ? findingsChart(series) : h("p", { class: "muted" }, "No scans in this period."),
      series.length ? h("details", {}, h("summary", {}, "Data table"),
        table(null, ["Date", ...SEVERITIES, "Versions"], series.map((d) => [d.date, ...SEVERITIES.map((sev) => String(Number(d[sev]) || 0)), String(Number(d.versions) || 0)]), { id: "stats-table" })) : null));
}

/** A "nice" axis maximum and step for values up to `max`. */
export function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const stepInt = Math.max(1, Math.ceil(step));
  return { max: Math.ceil(max / stepInt) * stepInt, step: stepInt };
}

/** The stacked bar chart, as an SVG element scaled to its container (viewBox). */
export function findingsChart(series) {
  const W = 800;
  const H = 320;
  const m = { top: 16, right: 16, bottom: 48, left: 48 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const totals = series.map((d) => SEVERITIES.reduce((n, sev) => n + (Number(d[sev]) || 0), 0));
  const { max, step } = niceScale(Math.max(0, ...totals));
  const y = (v) => m.top + plotH - (v / max) * plotH;
  const slot = plotW / series.length;
  const barW = Math.max(2, Math.min(40, slot * 0.7));
  const labelEvery = Math.max(1, Math.ceil(series.length / 10));

  const grid = [];
  for (let v = 0; v <= max; v += step) {
    grid.push(s("line", { class: "grid", x1: m.left, x2: W - m.right, y1: y(v), y2: y(v) }));
    grid.push(s("text", { class: "axis-label", x: m.left - 8, y: y(v) + 4, "text-anchor": "end" }, String(v)));
  }
  const bars = series.map((d, i) => {
    const x = m.left + i * slot + (slot - barW) / 2;
    let acc = 0;
    const parts = [];
    for (const sev of [...SEVERITIES].reverse()) {
      const v = Number(d[sev]) || 0;
      if (v <= 0) continue;
      parts.push(s("rect", { class: `fill-${sev}`, x, y: y(acc + v), width: barW, height: Math.max(0.5, y(acc) - y(acc + v)), "data-severity": sev },
        s("title", {}, `${d.date}: ${v} ${sev}`)));
      acc += v;
    }
    const label = i % labelEvery === 0 ? s("text", { class: "axis-label", x: x + barW / 2, y: H - m.bottom + 18, "text-anchor": "middle" }, d.date.slice(5)) : null;
    return s("g", { class: "bar", "data-date": d.date }, s("title", {}, `${d.date}: ${totals[i]} findings in ${Number(d.versions) || 0} versions`), parts, label);
  });
  const total = totals.reduce((a, b) => a + b, 0);
  return s("svg", { class: "chart", id: "findings-chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title chart-desc", preserveAspectRatio: "xMidYMid meet" },
    s("title", { id: "chart-title" }, "Findings per day by severity"),
    s("desc", { id: "chart-desc" }, `${total} findings from ${series[0].date} to ${series[series.length - 1].date}; the data table below lists every day.`),
    grid,
    s("line", { class: "axis", x1: m.left, x2: m.left, y1: m.top, y2: m.top + plotH }),
    s("line", { class: "axis", x1: m.left, x2: W - m.right, y1: m.top + plotH, y2: m.top + plotH }),
    bars,
    s("text", { class: "axis-title", x: m.left + plotW / 2, y: H - 8, "text-anchor": "middle" }, "Date (month-day, UTC)"));
}
