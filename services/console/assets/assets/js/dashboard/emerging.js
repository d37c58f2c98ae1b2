// Emerging hot spots (GET /api/v1/analytics/emerging-hotspots): each cell's pattern over the whole
// ISO weeks of the period, its Mann–Kendall trend and its weekly Gi* z-scores, ranked by pattern
// then trend as the API sends them and filterable by pattern; rows point at cells on the map, as
// the cell table's do.

import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { count } from "../common/format.js";
import { h, fill, s } from "./dom.js";
import { num } from "./fmt.js";
import { scrollWithin } from "./celltable.js";
import { addDays, isoWeek, parseYmd, weekMonday } from "./period.js";
import { problemText } from "./ui.js";

const $ = (id) => document.getElementById(id);
const PATTERNS = ["new", "intensifying", "persistent", "diminishing", "sporadic"];
/** Rows drawn at most (the count says how many match). */
const MAX_ROWS = 200;

/**
 * The whole ISO weeks of the period `from`–`to` (inclusive days), as inclusive days too: a week
 * the period cuts (the current one, in a live demo) would look like a sudden change. The period
 * itself when it holds fewer than two whole weeks.
 */
function wholeWeeks(from, to) {
  const firstMonday = weekMonday(isoWeek(parseYmd(from)));
  const start = firstMonday === from ? from : addDays(firstMonday, 7);
  const lastMonday = weekMonday(isoWeek(parseYmd(to)));
  const end = addDays(lastMonday, 6) === to ? to : addDays(lastMonday, -1);
  return addDays(start, 13) <= end ? { from: start, to: end } : { from, to };
}

/** The class a z-score alone would have (no FDR correction): the colour of a week in the strip. */
function zClass(z) {
  const size = Math.abs(z);
  const level = size >= 2.576 ? "99" : size >= 1.96 ? "95" : size >= 1.645 ? "90" : null;
  return level ? `${z > 0 ? "hot" : "cold"}_${level}` : "not_significant";
}

function trendCell(cell, alpha) {
  const { s: score, z, p } = cell.trend;
  const arrow = z > 0 ? "↗" : z < 0 ? "↘" : "→";
  const significant = p < alpha;
  return h("span", {
    class: significant ? "trend significant" : "trend",
    title: t("dash.trend_tip", { s: score, z: num(z, 2), p: num(p, 3) }),
    text: `${arrow} ${num(z, 2)}${significant ? "*" : ""}`,
  });
}

/** The weekly z-scores as a strip of coloured weeks, oldest on the left. */
function weekStrip(cell, weeks) {
  const zs = cell.weekly_z;
  return s("svg", { class: "week-strip", viewBox: `0 0 ${zs.length} 1`, preserveAspectRatio: "none", role: "img", "aria-label": t("dash.strip_label", { week: weeks[weeks.length - 1], z: num(zs[zs.length - 1], 2) }) },
    zs.map((z, i) => s("rect", { x: i, y: 0, width: 1, height: 1, class: `gi-${zClass(z)}` })));
}

