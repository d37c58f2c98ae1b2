// The hot-spot map: precinct outlines (over map tiles when the server has a tile server), H3 cells
// coloured by Gi* class (one <path data-cell> per cell), the cells cameras see and the cameras,
// patrol presence per cell (coverage.js) and at the hot cells' theft hours (green: patrols at every
// theft hour; orange ring and rank: a patrol gap), the stations; hover and click linked with the
// cell table.

import { t } from "../common/i18n.js";
import { count } from "../common/format.js";
import { createMap } from "../common/map.js";
import { duration } from "../common/format.js";
import { h, fill, s } from "./dom.js";
import { hourRanges, num } from "./fmt.js";
import { drawCoverage, patrolLine, patrolPresence } from "./coverage.js";

const $ = (id) => document.getElementById(id);
export const CLASSES = ["hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"];
// Patrol presence lies under the Gi* cells: it shows where no theft happened and through the
// not-significant cells, and never hides a hot or cold one.
const LAYERS = ["precincts", "patrol-cells", "cells", "cameras", "patrol", "stations", "highlight"];
/** The layers each checkbox shows (by its value), when not the layer of that name. */
const TOGGLES = { patrol: ["patrol-cells", "patrol"] };
/** Gap cells numbered on the map (the table lists them all). */
const LABELLED_GAPS = 10;

