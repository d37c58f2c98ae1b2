// The hot-spot map's coverage layers (GET /api/v1/analytics/coverage as GeoJSON): the cells a camera
// sees (outlined) and the cameras (dots); patrol presence per cell, shaded by the period's patrol
// minutes in five steps on a square-root scale up to the most-patrolled cell.

import { t } from "../common/i18n.js";
import { duration } from "../common/format.js";
import { hourRanges } from "./fmt.js";

const STEPS = 5;

const collection = (features) => ({ type: "FeatureCollection", features });
const ofKind = (coverage, kind) => (coverage?.features || []).filter((f) => f.properties.kind === kind);

/** The patrolled cells: Map(h3 -> { minutes, byHour }). */
export function patrolPresence(coverage) {
  return new Map(ofKind(coverage, "cell")
    .filter((f) => f.properties.patrol_minutes > 0)
    .map((f) => [f.properties.h3, { minutes: f.properties.patrol_minutes, byHour: f.properties.patrol_by_hour }]));
}

/** A cell's patrol presence in words: its minutes and the two hours with the most. */
export function patrolLine(presence) {
  if (!presence) return t("dash.no_patrol");
  const busiest = presence.byHour
    .map((minutes, hour) => ({ minutes, hour }))
    .filter((h) => h.minutes > 0)
    .sort((a, b) => b.minutes - a.minutes || a.hour - b.hour)
    .slice(0, 2)
    .map((h) => h.hour);
  return t("dash.patrol_line", { minutes: duration(Math.round(presence.minutes * 60)), hours: hourRanges(busiest) });
}

/**
 * Draws the patrolled cells into the `patrol-cells` layer, the covered cells and the cameras into
 * `cameras`. Returns what the legend needs: { cameras, covered, patrolled, most } (most: minutes).
 */
export function drawCoverage(map, coverage) {
  const cells = ofKind(coverage, "cell");
  const cameras = ofKind(coverage, "camera");
  const covered = cells.filter((f) => f.properties.camera);
  const patrolled = cells.filter((f) => f.properties.patrol_minutes > 0);
  const most = Math.max(0, ...patrolled.map((f) => f.properties.patrol_minutes));
  map.drawGeoJSON("patrol-cells", collection(patrolled), (f) => ({
    class: `patrol-cell step-${step(f.properties.patrol_minutes, most)}`,
    attrs: { "data-patrol": f.properties.h3 },
  }));
  map.drawGeoJSON("cameras", collection(covered), (f) => ({
    class: "cam-cell",
    attrs: { "data-covered": f.properties.h3 },
  }));
  map.drawPoints("cameras", cameras, (f) => ({ r: 1.6, class: "camera", attrs: { "data-camera": f.properties.id } }));
  return { cameras: cameras.length, covered: covered.length, patrolled: patrolled.length, most };
}

function step(minutes, most) {
  return Math.min(STEPS, Math.max(1, Math.ceil(STEPS * Math.sqrt(minutes / most))));
}
