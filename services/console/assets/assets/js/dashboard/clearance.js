// Clearance within 24 and 72 hours (GET /api/v1/stats/clearance): the headline figures, by week
// and by precinct, against the target.

import { api } from "../common/api.js";
import { count } from "../common/format.js";
import { t } from "../common/i18n.js";
import { h, fill, s } from "./dom.js";
import { shareColumns, shareRows } from "./charts.js";
import { pct } from "./fmt.js";
import { addDays, weekMonday } from "./period.js";
import { problemText, table } from "./ui.js";

const $ = (id) => document.getElementById(id);

export function createClearance(ctx) {
  let data = null;
  let error = null;
  let controller = null;

  async function update() {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const base = `/api/v1/stats/clearance?${ctx.query({ precinct: false })}`;
    try {
      const [all, weeks, precincts] = await ctx.track(Promise.all([
        api("GET", base, undefined, { signal }),
        api("GET", `${base}&group_by=week`, undefined, { signal }),
        api("GET", `${base}&group_by=precinct`, undefined, { signal }),
      ]));
      data = { all, weeks, precincts, precinct: ctx.filters.precinct };
      error = null;
    } catch (e) {
      if (e.name === "AbortError") return;
      error = e;
    }
    render();
  }

  function target() {
    const value = data?.all?.target ?? ctx.target;
    return Number.isFinite(value) ? value : 0.35;
  }

  function render() {
    if (error) {
      for (const id of ["kpi-24-value", "kpi-72-value"]) $(id).textContent = "—";
      fill($("chart-weekly"), h("p", { class: "error", role: "alert", text: problemText(error) }));
      fill($("chart-precincts"));
      return;
    }
    if (!data) return;
    renderHeadline();
    renderWeekly();
    renderPrecincts();
  }

  /** The selected precinct's group, or the city's. */
  function headlineGroup() {
    if (data.precinct) return (data.precincts.groups || []).find((g) => g.group === data.precinct) || null;
    return (data.all.groups || [])[0] || null;
  }

  function renderHeadline() {
    const g = headlineGroup();
    const goal = target();
    for (const [hours, id] of [[24, "kpi-24"], [72, "kpi-72"]]) {
      const share = g ? g[`share_within_${hours}h`] : null;
      $(`${id}-value`).textContent = pct(share);
      const tile = $(id);
      tile.classList.toggle("below", share !== null && share !== undefined && share < goal);
      tile.classList.toggle("met", share !== null && share !== undefined && share >= goal);
      const note = $(`${id}-note`);
      if (!g || !g[`window_over_${hours}h`]) {
        fill(note, t("dash.no_window", { hours }));
      } else {
        const text = t("dash.cleared_of", {
          cleared: count(g[`cleared_within_${hours}h`]),
          over: count(g[`window_over_${hours}h`]),
        });
        fill(note, hours === 24 ? [text, " · ", t("dash.target_is", { target: pct(goal, 0) })] : text);
        if (hours === 24 && share !== null) note.prepend(targetBar(share, goal));
      }
    }
  }

  function renderWeekly() {
    const goal = target();
    const groups = (data.weeks.groups || []).filter((g) => weekMonday(g.group));
    const items = groups.map((g) => ({
      label: g.group,
      tick: g.group.slice(5),
      value: g.share_within_24h,
      line: g.share_within_72h,
      volume: g.reported,
      cls: g.share_within_24h === null ? "" : g.share_within_24h < goal ? "below" : "met",
      title: weekTitle(g),
    }));
    const chart = shareColumns({
      height: 250,
      items,
      target: goal,
      ariaLabel: t("dash.weekly_aria", {
        weeks: items.length,
        target: pct(goal, 0),
        met: items.filter((i) => i.value !== null && i.value >= goal).length,
      }),
      percent: pct,
      count,
      targetLabel: t("dash.target_is", { target: pct(goal, 0) }),
    });
    fill($("chart-weekly"), items.length ? chart : h("p", { class: "empty", text: t("dash.no_cases") }));
    fill(
      $("legend-weekly"),
      h("li", { class: "key key-24" }, t("dash.share_24h")),
      h("li", { class: "key key-72" }, t("dash.share_72h")),
      h("li", { class: "key key-target" }, t("dash.target")),
      items.some((i) => i.value === null) ? h("li", { class: "key key-pending" }, t("dash.pending")) : null,
      h("li", { class: "key key-volume" }, t("dash.col_reported")),
    );
    $("note-weekly").textContent = data.precinct ? t("dash.weekly_citywide") : "";
    fill($("table-weekly"), table({
      caption: t("dash.clearance_by_week"),
      columns: clearanceColumns(t("dash.col_week")),
      rows: groups,
    }));
  }

  function renderPrecincts() {
    const goal = target();
    const groups = [...(data.precincts.groups || [])].sort(
      (a, b) => (b.share_within_24h ?? -1) - (a.share_within_24h ?? -1) || a.group.localeCompare(b.group),
    );
    const items = groups.map((g) => ({
      id: g.group,
      label: g.group,
      value: g.share_within_24h,
      mark: g.share_within_72h,
      cls: [
        g.share_within_24h === null ? "" : g.share_within_24h < goal ? "below" : "met",
        g.group === data.precinct ? "selected" : "",
      ].join(" "),
      title: `${g.group} · ${ctx.names.get(g.group) || ""}\n${figures(g)}`,
    }));
    const chart = shareRows({
      items,
      target: goal,
      row: 14,
      width: 520,
      ariaLabel: t("dash.precincts_aria", {
        precincts: items.length,
        below: items.filter((i) => i.value !== null && i.value < goal).length,
        target: pct(goal, 0),
      }),
      percent: pct,
      targetLabel: pct(goal, 0),
      onPick: (id) => ctx.pickPrecinct(id),
    });
    fill($("chart-precincts"), items.length ? chart : h("p", { class: "empty", text: t("dash.no_cases") }));
    fill($("table-precincts"), table({
      caption: t("dash.clearance_by_precinct"),
      columns: clearanceColumns(t("dash.col_precinct"), (g) => `${g.group} · ${ctx.names.get(g.group) || ""}`),
      rows: groups,
    }));
  }

  function figures(g) {
    return [
      t("dash.tip_24h", { share: pct(g.share_within_24h), cleared: count(g.cleared_within_24h), over: count(g.window_over_24h) }),
      t("dash.tip_72h", { share: pct(g.share_within_72h), cleared: count(g.cleared_within_72h), over: count(g.window_over_72h) }),
      t("dash.tip_reported", { reported: count(g.reported), open: count(g.open), closed: count(g.closed_administratively) }),
    ].join("\n");
  }

  function weekTitle(g) {
    const monday = weekMonday(g.group);
    return `${g.group} (${monday} – ${addDays(monday, 6)})\n${figures(g)}`;
  }

  return { update, render };
}

