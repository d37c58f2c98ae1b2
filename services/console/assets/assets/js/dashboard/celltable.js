// The ranked cell lists beside the map: patrol gaps (ranked by thefts at gap hours), blind spots
// and all hot spots (ranked by z); filterable by Gi* class, gap hour and cell id, sortable by any
// column; hovering or clicking a row highlights its cell on the map and the other way round.

import { t } from "../common/i18n.js";
import { count } from "../common/format.js";
import { h, fill } from "./dom.js";
import { hourRanges, num } from "./fmt.js";

const $ = (id) => document.getElementById(id);
/** Rows drawn at most (the count says how many match). */
const MAX_ROWS = 400;

function classCell(row) {
  return h("span", { class: `gi-badge gi-${row.class}`, text: t(`gi.${row.class}`) });
}

function cameraCell(row) {
  if (!row.camera) return "—";
  return h("span", { class: `cam cam-${row.camera}`, text: t(`dash.cam_${row.camera}`) });
}

/** Columns per tab: key (sort value), label, num, cell(row) -> text or node. */
function columns(tab) {
  const rank = { key: "rank", label: "#", num: true, cell: (r) => String(r.rank) };
  const cell = { key: "h3", label: t("dash.col_cell"), cell: (r) => h("code", { text: r.h3 }) };
  const cls = { key: "classOrder", label: t("dash.col_class"), cell: classCell };
  const z = { key: "z", label: "z", num: true, cell: (r) => num(r.z, 2) };
  const thefts = { key: "count", label: t("dash.col_thefts"), num: true, cell: (r) => count(r.count) };
  const camera = { key: "camera", label: t("dash.col_camera"), cell: cameraCell };
  if (tab === "gaps") {
    return [
      rank, cell, cls, z, thefts,
      { key: "gapThefts", label: t("dash.col_gap_thefts"), num: true, cell: (r) => count(r.gapThefts) },
      { key: "firstHour", label: t("dash.col_gap_hours"), cell: (r) => hourRanges(r.hours) },
      { key: "dwell", label: t("dash.col_dwell"), num: true, cell: (r) => num(r.dwell, 0) },
      camera,
    ];
  }
  const gap = {
    key: "gapCount",
    label: t("dash.col_gap"),
    cell: (r) => (r.gapCount ? t("dash.gap_yes", { hours: hourRanges(r.hours) }) : r.gapsKnown ? t("dash.gap_no") : "—"),
  };
  if (tab === "blind") return [rank, cell, cls, z, { key: "p", label: "p", num: true, cell: (r) => num(r.p, 4) }, thefts, gap];
  return [rank, cell, cls, z, thefts, camera, gap];
}

const CLASS_ORDER = { hot_99: 0, hot_95: 1, hot_90: 2 };

