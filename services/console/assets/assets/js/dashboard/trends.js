// What the analytics API offers about change and clustering: Gi* week by week over the last weeks
// of the period (one /hotspots answer per week), concentration (/concentration) and the Knox
// near-repeat test (/near-repeat, on demand: its shuffles take a while on many thefts).

import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { count } from "../common/format.js";
import { h, fill, s } from "./dom.js";
import { num, pct } from "./fmt.js";
import { addDays, weekMonday, weeksIn } from "./period.js";
import { problemText } from "./ui.js";

const $ = (id) => document.getElementById(id);
const WEEKS = 8;
const TOP_CELLS = 10;
/** Selections up to this many thefts get the Knox test without asking. */
const AUTO_KNOX_THEFTS = 4000;
const SHORT = { hot_99: "99", hot_95: "95", hot_90: "90", not_significant: "", cold_90: "−90", cold_95: "−95", cold_99: "−99" };

/** "[0, 100) m" -> "0–100 m", "[300, ∞) m" -> "≥ 300 m", in the current language. */
function band(label, unit) {
  const m = /^\[([^,]+),\s*([^)]+)\)/.exec(label || "");
  if (!m) return label;
  const u = t(unit);
  return m[2].trim() === "∞" ? t("dash.band_open", { from: m[1], unit: u }) : t("dash.band", { from: m[1], to: m[2], unit: u });
}