/** The centre of a cell polygon (the mean of its ring's vertices). */
function centre(feature) {
  const ring = feature.geometry?.coordinates?.[0] || [];
  const pts = ring.length > 1 ? ring.slice(0, -1) : ring;
  if (!pts.length) return null;
  return [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
}

/** The hover text of a cell; `patrol`, its patrol presence in words, when known. */
export function cellSummary(p, facts, patrol) {
  const lines = [
    p.h3,
    `${t(`gi.${p.class}`)} · z ${num(p.z, 2)} · p ${num(p.p, 4)}`,
    t("dash.thefts_n", { n: count(p.count) }),
  ];
  if (facts.camera) lines.push(t(`dash.camera_${facts.camera}`));
  if (facts.gap) lines.push(t("dash.gap_hours_are", { hours: hourRanges(facts.gap.gap_hours.map((g) => g.hour)) }));
  else if (facts.patrolled) lines.push(t("dash.patrolled"));
  if (patrol) lines.push(patrol);
  return lines.join("\n");
}

export function createHotMap(ctx, link) {
  const svg = $("hotspot-map");
  // The server's tile layer, if it has one (`--tile-url`), under every layer.
  const map = createMap(svg, { padding: 10, tiles: ctx.roster.settings?.tiles });
  for (const name of LAYERS) map.layer(name);
  for (const name of ["highlight", "patrol-cells", "cameras", "patrol"]) map.layer(name).classList.add("no-pointer");
  const paths = new Map();
  let data = null;
  let presence = null;
  let covering = null;
  let fittedTo;
  let precinctPaths = [];

  /** The base map, territories and stations, drawn again after each fit (a fit changes the projection). */
  function drawBase() {
    map.clear("precincts");
    map.clear("stations");
    precinctPaths = map.drawGeoJSON("precincts", ctx.precinctsGeo, (f) => ({
      class: "precinct",
      title: `${f.properties.id} · ${f.properties.name}`,
      // Over tiles, the territories are tinted rather than filled, so the streets show through.
      attrs: { "data-precinct": f.properties.id, "fill-opacity": map.tiled ? 0.3 : null },
    }));
    map.drawPoints("stations", ctx.roster.precincts || [], (p) => ({
      shape: "square",
      r: 3,
      class: "station",
      title: `${p.id} · ${p.name}`,
    }));
  }

  $("zoom-in").addEventListener("click", () => map.zoomBy(1.6));
  $("zoom-out").addEventListener("click", () => map.zoomBy(1 / 1.6));
  $("zoom-reset").addEventListener("click", () => map.resetView());
  for (const box of document.querySelectorAll('input[name="layer"]')) {
    const apply = () => {
      for (const name of TOGGLES[box.value] || [box.value]) map.layer(name).classList.toggle("off", !box.checked);
      if (box.value === "cameras" || box.value === "patrol") renderLegend();
    };
    box.addEventListener("change", apply);
    apply();
  }

  // Hover and click on cells; the table and the weekly matrix point back through `link`.
  const cells = map.layer("cells");
  const cellOf = (event) => event.target.closest?.("path[data-cell]")?.dataset.cell || null;
  cells.addEventListener("mouseover", (event) => link.hover(cellOf(event), "map"));
  cells.addEventListener("mouseleave", () => link.hover(null, "map"));
  cells.addEventListener("click", (event) => {
    const h3 = cellOf(event);
    if (h3) link.select(h3, "map");
  });
  link.on(highlight);

  function fit() {
    const id = ctx.filters.precinct;
    if (fittedTo === id) return;
    const feature = id && (ctx.precinctsGeo.features || []).find((f) => f.properties.id === id);
    map.fit(feature || ctx.precinctsGeo);
    fittedTo = id;
    drawBase();
  }

  /**
   * `d`: { cells (FeatureCollection), facts: Map(h3 -> {camera, gap, patrolled, rank}), note,
   * coverage (the coverage layers' FeatureCollection, or null when unavailable) }.
   */
  function setData(d) {
    data = d;
    draw();
  }

  function draw() {
    fit();
    const id = ctx.filters.precinct;
    for (const path of precinctPaths) {
      const mine = path.dataset.precinct === id;
      path.setAttribute("class", `precinct${id ? (mine ? " selected" : " other") : ""}`);
    }
    for (const name of ["cells", "patrol-cells", "cameras", "patrol", "highlight"]) map.clear(name);
    paths.clear();
    if (!data) return;
    const features = data.cells.features || [];
    presence = data.coverage ? patrolPresence(data.coverage) : null;
    for (const path of map.drawGeoJSON("cells", data.cells, (f) => ({
      class: `cell gi-${f.properties.class}`,
      title: summary(f.properties),
      attrs: { "data-cell": f.properties.h3, "data-class": f.properties.class },
    }))) paths.set(path.dataset.cell, path);
    covering = data.coverage ? drawCoverage(map, data.coverage) : null;

    const hot = features.filter((f) => String(f.properties.class).startsWith("hot"));
    const marks = [];
    for (const f of hot) {
      const facts = data.facts.get(f.properties.h3) || {};
      const at = centre(f);
      if (!at) continue;
      if (facts.gap) marks.push({ at, cls: "gap-mark", rank: facts.rank });
      else if (facts.patrolled) marks.push({ at, cls: "patrol-mark" });
    }
    map.drawPoints("patrol", marks, (m) => ({ r: m.cls === "gap-mark" ? 4 : 2.5, class: m.cls }));
    for (const m of marks.filter((x) => x.rank && x.rank <= LABELLED_GAPS).sort((a, b) => b.rank - a.rank)) {
      map.place("patrol", m.at, s(
        "g",
        { class: "rank" },
        s("circle", { cx: 0, cy: 0, r: 7, class: "rank-badge", "vector-effect": "non-scaling-stroke" }),
        s("text", { x: 0, y: 3.5, class: "rank-text", text: String(m.rank) }),
      ));
    }
    const empty = $("map-empty");
    empty.hidden = features.length > 0;
    empty.textContent = features.length ? "" : data.note || t("dash.no_cells");
    highlight();
    renderLegend();
  }

  function highlight() {
    map.clear("highlight");
    for (const [h3, path] of paths) {
      path.classList.toggle("is-hover", h3 === link.hovered);
      path.classList.toggle("is-selected", h3 === link.selected);
    }
    for (const [h3, cls] of [[link.selected, "outline-selected"], [link.hovered, "outline-hover"]]) {
      const path = h3 && paths.get(h3);
      if (path) map.layer("highlight").append(s("path", { d: path.getAttribute("d"), class: cls, "vector-effect": "non-scaling-stroke" }));
    }
    renderInfo();
  }

  function renderInfo() {
    const info = $("cell-info");
    const h3 = link.selected;
    const feature = h3 && data && (data.cells.features || []).find((f) => f.properties.h3 === h3);
    if (!feature) {
      info.textContent = t("dash.cell_hint");
      info.classList.remove("has-cell");
      return;
    }
    info.classList.add("has-cell");
    fill(info, h("strong", { text: t("dash.selected_cell") }), " ", summary(feature.properties).split("\n").join(" · "));
  }

  function summary(p) {
    return cellSummary(p, data.facts.get(p.h3) || {}, presence && patrolLine(presence.get(p.h3)));
  }

  function renderLegend() {
    const camerasOn = !map.layer("cameras").classList.contains("off");
    const patrolOn = !map.layer("patrol").classList.contains("off");
    fill(
      $("legend-map"),
      CLASSES.map((c) => h("li", { class: `key swatch gi-${c}` }, t(`gi.${c}`))),
      camerasOn && covering ? h("li", { class: "key swatch cam-cell" }, t("dash.legend_camera")) : null,
      camerasOn && covering ? h("li", { class: "key dot camera" }, t("dash.legend_camera_point")) : null,
      patrolOn && covering?.most ? h("li", { class: "key ramp patrol-cell" }, t("dash.legend_patrol_minutes", { max: duration(Math.round(covering.most * 60)) })) : null,
      patrolOn ? h("li", { class: "key dot patrol-mark" }, t("dash.legend_patrolled")) : null,
      patrolOn ? h("li", { class: "key dot gap-mark" }, t("dash.legend_gap")) : null,
      h("li", { class: "key square station" }, t("dash.legend_station")),
    );
  }

  return {
    setData,
    render: draw,
    /** Forget the data (a new query is on its way): an empty map says "Loading". */
    loading() {
      svg.classList.add("is-loading");
    },
    loaded() {
      svg.classList.remove("is-loading");
    },
  };
}