/** A small bar: the share, with the target as a tick. */
function targetBar(share, goal) {
  const w = 120;
  return s(
    "svg",
    { viewBox: `0 0 ${w} 6`, class: "target-bar", "aria-hidden": "true" },
    s("rect", { x: 0, y: 0, width: w, height: 6, class: "track" }),
    s("rect", { x: 0, y: 0, width: Math.max(0, Math.min(1, share)) * w, height: 6, class: share < goal ? "fill below" : "fill met" }),
    s("line", { x1: goal * w, x2: goal * w, y1: -1, y2: 7, class: "tick" }),
  );
}

function clearanceColumns(first, firstText = (g) => g.group) {
  return [
    { label: first, text: firstText },
    { label: t("dash.col_reported"), num: true, text: (g) => count(g.reported) },
    { label: t("dash.col_cleared"), num: true, text: (g) => count(g.cleared) },
    { label: t("dash.col_closed"), num: true, text: (g) => count(g.closed_administratively) },
    { label: t("dash.col_open"), num: true, text: (g) => count(g.open) },
    { label: t("dash.col_24h"), num: true, text: (g) => `${count(g.cleared_within_24h)} / ${count(g.window_over_24h)}` },
    { label: t("dash.share_24h"), num: true, text: (g) => pct(g.share_within_24h) },
    { label: t("dash.col_72h"), num: true, text: (g) => `${count(g.cleared_within_72h)} / ${count(g.window_over_72h)}` },
    { label: t("dash.share_72h"), num: true, text: (g) => pct(g.share_within_72h) },
  ];
}
