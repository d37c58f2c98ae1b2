// SVG maps (docs/console.md, "map.js"): Web Mercator fitted to GeoJSON bounds, layers as <g>,
// GeoJSON and points drawn with style functions, click -> {lat, lng}, hover titles, and pan/zoom
// with the wheel and a drag. No tiles needed: the precinct outlines are the base map. When the
// server has a tile server configured (`--tile-url`, the roster's `settings.tiles`), pass it as
// `tiles: { url, attribution }` and the map draws XYZ tiles (`<image>`s, `{z}/{x}/{y}` filled in)
// under every layer, redrawn on pan and zoom, with the attribution in the bottom-right corner;
// `map.tiled` then says so (pages lighten their fills so the tiles show through).
//
//   const map = createMap(svg, { padding: 12, tiles: roster.settings?.tiles });
//   map.fit(precincts);                       // a FeatureCollection, Feature, geometry or bounds
//   map.layer("precincts"); map.layer("cells"); // <g>s, drawn in creation order
//   map.drawGeoJSON("precincts", precincts, (f) => ({ class: "precinct", title: f.properties.name }));
//   map.drawPoints("stations", roster.precincts, (p) => ({ r: 4, class: "station", title: p.name }));
//   map.onClick(({ lat, lng }, event) => { ... });
//   map.place("labels", { lat, lng }, node); // any SVG node drawn around 0,0, e.g. a badge
//
// Styles are attributes and classes, never `style=` (the CSP's style-src 'self' blocks those).
// A style is `{ class, fill, stroke, strokeWidth, opacity, title, attrs }` (each optional;
// `attrs` are extra attributes such as `{"data-cell": h3}`); points also take `r` (px, default 4)
// and `shape` ("circle" or "square"). Strokes do not grow when zooming in, nor do points and
// placed nodes (they stay the same size on screen).

const SVG_NS = "http://www.w3.org/2000/svg";
const DRAG_PX = 4;
const MIN_ZOOM = 1;
const MAX_ZOOM = 40;
/** The smallest span `fit` shows, in unit Mercator (about 300 m at Chicago's latitude). */
const MIN_SPAN = 1e-5;
/** Tiles are this many screen px wide at their own zoom level. */
const TILE_PX = 256;
/** Zoom levels tile servers commonly have. */
const TILE_MAX_Z = 19;
/** At most this many tiles at once (a coarser level is used beyond it). */
const MAX_TILES = 64;