export function createEmerging(ctx) {
  const link = ctx.link;
  const root = $("emerging");
  const filter = $("filter-pattern");
  const rows = new Map();
  let answer = null;
  let controller = null;

  filter.addEventListener("change", renderRows);

  async function update() {
    controller?.abort();
    controller = new AbortController();
    answer = null;
    fill(root, h("p", { class: "note busy", text: t("dash.loading") }));
    try {
      const q = ctx.query({ res: true, ...wholeWeeks(ctx.filters.from, ctx.filters.to) });
      answer = await ctx.track(api("GET", `/api/v1/analytics/emerging-hotspots?${q}`, undefined, { signal: controller.signal })
        .then((value) => ({ value }), (error) => {
          if (error.name === "AbortError") throw error;
          return { error };
        }));
    } catch (e) {
      if (e.name === "AbortError") return;
      answer = { error: e };
    }
    render();
  }

  function render() {
    renderFilter();
    renderRows();
  }

  function renderFilter() {
    const counts = answer?.value?.patterns || {};
    const chosen = filter.value;
    const total = PATTERNS.reduce((sum, p) => sum + (counts[p] || 0), 0);
    filter.replaceChildren(
      new Option(t("dash.any_pattern", { n: count(total) }), ""),
      ...PATTERNS.map((p) => new Option(`${t(`pattern.${p}`)} (${count(counts[p] || 0)})`, p)),
    );
    filter.value = chosen;
  }

  function renderRows() {
    rows.clear();
    if (!answer) return;
    if (answer.error) {
      fill(root, h("p", { class: "empty", text: problemText(answer.error) }));
      $("emerging-summary").textContent = "";
      return;
    }
    const a = answer.value;
    const weeks = a.weeks || [];
    $("emerging-summary").textContent = weeks.length
      ? t("dash.emerging_summary", { first: weeks[0], last: weeks[weeks.length - 1], thefts: count(a.thefts) })
      : "";
    const matching = a.cells.filter((c) => !filter.value || c.pattern === filter.value);
    const shown = matching.slice(0, MAX_ROWS);
    const head = h("tr", null,
      ["#", t("dash.col_cell"), t("dash.col_pattern"), t("dash.col_trend"), t("dash.col_hot_weeks"), t("dash.col_thefts"), t("dash.col_weekly_z")]
        .map((label, i) => h("th", { scope: "col", class: [0, 4, 5].includes(i) ? "num" : null, text: label })));
    const body = h("tbody", null, shown.map((c, i) => {
      const tr = h("tr", { "data-cell": c.h3, tabindex: i === 0 ? "0" : "-1" },
        h("td", { class: "num", text: String(i + 1) }),
        h("td", null, h("code", { text: c.h3 })),
        h("td", null, h("span", { class: `pattern-badge pattern-${c.pattern}`, text: t(`pattern.${c.pattern}`) })),
        h("td", null, trendCell(c, a.trend_alpha)),
        h("td", { class: "num", text: t("dash.hot_weeks_of", { n: count(c.hot_weeks), weeks: count(weeks.length) }) }),
        h("td", { class: "num", text: count(c.thefts) }),
        h("td", null, weekStrip(c, weeks)));
      rows.set(c.h3, tr);
      return tr;
    }));
    const empty = a.note || (!a.cells.length ? t("dash.emerging_empty") : !matching.length ? t("dash.no_match") : null);
    fill(root,
      h("table", { class: "data cells emerging", "data-testid": "emerging-table" },
        h("caption", { class: "visually-hidden", text: t("dash.emerging") }),
        h("thead", null, head),
        body),
      empty ? h("p", { class: "empty", text: empty }) : null,
      matching.length > shown.length ? h("p", { class: "note", text: t("dash.rows_capped", { shown: count(shown.length), n: count(matching.length) }) }) : null);
    mark("none");
  }

  // Rows point at cells, as the cell table's do.
  const rowOf = (event) => event.target.closest("tr[data-cell]");
  root.addEventListener("mouseover", (event) => {
    const tr = rowOf(event);
    if (tr) link.hover(tr.dataset.cell, "emerging");
  });
  root.addEventListener("mouseleave", () => link.hover(null, "emerging"));
  root.addEventListener("focusin", (event) => {
    const tr = rowOf(event);
    if (tr) link.hover(tr.dataset.cell, "emerging");
  });
  root.addEventListener("click", (event) => {
    const tr = rowOf(event);
    if (tr) link.select(tr.dataset.cell, "emerging");
  });
  root.addEventListener("keydown", (event) => {
    const tr = rowOf(event);
    if (!tr) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      link.select(tr.dataset.cell, "emerging");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) {
        tr.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      }
    }
  });
  link.on(({ source }) => mark(source));

  function mark(source) {
    for (const [h3, tr] of rows) {
      tr.classList.toggle("is-hover", h3 === link.hovered);
      tr.classList.toggle("is-selected", h3 === link.selected);
      tr.setAttribute("aria-selected", String(h3 === link.selected));
    }
    const tr = source !== "emerging" && link.selected && rows.get(link.selected);
    if (tr) scrollWithin(root, tr);
  }

  return { update, render };
}