export function createCellTable(ctx, link) {
  const box = $("cell-table");
  const tabs = [...document.querySelectorAll('[role="tab"][data-tab]')];
  const classFilter = $("filter-class");
  const hourFilter = $("filter-hour");
  const cellFilter = $("filter-cell");
  let tab = "gaps";
  let sort = { key: "rank", dir: 1 };
  let lists = { gaps: [], blind: [], hot: [] };
  let notes = {};
  const rowsByCell = new Map();

  for (let hour = 0; hour < 24; hour += 1) {
    hourFilter.append(new Option(`${String(hour).padStart(2, "0")}:00–${String(hour + 1).padStart(2, "0")}:00`, String(hour)));
  }
  for (const button of tabs) {
    button.addEventListener("click", () => choose(button.dataset.tab));
    button.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(button);
      const next = event.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : event.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) {
        event.preventDefault();
        next.focus();
        choose(next.dataset.tab);
      }
    });
  }
  for (const input of [classFilter, hourFilter]) input.addEventListener("change", renderRows);
  cellFilter.addEventListener("input", renderRows);

  function choose(name) {
    tab = name;
    sort = { key: "rank", dir: 1 };
    render();
  }

  /**
   * `d`: { cells: [properties], facts: Map(h3 -> {camera, gap, patrolled, rank}), gapsOk, camerasOk, notes }.
   */
  function setData(d) {
    const hot = d.cells.filter((c) => String(c.class).startsWith("hot"));
    const base = (c) => {
      const facts = d.facts.get(c.h3) || {};
      const hours = facts.gap ? facts.gap.gap_hours.map((g) => g.hour) : [];
      return {
        h3: c.h3,
        class: c.class,
        classOrder: CLASS_ORDER[c.class] ?? 9,
        z: c.z,
        p: c.p,
        count: c.count,
        camera: d.camerasOk ? facts.camera || null : null,
        hours,
        firstHour: hours.length ? Math.min(...hours) : 99,
        gapCount: hours.length,
        gapsKnown: d.gapsOk,
        gapThefts: facts.gap ? facts.gap.gap_hours.reduce((a, g) => a + g.thefts, 0) : 0,
        dwell: facts.gap ? facts.gap.gap_hours.reduce((a, g) => a + g.dwell_minutes, 0) : 0,
        rank: facts.rank || null,
      };
    };
    const byZ = (a, b) => b.z - a.z || b.count - a.count;
    const ranked = (rows, order) => rows.sort(order).map((r, i) => ({ ...r, rank: i + 1 }));
    lists = {
      gaps: d.gapsOk ? hot.map(base).filter((r) => r.gapCount).sort((a, b) => a.rank - b.rank) : [],
      blind: d.camerasOk ? ranked(hot.map(base).filter((r) => r.camera === "blind"), byZ) : [],
      hot: ranked(hot.map(base), byZ),
    };
    notes = d.notes || {};
    render();
  }

  function render() {
    for (const button of tabs) {
      const on = button.dataset.tab === tab;
      button.setAttribute("aria-selected", String(on));
      button.tabIndex = on ? 0 : -1;
      button.textContent = t(`dash.tab_${button.dataset.tab}`, { n: count(lists[button.dataset.tab].length) });
      if (on) box.setAttribute("aria-labelledby", button.id);
    }
    $("filter-hour-field").hidden = tab === "blind";
    renderRows();
  }

  function filtered() {
    const cls = classFilter.value;
    const hour = hourFilter.value === "" ? null : Number(hourFilter.value);
    const text = cellFilter.value.trim().toLowerCase();
    return lists[tab].filter((r) =>
      (!cls || r.class === cls)
      && (hour === null || tab === "blind" || r.hours.includes(hour))
      && (!text || r.h3.includes(text)));
  }

  function renderRows() {
    const cols = columns(tab);
    const rows = filtered();
    const { key, dir } = sort;
    rows.sort((a, b) => {
      const x = a[key] ?? "";
      const y = b[key] ?? "";
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.rank - b.rank;
    });
    const shown = rows.slice(0, MAX_ROWS);
    $("table-count").textContent = rows.length > shown.length
      ? t("dash.rows_capped", { shown: count(shown.length), n: count(rows.length) })
      : t("dash.rows_n", { n: count(rows.length) });
    const head = h("tr", null, cols.map((c) => {
      const active = c.key === key;
      return h(
        "th",
        { scope: "col", class: c.num ? "num" : null, "aria-sort": active ? (dir > 0 ? "ascending" : "descending") : "none" },
        h("button", {
          type: "button",
          class: "sort",
          "data-sort": c.key,
          onclick: () => {
            sort = { key: c.key, dir: active ? -dir : c.num && c.key !== "rank" ? -1 : 1 };
            renderRows();
          },
        }, c.label, h("span", { class: "sort-mark", "aria-hidden": "true", text: active ? (dir > 0 ? "▲" : "▼") : "" })),
      );
    }));
    rowsByCell.clear();
    // One tab stop for the whole list; the arrow keys move between rows.
    const body = h("tbody", null, shown.map((r, i) => {
      const tr = h("tr", { "data-cell": r.h3, tabindex: i === 0 ? "0" : "-1", class: `gi-row-${r.class}` },
        cols.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(r))));
      rowsByCell.set(r.h3, tr);
      return tr;
    }));
    const empty = !lists[tab].length
      ? notes[tab] || t(`dash.empty_${tab}`)
      : !rows.length ? t("dash.no_match") : null;
    fill(
      box,
      h("table", { class: "data cells", "data-testid": `table-${tab}` },
        h("caption", { class: "visually-hidden", text: t(`dash.caption_${tab}`) }),
        h("thead", null, head),
        body),
      empty ? h("p", { class: "empty", text: empty }) : null,
    );
    $("note-table").textContent = tab === "gaps" ? t("dash.gaps_note") : tab === "blind" ? t("dash.blind_note") : t("dash.hot_note");
    mark("none");
  }

  // Rows point at cells.
  box.addEventListener("mouseover", (event) => {
    const tr = event.target.closest("tr[data-cell]");
    if (tr) link.hover(tr.dataset.cell, "table");
  });
  box.addEventListener("mouseleave", () => link.hover(null, "table"));
  box.addEventListener("focusin", (event) => {
    const tr = event.target.closest("tr[data-cell]");
    if (!tr) return;
    for (const other of box.querySelectorAll('tr[tabindex="0"]')) other.tabIndex = -1;
    tr.tabIndex = 0;
    link.hover(tr.dataset.cell, "table");
  });
  box.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-cell]");
    if (tr) link.select(tr.dataset.cell, "table");
  });
  box.addEventListener("keydown", (event) => {
    const tr = event.target.closest("tr[data-cell]");
    if (!tr) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      link.select(tr.dataset.cell, "table");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      (event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling)?.focus();
    }
  });
  link.on(({ source }) => mark(source));

  function mark(source) {
    for (const [h3, tr] of rowsByCell) {
      tr.classList.toggle("is-hover", h3 === link.hovered);
      tr.classList.toggle("is-selected", h3 === link.selected);
      tr.setAttribute("aria-selected", String(h3 === link.selected));
    }
    // A cell picked on the map, in the matrix or in the trends scrolls its row into view (the list
    // only, not the page).
    if (["map", "trend", "emerging"].includes(source) && link.selected) {
      const tr = rowsByCell.get(link.selected);
      if (tr) scrollWithin(box, tr);
    }
  }

  return { setData, render };
}

/** Scrolls `box` (a scrolling list) so that its row `tr` shows below the sticky head. */
export function scrollWithin(box, tr) {
  const outer = box.getBoundingClientRect();
  const row = tr.getBoundingClientRect();
  const head = box.querySelector("thead")?.getBoundingClientRect().height || 0;
  if (row.top < outer.top + head) box.scrollTop -= outer.top + head - row.top;
  else if (row.bottom > outer.bottom) box.scrollTop += row.bottom - outer.bottom;
}
