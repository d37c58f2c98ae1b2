// Hot spots, blind spots, patrol gaps and the coverage layers for the filters (GET
// /api/v1/analytics/hotspots and /coverage as GeoJSON, /blind-spots, /patrol-gaps), drawn on the map
// and listed in the cell table; and the link to the weekly patrol-gap review
// (/api/v1/analytics/reviews/patrol-gaps).

import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { count, duration } from "../common/format.js";
import { createLink } from "./link.js";
import { createHotMap } from "./hotmap.js";
import { createCellTable } from "./celltable.js";
import { patrolPresence } from "./coverage.js";
import { addDays, isoWeek, weekMonday, weeksIn, parseYmd } from "./period.js";
import { problemText } from "./ui.js";

const $ = (id) => document.getElementById(id);
const pause = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => {
    clearTimeout(timer);
    reject(new DOMException("aborted", "AbortError"));
  });
});

/** GET, retrying while the service answers 503 (camera coverage still loading after a start). */
async function getRetrying(path, signal, tries = 8) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api("GET", path, undefined, { signal });
    } catch (error) {
      if (error.status !== 503 || attempt >= tries) throw error;
      await pause(1500, signal);
    }
  }
}

/** Settles to { value } or { error } (an aborted request still rejects). */
async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return { error };
  }
}

export function createHotspots(ctx) {
  const link = createLink();
  ctx.link = link;
  const map = createHotMap(ctx, link);
  const cellTable = createCellTable(ctx, link);
  const weekSelect = $("review-week");
  const reviewLink = $("review-link");
  let controller = null;
  let result = null;

  weekSelect.addEventListener("change", renderReview);

  async function update() {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const q = ctx.query({ res: true });
    map.loading();
    renderReview();
    try {
      const [cells, blind, gaps, coverage] = await ctx.track(Promise.all([
        settle(api("GET", `/api/v1/analytics/hotspots?${q}&format=geojson`, undefined, { signal })),
        settle(getRetrying(`/api/v1/analytics/blind-spots?${q}`, signal)),
        settle(getRetrying(`/api/v1/analytics/patrol-gaps?${q}`, signal, 3)),
        settle(getRetrying(`/api/v1/analytics/coverage?${q}&format=geojson`, signal)),
      ]));
      result = { cells, blind, gaps, coverage };
    } catch (e) {
      if (e.name === "AbortError") return;
      result = { cells: { error: e }, blind: { error: e }, gaps: { error: e }, coverage: { error: e } };
    }
    map.loaded();
    link.clear();
    render();
  }

  function render() {
    renderReview();
    if (!result) return;
    const { cells, blind, gaps, coverage } = result;
    const collection = cells.value || { type: "FeatureCollection", features: [] };
    const features = collection.features || [];
    const camerasOk = Boolean(blind.value);
    const gapsOk = Boolean(gaps.value);
    const blindSet = new Set((blind.value?.blind_spots || []).map((c) => c.h3));
    const gapCells = [...(gaps.value?.cells || [])]
      .map((c) => ({ ...c, gapThefts: c.gap_hours.reduce((a, g) => a + g.thefts, 0) }))
      .sort((a, b) => b.gapThefts - a.gapThefts || b.z - a.z);
    const gapByCell = new Map(gapCells.map((c, i) => [c.h3, { gap: c, rank: i + 1 }]));

    const facts = new Map();
    for (const f of features) {
      const p = f.properties;
      if (!String(p.class).startsWith("hot")) continue;
      const g = gapByCell.get(p.h3);
      facts.set(p.h3, {
        camera: camerasOk ? (blindSet.has(p.h3) ? "blind" : "seen") : null,
        gap: g?.gap || null,
        rank: g?.rank || null,
        patrolled: gapsOk && !g,
      });
    }
    const summary = blind.value || gaps.value || null;
    const note = cells.error ? problemText(cells.error) : summary?.note || null;
    map.setData({ cells: collection, facts, note, coverage: coverage.value || null });
    cellTable.setData({
      cells: features.map((f) => f.properties),
      facts,
      camerasOk,
      gapsOk,
      notes: {
        gaps: gaps.error ? problemText(gaps.error) : summary?.note,
        blind: blind.error ? problemText(blind.error) : summary?.note,
        hot: cells.error ? problemText(cells.error) : summary?.note,
      },
    });

    $("note-map").textContent = mapNote(result, features, summary);
  }

  /** The weeks of the period in the picker; the link opens the review of the chosen one. */
  function renderReview() {
    const f = ctx.filters;
    const weeks = weeksIn(f.from, f.to);
    const previous = weekSelect.value;
    // By default the last week that is over (its Sunday no later than the data's last day).
    const over = weeks.filter((w) => addDays(weekMonday(w), 6) <= ctx.span.to);
    const chosen = weeks.includes(previous) ? previous : over[over.length - 1] || weeks[weeks.length - 1] || isoWeek(parseYmd(f.to) || new Date());
    weekSelect.replaceChildren(...[...weeks].reverse().map((w) => {
      const monday = weekMonday(w);
      return new Option(`${w} (${monday.slice(5)} – ${addDays(monday, 6).slice(5)})`, w);
    }));
    if (!weeks.includes(chosen)) weekSelect.append(new Option(chosen, chosen));
    weekSelect.value = chosen;
    const q = new URLSearchParams({ week: chosen, res: f.res });
    if (f.precinct) q.set("precinct", f.precinct);
    reviewLink.href = `/api/v1/analytics/reviews/patrol-gaps?${q}`;
    reviewLink.textContent = t("dash.open_review");
    reviewLink.title = t("dash.review_title", { week: chosen, where: f.precinct || t("dash.citywide") });
  }

  return { update, render };
}

/** The line under the map: thefts and cells, cameras, what a patrol gap is, patrol presence. */
function mapNote({ blind, gaps, coverage }, features, summary) {
  const parts = [];
  if (summary) {
    parts.push(t("dash.map_summary", {
      thefts: count(summary.thefts),
      cells: count(features.length),
      hot: count(summary.hot_cells ?? features.filter((f) => String(f.properties.class).startsWith("hot")).length),
    }));
  }
  // The cameras of the precinct when the coverage layers are known, else of the city.
  const cameras = coverage.value ? coverage.value.features.filter((f) => f.properties.kind === "camera").length : blind.value?.cameras;
  if (blind.value) parts.push(t("dash.camera_summary", { cameras: count(cameras), range: count(blind.value.camera_range_m) }));
  else if (blind.error) parts.push(t("dash.camera_unknown", { why: problemText(blind.error) }));
  if (gaps.value) parts.push(t("dash.patrol_summary", { minutes: count(gaps.value.min_dwell_minutes) }));
  else if (gaps.error) parts.push(t("dash.patrol_unknown", { why: problemText(gaps.error) }));
  if (coverage.value) {
    const presence = [...patrolPresence(coverage.value).values()];
    const minutes = presence.reduce((sum, p) => sum + p.minutes, 0);
    parts.push(presence.length
      ? t("dash.patrol_presence", { cells: count(presence.length), time: duration(Math.round(minutes * 60)) })
      : t("dash.no_patrol_presence"));
  } else if (coverage.error) parts.push(t("dash.coverage_unknown", { why: problemText(coverage.error) }));
  return parts.join(" ");
}