/** Web Mercator on the unit square: x east 0..1, y south 0..1. */
function mercator([lng, lat]) {
  const clamped = Math.max(-85.05112878, Math.min(85.05112878, lat));
  const s = Math.sin((clamped * Math.PI) / 180);
  return [(lng + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

function inverseMercator([x, y]) {
  const lng = x * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
  return [lng, lat];
}

/** Every [lng, lat] position of a GeoJSON object, passed to `visit`. */
function eachPosition(geo, visit) {
  if (!geo) return;
  switch (geo.type) {
    case "FeatureCollection":
      for (const f of geo.features || []) eachPosition(f, visit);
      break;
    case "Feature":
      eachPosition(geo.geometry, visit);
      break;
    case "GeometryCollection":
      for (const g of geo.geometries || []) eachPosition(g, visit);
      break;
    case "Point":
      visit(geo.coordinates);
      break;
    case "MultiPoint":
    case "LineString":
      for (const p of geo.coordinates) visit(p);
      break;
    case "MultiLineString":
    case "Polygon":
      for (const line of geo.coordinates) for (const p of line) visit(p);
      break;
    case "MultiPolygon":
      for (const poly of geo.coordinates) for (const ring of poly) for (const p of ring) visit(p);
      break;
    default:
      break;
  }
}

/**
 * `[[minLng, minLat], [maxLng, maxLat]]` of a GeoJSON object, of a list of points (see `lngLat`),
 * or `null` when there is no position.
 */
export function bounds(geoOrPoints) {
  let minLng = Infinity, minLat = Infinity, maxLng = -Infinity, maxLat = -Infinity;
  const visit = (p) => {
    if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return;
    minLng = Math.min(minLng, p[0]); maxLng = Math.max(maxLng, p[0]);
    minLat = Math.min(minLat, p[1]); maxLat = Math.max(maxLat, p[1]);
  };
  if (Array.isArray(geoOrPoints)) geoOrPoints.forEach((p) => visit(lngLat(p)));
  else eachPosition(geoOrPoints, visit);
  return minLng <= maxLng ? [[minLng, minLat], [maxLng, maxLat]] : null;
}

/**
 * `[lng, lat]` of a point given as `[lng, lat]`, `{lat, lng}`, or an object with such a point under
 * `at`, `location`, `base` or `geometry` (a GeoJSON Point or Feature); `null` otherwise.
 */
export function lngLat(point) {
  if (!point) return null;
  if (Array.isArray(point)) return point.length >= 2 ? [Number(point[0]), Number(point[1])] : null;
  if (point.type === "Feature") return lngLat(point.geometry);
  if (point.type === "Point") return lngLat(point.coordinates);
  if (Number.isFinite(point.lat) && Number.isFinite(point.lng)) return [point.lng, point.lat];
  for (const key of ["at", "location", "base", "geometry"]) {
    if (point[key]) return lngLat(point[key]);
  }
  return null;
}

function el(name, attrs = {}) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  return node;
}

function applyStyle(node, style) {
  if (!style) return;
  if (style.class) node.setAttribute("class", style.class);
  if (style.fill !== undefined) node.setAttribute("fill", style.fill);
  if (style.stroke !== undefined) node.setAttribute("stroke", style.stroke);
  if (style.strokeWidth !== undefined) node.setAttribute("stroke-width", style.strokeWidth);
  if (style.opacity !== undefined) node.setAttribute("opacity", style.opacity);
  for (const [k, v] of Object.entries(style.attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  if (style.title) {
    const title = el("title");
    title.textContent = style.title;
    node.appendChild(title);
  }
}

const round = (v) => Math.round(v * 100) / 100;

/** The tile template of the `tiles` option (a string or `{ url }`), or null without a usable one. */
function tileTemplate(tiles) {
  const url = typeof tiles === "string" ? tiles : tiles && tiles.url;
  return typeof url === "string" && /^https?:\/\//i.test(url) && ["{z}", "{x}", "{y}"].every((p) => url.includes(p))
    ? url
    : null;
}

/**
 * A map on `svg`. Its drawing size is the svg's `viewBox` if it has one, else its size on the page
 * when created (set a viewBox, or CSS width and height, before); the svg then scales with CSS.
 * Options: `padding` (px inside the edges when fitting, default 12), `zoom` (wheel and drag, default
 * true), `width`/`height` (drawing size, overriding the above), `tiles` (`{ url, attribution }`:
 * an XYZ tile layer under everything; `null` or absent, the default: none).
 */
export function createMap(svg, { padding = 12, zoom = true, width, height, tiles = null } = {}) {
  const box = svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width
    ? svg.viewBox.baseVal
    : null;
  const rect = svg.getBoundingClientRect();
  const W = width || (box && box.width) || Math.round(rect.width) || 800;
  const H = height || (box && box.height) || Math.round(rect.height) || 600;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  if (!svg.hasAttribute("preserveAspectRatio")) svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  svg.classList.add("qc-map");

  // Everything drawn lives in `root`, whose transform is the pan/zoom.
  const root = el("g", { class: "qc-map-root" });
  svg.appendChild(root);
  const layers = new Map();
  const clickHandlers = new Set();

  // The optional tile layer: the first <g> in `root` (under every layer), not one of `layers`.
  const template = tileTemplate(tiles);
  const tileLayer = template
    ? root.appendChild(el("g", { class: "qc-map-layer qc-map-tiles", "data-layer": "tiles", "pointer-events": "none" }))
    : null;
  /** The tiles drawn, by "z/x/y". */
  const tileNodes = new Map();
  if (template && tiles.attribution) {
    // Outside `root`, so it neither pans nor zooms; a white halo keeps it legible on any tile.
    const credit = el("text", {
      class: "qc-map-attribution",
      x: W - 3,
      y: H - 3,
      "text-anchor": "end",
      "font-size": 9,
      fill: "#333",
      stroke: "#fff",
      "stroke-width": 2.5,
      "stroke-linejoin": "round",
      "paint-order": "stroke",
      "pointer-events": "none",
    });
    credit.textContent = String(tiles.attribution);
    svg.appendChild(credit);
  }
  // Tiles wait for the first `fit`: before it the projection shows the whole world.
  let fitted = false;

  // The projection: unit Mercator -> px, `x = ox + k * mx`, `y = oy + k * my`.
  let k = W;
  let ox = 0;
  let oy = 0;
  // The view: `translate(tx, ty) scale(s)` on top of the projection.
  let view = { s: 1, tx: 0, ty: 0 };

  function project(position) {
    const [mx, my] = mercator(position);
    return [ox + k * mx, oy + k * my];
  }

  function unproject([x, y]) {
    return inverseMercator([(x - ox) / k, (y - oy) / k]);
  }

  /**
   * Fits the projection to a GeoJSON object, a list of points, or `[[minLng, minLat], [maxLng,
   * maxLat]]`, and resets pan/zoom. Shapes already drawn keep the old projection: fit first, then
   * draw (or clear and draw again after a new fit).
   */
  function fit(geoOrBounds) {
    const b = Array.isArray(geoOrBounds) && Array.isArray(geoOrBounds[0]) && geoOrBounds.length === 2
      && !Array.isArray(geoOrBounds[0][0])
      ? geoOrBounds
      : bounds(geoOrBounds);
    if (!b) return api;
    const [x0, y1] = mercator(b[0]); // south-west: smallest x, largest y
    const [x1, y0] = mercator(b[1]);
    // A single point (or a tiny area) gets a few hundred metres around it rather than infinite zoom.
    const dx = Math.max(x1 - x0, MIN_SPAN);
    const dy = Math.max(y1 - y0, MIN_SPAN);
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    k = Math.min((W - 2 * padding) / dx, (H - 2 * padding) / dy);
    ox = W / 2 - k * cx;
    oy = H / 2 - k * cy;
    fitted = true;
    resetView();
    return api;
  }

  function layer(name) {
    let g = layers.get(name);
    if (!g) {
      g = el("g", { class: "qc-map-layer", "data-layer": name });
      root.appendChild(g);
      layers.set(name, g);
    }
    return g;
  }

  function clear(name) {
    const g = layers.get(name);
    if (g) {
      for (const node of g.querySelectorAll("[data-qc-pin]")) pinned.delete(node);
      g.replaceChildren();
    }
    return api;
  }

  function ringPath(ring, close) {
    let d = "";
    ring.forEach((p, i) => {
      const [x, y] = project(p);
      d += `${i ? "L" : "M"}${round(x)} ${round(y)}`;
    });
    return close && ring.length ? `${d}Z` : d;
  }

  function pathData(geometry) {
    if (!geometry) return "";
    const c = geometry.coordinates;
    switch (geometry.type) {
      case "Polygon":
        return c.map((r) => ringPath(r, true)).join("");
      case "MultiPolygon":
        return c.map((poly) => poly.map((r) => ringPath(r, true)).join("")).join("");
      case "LineString":
        return ringPath(c, false);
      case "MultiLineString":
        return c.map((l) => ringPath(l, false)).join("");
      case "GeometryCollection":
        return (geometry.geometries || []).map(pathData).join("");
      default:
        return "";
    }
  }

  /**
   * Draws `geo` (FeatureCollection, Feature or geometry) into the layer, one <path> per feature
   * (points: a circle, or what `drawPoints` draws). Returns the elements, in feature order; each
   * has its feature on `element.feature`.
   */
  function drawGeoJSON(layerName, geo, styleFn = () => ({})) {
    const g = layer(layerName);
    const features = geo.type === "FeatureCollection"
      ? geo.features || []
      : geo.type === "Feature" ? [geo] : [{ type: "Feature", geometry: geo, properties: {} }];
    const drawn = [];
    const fragment = document.createDocumentFragment();
    for (const feature of features) {
      const style = styleFn(feature) || {};
      const geometry = feature.geometry;
      let node;
      if (geometry && (geometry.type === "Point" || geometry.type === "MultiPoint")) {
        node = pointNode(geometry.type === "Point" ? geometry.coordinates : geometry.coordinates[0], style);
      } else {
        node = el("path", { d: pathData(geometry), "fill-rule": "evenodd", "vector-effect": "non-scaling-stroke" });
        applyStyle(node, style);
      }
      if (!node) continue;
      node.feature = feature;
      fragment.appendChild(node);
      drawn.push(node);
    }
    g.appendChild(fragment);
    return drawn;
  }

  // Points and placed marks keep their size on screen when zooming: each is drawn around (0, 0)
  // and moved by a transform that `applyView` scales by the inverse of the zoom.
  const pinned = new Set();

  function pin(node, position) {
    const [x, y] = project(position);
    node.qcAt = [x, y];
    node.setAttribute("data-qc-pin", "");
    node.setAttribute("transform", pinTransform(node.qcAt));
    pinned.add(node);
    return node;
  }

  function pinTransform([x, y]) {
    return `translate(${round(x)} ${round(y)}) scale(${round(1000 / view.s) / 1000})`;
  }

  function pointNode(position, style) {
    if (!position) return null;
    const r = style.r ?? 4;
    const node = style.shape === "square"
      ? el("rect", { x: -r, y: -r, width: 2 * r, height: 2 * r })
      : el("circle", { cx: 0, cy: 0, r });
    node.setAttribute("vector-effect", "non-scaling-stroke");
    applyStyle(node, style);
    return pin(node, position);
  }

  /**
   * Puts `node` (an SVG element drawn around 0, 0, e.g. a <g> with a badge and its text) at
   * `point` (as for `drawPoints`) in the layer; like points, it keeps its size when zooming.
   */
  function place(layerName, point, node) {
    const position = lngLat(point);
    if (!position) return null;
    layer(layerName).appendChild(pin(node, position));
    return node;
  }

  /**
   * Draws `points` (each `[lng, lat]`, `{lat, lng}` or with such a point under `at`, `location`,
   * `base`) as circles (or squares, `shape: "square"`) of radius `r` px. Returns the elements, in
   * order; each has its point on `element.datum`. Points without a position are skipped.
   */
  function drawPoints(layerName, points, styleFn = () => ({})) {
    const g = layer(layerName);
    const fragment = document.createDocumentFragment();
    const drawn = [];
    for (const point of points || []) {
      const node = pointNode(lngLat(point), styleFn(point) || {});
      if (!node) continue;
      node.datum = point;
      fragment.appendChild(node);
      drawn.push(node);
    }
    g.appendChild(fragment);
    return drawn;
  }

  /** The drawing's px coordinates (before pan/zoom) of a mouse event. */
  function eventPoint(event) {
    const matrix = root.getScreenCTM();
    if (!matrix) return null;
    const pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const p = pt.matrixTransform(matrix.inverse());
    return [p.x, p.y];
  }

  /** Calls `fn({lat, lng}, event)` on a click on the map (not at the end of a drag). */
  function onClick(fn) {
    clickHandlers.add(fn);
    return () => clickHandlers.delete(fn);
  }

  // --- tiles ----------------------------------------------------------------------------------

  /**
   * The part of the drawing (px before pan/zoom) the svg shows, and the screen px per drawing px
   * at zoom 1. The svg may show more than its viewBox (`meet` letterboxing), so this reads the
   * page's layout when it can.
   */
  function visibleDrawing() {
    const matrix = svg.getScreenCTM && svg.getScreenCTM();
    const rect = svg.getBoundingClientRect();
    let x0 = 0, y0 = 0, x1 = W, y1 = H, screen = 1;
    if (matrix && matrix.a > 0 && rect.width > 0 && rect.height > 0) {
      screen = matrix.a;
      x0 = (rect.left - matrix.e) / matrix.a;
      x1 = (rect.right - matrix.e) / matrix.a;
      y0 = (rect.top - matrix.f) / matrix.d;
      y1 = (rect.bottom - matrix.f) / matrix.d;
    }
    const s = view.s;
    return {
      x0: (x0 - view.tx) / s, x1: (x1 - view.tx) / s,
      y0: (y0 - view.ty) / s, y1: (y1 - view.ty) / s,
      screen,
    };
  }

  /** Draws the tiles covering the view at the zoom level of the current scale; drops the others. */
  function drawTiles() {
    if (!tileLayer || !fitted) return;
    const v = visibleDrawing();
    // Unit Mercator shown: tile (z, x, y) covers x/2^z..(x+1)/2^z (and likewise y).
    const mx0 = Math.max(0, (v.x0 - ox) / k), mx1 = Math.min(1, (v.x1 - ox) / k);
    const my0 = Math.max(0, (v.y0 - oy) / k), my1 = Math.min(1, (v.y1 - oy) / k);
    const wanted = new Map();
    if (mx1 > mx0 && my1 > my0) {
      // Screen px per unit Mercator; the level whose tiles are about TILE_PX wide on screen.
      const pxPerUnit = k * view.s * v.screen;
      let z = Math.max(0, Math.min(TILE_MAX_Z, Math.round(Math.log2(pxPerUnit / TILE_PX))));
      let range;
      for (;;) {
        const n = 2 ** z;
        range = {
          z, n,
          xa: Math.floor(mx0 * n), xb: Math.min(n - 1, Math.floor(mx1 * n)),
          ya: Math.floor(my0 * n), yb: Math.min(n - 1, Math.floor(my1 * n)),
        };
        if ((range.xb - range.xa + 1) * (range.yb - range.ya + 1) <= MAX_TILES || z === 0) break;
        z -= 1;
      }
      const { n } = range;
      const size = k / n;
      // Half a screen px of overlap hides the seams between neighbouring tiles.
      const overlap = 0.5 / (view.s * v.screen);
      for (let ty = range.ya; ty <= range.yb; ty++) {
        for (let tx = range.xa; tx <= range.xb; tx++) {
          wanted.set(`${range.z}/${tx}/${ty}`, {
            z: range.z, tx, ty,
            x: ox + size * tx, y: oy + size * ty, size: size + overlap,
          });
        }
      }
    }
    for (const [key, node] of tileNodes) {
      if (!wanted.has(key)) {
        node.remove();
        tileNodes.delete(key);
      }
    }
    for (const [key, t] of wanted) {
      let node = tileNodes.get(key);
      if (!node) {
        const href = template.replaceAll("{z}", t.z).replaceAll("{x}", t.tx).replaceAll("{y}", t.ty);
        node = el("image", { href, preserveAspectRatio: "none", class: "qc-map-tile", "data-tile": key });
        // An unreachable tile server leaves the outlines alone, not broken images.
        node.addEventListener("error", () => node.setAttribute("visibility", "hidden"), { once: true });
        tileLayer.appendChild(node);
        tileNodes.set(key, node);
      }
      node.setAttribute("x", round(t.x));
      node.setAttribute("y", round(t.y));
      node.setAttribute("width", round(t.size));
      node.setAttribute("height", round(t.size));
    }
  }

  // The page's layout (and so the screen scale) can change without a pan or zoom.
  if (tileLayer && typeof ResizeObserver === "function") {
    let pending = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(drawTiles);
    }).observe(svg);
  }

  // --- pan and zoom --------------------------------------------------------------------------

  function applyView() {
    // Keep the drawing from leaving the frame entirely.
    const s = view.s;
    view.tx = Math.min(0, Math.max(W - W * s, view.tx));
    view.ty = Math.min(0, Math.max(H - H * s, view.ty));
    root.setAttribute("transform", `translate(${round(view.tx)} ${round(view.ty)}) scale(${round(s * 1000) / 1000})`);
    svg.classList.toggle("qc-map-zoomed", s > 1);
    for (const node of pinned) {
      if (node.isConnected) node.setAttribute("transform", pinTransform(node.qcAt));
      else pinned.delete(node);
    }
    drawTiles();
  }

  function resetView() {
    view = { s: 1, tx: 0, ty: 0 };
    applyView();
    return api;
  }

  /** Zooms by `factor` around the drawing's px point `at` (default: the centre). */
  function zoomBy(factor, at = [W / 2, H / 2]) {
    const s = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.s * factor));
    // The drawing point under `at` (in the svg's px) stays put.
    const px = (at[0] - view.tx) / view.s;
    const py = (at[1] - view.ty) / view.s;
    view = { s, tx: at[0] - px * s, ty: at[1] - py * s };
    applyView();
    return api;
  }

  /** The svg's own px (viewBox units, not the root's) of a mouse event. */
  function svgPoint(event) {
    const matrix = svg.getScreenCTM();
    if (!matrix) return [W / 2, H / 2];
    const pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const p = pt.matrixTransform(matrix.inverse());
    return [p.x, p.y];
  }

  let press = null; // {x, y, tx, ty, dragging, id}
  let suppressClick = false;

  if (zoom) {
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const factor = Math.exp(-Math.sign(event.deltaY) * Math.min(Math.abs(event.deltaY), 100) / 300);
      zoomBy(factor, svgPoint(event));
    }, { passive: false });
    svg.addEventListener("dblclick", (event) => {
      event.preventDefault();
      zoomBy(event.shiftKey ? 0.5 : 2, svgPoint(event));
    });
  }

  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    press = { x: event.clientX, y: event.clientY, tx: view.tx, ty: view.ty, dragging: false, id: event.pointerId };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!press || event.pointerId !== press.id || !zoom) return;
    const dx = event.clientX - press.x;
    const dy = event.clientY - press.y;
    if (!press.dragging && Math.hypot(dx, dy) < DRAG_PX) return;
    if (!press.dragging) {
      press.dragging = true;
      svg.setPointerCapture(event.pointerId);
      svg.classList.add("qc-map-dragging");
    }
    const matrix = svg.getScreenCTM();
    const scale = matrix ? matrix.a : 1;
    view.tx = press.tx + dx / scale;
    view.ty = press.ty + dy / scale;
    applyView();
  });
  const release = (event) => {
    if (!press || event.pointerId !== press.id) return;
    if (press.dragging) {
      suppressClick = true;
      svg.classList.remove("qc-map-dragging");
      if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
    }
    press = null;
  };
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  // Capture phase: a click after a drag reaches neither the map's handlers nor the drawn shapes'.
  svg.addEventListener("click", (event) => {
    if (suppressClick) {
      suppressClick = false;
      event.stopPropagation();
      event.preventDefault();
    }
  }, true);
  svg.addEventListener("click", (event) => {
    if (!clickHandlers.size) return;
    const p = eventPoint(event);
    if (!p) return;
    const [lng, lat] = unproject(p);
    for (const fn of clickHandlers) fn({ lat, lng }, event);
  });

  const api = {
    svg,
    width: W,
    height: H,
    fit,
    project,
    unproject,
    layer,
    clear,
    drawGeoJSON,
    drawPoints,
    place,
    onClick,
    zoomBy,
    resetView,
    /** The current zoom factor (1: fitted). */
    zoom: () => view.s,
    /** Whether a tile layer is drawn under the layers (the `tiles` option). */
    tiled: Boolean(tileLayer),
  };
  applyView();
  return api;
}
