// Where the theft happened: a click on the precinct map, a door plate or alarm from the roster, or
// typed coordinates (pasting "41.8789, -87.6359" into either box fills both).

import { createMap } from "../common/map.js";
import { h, fill } from "../common/dom.js";
import { t } from "../common/i18n.js";

const DECIMALS = 6;

/** `onSet()` runs when the map or a door plate sets the coordinates (typing fires `input` itself). */
export function createPlacePicker(elements, { roster, precincts, onSet }) {
  const { svg, hint, place, datalist, lat, lng, address } = elements;
  // The server's tile layer, if it has one (`--tile-url`), under the outlines.
  const map = createMap(svg, { padding: 6, tiles: roster.settings?.tiles });
  map.fit(precincts);
  map.layer("precincts");
  map.layer("marker");
  const shapes = map.drawGeoJSON("precincts", precincts, (feature) => ({
    class: "precinct",
    title: feature.properties.name || feature.properties.id,
    // Over tiles, the territories are tinted rather than filled, so the streets show through.
    attrs: { "data-precinct": feature.properties.id, "fill-opacity": map.tiled ? 0.35 : null },
  }));

  const places = new Map();
  for (const [kind, list] of [
    ["doorplate", roster.doorplates],
    ["alarm", roster.alarms],
  ]) {
    for (const item of list || []) places.set(`${item.id} · ${item.address}`, { ...item, kind });
  }
  fill(
    datalist,
    [...places.keys()].map((label) => h("option", { value: label })),
  );

  function set(point) {
    lat.value = point.lat.toFixed(DECIMALS);
    lng.value = point.lng.toFixed(DECIMALS);
    show(point);
    onSet();
  }

  function show(point) {
    map.clear("marker");
    const inside = point && shapes.find((shape) => contains(shape.feature.geometry, [point.lng, point.lat]));
    for (const shape of shapes) shape.classList.toggle("selected", shape === inside);
    if (point) map.drawPoints("marker", [point], () => ({ r: 6, class: "marker" }));
    hint.textContent = inside
      ? t("intake.in_precinct", { precinct: inside.feature.properties.name || inside.feature.properties.id })
      : t("intake.map_hint");
  }

  function typed() {
    const both = /^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(lat.value);
    if (both) {
      lat.value = both[1];
      lng.value = both[2];
    }
    show(current());
  }

  function picked() {
    const item = places.get(place.value);
    if (!item) return;
    set(item.at);
    address.value = item.address || "";
  }

  /** `{lat, lng}` as typed, or null when either is not a number. */
  function current() {
    const point = { lat: Number.parseFloat(lat.value), lng: Number.parseFloat(lng.value) };
    return Number.isFinite(point.lat) && Number.isFinite(point.lng) ? point : null;
  }

  map.onClick((point) => set(point));
  lat.addEventListener("input", typed);
  lng.addEventListener("input", typed);
  place.addEventListener("change", picked);
  place.addEventListener("input", picked);
  window.addEventListener("qc:language", () => show(current()));
  show(null);

  return {
    current,
    reset() {
      place.value = "";
      lat.value = "";
      lng.value = "";
      address.value = "";
      show(null);
    },
  };
}

/** Whether a GeoJSON Polygon or MultiPolygon holds `[lng, lat]` (even-odd rule, holes count). */
function contains(geometry, point) {
  if (!geometry) return false;
  const polygons =
    geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.some((rings) => rings.reduce((inside, ring) => (inRing(ring, point) ? !inside : inside), false));
}

function inRing(ring, [x, y]) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