export function createTrends(ctx) {
  const link = ctx.link;
  let weekly = null;
  let concentration = null;
  let knox = null;
  let knoxKey = "";
  let controller = null;
  let knoxController = null;

  $("run-knox").addEventListener("click", runKnox);

  async function update() {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const f = ctx.filters;
    const weeks = weeksIn(f.from, f.to).slice(-WEEKS);
    // The Knox test does not depend on the cell size: a change of `res` keeps its answer.
    if (knoxKey !== key()) {
      knoxController?.abort();
      knox = null;
    }
    renderKnox();
    try {
      const [conc, ...perWeek] = await ctx.track(Promise.all([
        api("GET", `/api/v1/analytics/concentration?${ctx.query({ res: true })}`, undefined, { signal })
          .then((value) => ({ value }), (error) => {
            if (error.name === "AbortError") throw error;
            return { error };
          }),
        ...weeks.map((w) => {
          const monday = weekMonday(w);
          return api("GET", `/api/v1/analytics/hotspots?${ctx.query({ res: true, from: monday, to: addDays(monday, 6) })}`, undefined, { signal })
            .then((value) => ({ week: w, value }), (error) => {
              if (error.name === "AbortError") throw error;
              return { week: w, error };
            });
        }),
      ]));
      concentration = conc;
      weekly = perWeek;
    } catch (e) {
      if (e.name === "AbortError") return;
      concentration = { error: e };
      weekly = [];
    }
    render();
    // The test takes about a second per few thousand thefts: run it by itself on smaller selections.
    const thefts = concentration.value?.thefts;
    if (!knox && thefts >= 2 && thefts <= AUTO_KNOX_THEFTS) runKnox();
  }

  function key() {
    return ctx.query();
  }

  function render() {
    renderWeekly();
    renderConcentration();
    renderKnox();
  }

  function renderWeekly() {
    const root = $("trend-weeks");
    if (!weekly) return;
    if (!weekly.length) {
      fill(root, h("p", { class: "empty", text: t("dash.no_cases") }));
      return;
    }
    // The cells hot in the most weeks, then the most recently, then the strongest.
    const byCell = new Map();
    weekly.forEach((w, i) => {
      for (const c of w.value?.cells || []) {
        if (!byCell.has(c.h3)) byCell.set(c.h3, { h3: c.h3, weeks: new Array(weekly.length).fill(null), hot: 0, last: -1, z: 0 });
        const row = byCell.get(c.h3);
        row.weeks[i] = c;
        if (String(c.class).startsWith("hot")) {
          row.hot += 1;
          row.last = i;
          row.z += c.z;
        }
      }
    });
    const top = [...byCell.values()]
      .filter((r) => r.hot > 0)
      .sort((a, b) => b.hot - a.hot || b.last - a.last || b.z - a.z)
      .slice(0, TOP_CELLS);
    const maxThefts = Math.max(1, ...weekly.map((w) => w.value?.thefts || 0));
    const head = h("tr", null,
      h("th", { scope: "col", text: t("dash.col_cell") }),
      weekly.map((w) => h("th", { scope: "col", class: "num", title: `${weekMonday(w.week)} – ${addDays(weekMonday(w.week), 6)}`, text: w.week.slice(5) })));
    const theftRow = h("tr", { class: "totals" },
      h("th", { scope: "row", text: t("dash.col_thefts") }),
      weekly.map((w) => h("td", { class: "num" },
        w.error ? "—" : [sparkBar(w.value.thefts / maxThefts), count(w.value.thefts)])));
    const hotRow = h("tr", { class: "totals" },
      h("th", { scope: "row", text: t("dash.hot_cells") }),
      weekly.map((w) => h("td", { class: "num", text: w.error ? "—" : count((w.value.cells || []).filter((c) => String(c.class).startsWith("hot")).length) })));
    const rows = top.map((r) => h("tr", { "data-cell": r.h3, class: "cell-row" },
      h("th", { scope: "row" }, h("code", { text: r.h3 })),
      r.weeks.map((c, i) => h("td", {
        class: `mx gi-${c ? c.class : "none"}`,
        title: c ? `${weekly[i].week} · ${t(`gi.${c.class}`)} · z ${num(c.z, 2)} · ${t("dash.thefts_n", { n: count(c.count) })}` : `${weekly[i].week} · ${t("dash.no_thefts")}`,
        text: c ? SHORT[c.class] ?? "" : "",
      }))));
    fill(root,
      h("table", { class: "data matrix", "data-testid": "trend-matrix" },
        h("caption", { class: "visually-hidden", text: t("dash.trends") }),
        h("thead", null, head),
        h("tbody", null, theftRow, hotRow, rows)),
      top.length ? null : h("p", { class: "empty", text: t("dash.no_hot_weeks") }));
    root.onmouseover = (event) => {
      const tr = event.target.closest("tr[data-cell]");
      link.hover(tr ? tr.dataset.cell : null, "trend");
    };
    root.onmouseleave = () => link.hover(null, "trend");
    root.onclick = (event) => {
      const tr = event.target.closest("tr[data-cell]");
      if (tr) link.select(tr.dataset.cell, "trend");
    };
    mark();
  }

  function mark() {
    for (const tr of $("trend-weeks").querySelectorAll("tr[data-cell]")) {
      tr.classList.toggle("is-hover", tr.dataset.cell === link.hovered);
      tr.classList.toggle("is-selected", tr.dataset.cell === link.selected);
    }
  }
  link.on(mark);

  function renderConcentration() {
    const root = $("concentration");
    if (!concentration) return;
    if (concentration.error) {
      const e = concentration.error;
      fill(root, h("p", { class: "empty", text: e.status === 422 ? t("dash.not_enough") : problemText(e) }));
      return;
    }
    const c = concentration.value;
    const share = c.share_of_cells_holding_half;
    fill(root,
      h("p", { class: "big", text: pct(share) }),
      h("p", { text: t("dash.conc_text", { half: count(c.cells_holding_half), cells: count(c.cells), thefts: count(c.thefts) }) }),
      h("div", { class: "conc-bar", "aria-hidden": "true" }, s("svg", { viewBox: "0 0 200 10", class: "conc", preserveAspectRatio: "none" },
        s("rect", { x: 0, y: 0, width: 200, height: 10, class: "track" }),
        s("rect", { x: 0, y: 0, width: Math.max(1, share * 200), height: 10, class: "fill" }))),
      h("dl", { class: "facts" },
        h("dt", { text: t("dash.gini") }), h("dd", { text: num(c.gini, 3) }),
        h("dt", { text: t("dash.study_area") }), h("dd", { text: t("dash.study_area_text") })));
  }

  async function runKnox() {
    knoxController?.abort();
    knoxController = new AbortController();
    const k = key();
    knoxKey = k;
    knox = { running: true };
    renderKnox();
    try {
      const value = await ctx.track(api("GET", `/api/v1/analytics/near-repeat?${k}`, undefined, { signal: knoxController.signal }));
      knox = { value };
    } catch (e) {
      if (e.name === "AbortError") return;
      knox = { error: e };
    }
    renderKnox();
  }

  function renderKnox() {
    const root = $("near-repeat");
    const button = $("run-knox");
    button.disabled = Boolean(knox?.running);
    if (!knox) {
      fill(root, h("p", { class: "note", text: t("dash.knox_hint") }));
      return;
    }
    if (knox.running) {
      fill(root, h("p", { class: "note busy", text: t("dash.knox_running") }));
      return;
    }
    if (knox.error) {
      fill(root, h("p", { class: "empty", text: knox.error.status === 422 ? t("dash.not_enough") : problemText(knox.error) }));
      return;
    }
    const k = knox.value;
    const times = k.time_bands_days.map((b) => band(b, "dash.unit_days"));
    const dists = k.distance_bands_m.map((b) => band(b, "dash.unit_m"));
    fill(root,
      h("table", { class: "data knox", "data-testid": "knox-table" },
        h("caption", { class: "visually-hidden", text: t("dash.near_repeat") }),
        h("thead", null, h("tr", null,
          h("th", { scope: "col", text: t("dash.knox_corner") }),
          times.map((label) => h("th", { scope: "col", class: "num", text: label })))),
        h("tbody", null, dists.map((label, i) => h("tr", null,
          h("th", { scope: "row", text: label }),
          times.map((_, j) => {
            const ratio = k.knox_ratio[i]?.[j];
            const p = k.p[i]?.[j];
            const strong = ratio !== null && ratio > 1 && p < 0.05;
            return h("td", {
              class: `num kx ${strong ? (ratio >= 1.5 ? "kx-high" : "kx-mid") : ""}`,
              title: t("dash.knox_tip", { observed: count(k.observed[i][j]), expected: num(k.expected_mean[i][j], 1), p: num(p, 3) }),
              text: ratio === null || ratio === undefined ? "—" : `${num(ratio, 2)}${strong ? "*" : ""}`,
            });
          }))))),
      h("p", { class: "note", text: t("dash.knox_note", { thefts: count(k.thefts), permutations: count(k.permutations) }) }));
  }

  return { update, render };
}

function sparkBar(share) {
  return s("svg", { viewBox: "0 0 20 8", class: "spark", "aria-hidden": "true" },
    s("rect", { x: 0, y: 8 - Math.max(0.5, share * 8), width: 20, height: Math.max(0.5, share * 8) }));
}
