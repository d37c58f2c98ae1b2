// Hand-written SVG charts. Each returns an <svg> with role="img", an aria-label summarising it, and
// hover titles; the caller puts a data table next to it (the charts' text alternative).
// Colours come from dashboard.css classes.

import { s, title, r1 } from "./dom.js";

/** `n` nice ticks from 0 to at least `max`. */
export function niceTicks(max, n = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) || 10 * mag;
  const ticks = [];
  for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

/**
 * Columns (one per item) with an optional line and a dashed target, y from 0 to 1, and under them
 * an optional strip of grey volume bars (`volume`, a count per item).
 * items: [{ label, tick (short x label), value (0..1 or null), line (0..1 or null), volume, cls, title }].
 */
export function shareColumns({ items, target, width = 760, height = 220, ariaLabel, percent, targetLabel, count = String }) {
  const volH = items.some((i) => Number.isFinite(i.volume)) ? 34 : 0;
  const m = { l: 40, r: 10, t: 12, b: 22 };
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b - (volH ? volH + 12 : 0);
  const volTop = m.t + ih + 12;
  const volMax = Math.max(1, ...items.map((i) => i.volume || 0));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": ariaLabel });
  const y = (v) => m.t + ih - v * ih;
  const grid = s("g", { class: "grid" });
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(
      s("line", { x1: m.l, x2: width - m.r, y1: r1(y(v)), y2: r1(y(v)) }),
      s("text", { x: m.l - 6, y: r1(y(v)) + 3, class: "tick-y", text: percent(v, 0) }),
    );
  }
  svg.append(grid);
  const n = Math.max(items.length, 1);
  const step = iw / n;
  const bw = Math.max(2, Math.min(28, step * 0.7));
  const labelEvery = Math.max(1, Math.ceil(34 / step));
  const cols = s("g", { class: "cols" });
  items.forEach((it, i) => {
    const cx = m.l + step * (i + 0.5);
    const g = s("g", { class: `col ${it.cls || ""}` });
    if (it.value === null || it.value === undefined) {
      g.append(s("rect", { x: r1(cx - bw / 2), y: m.t, width: r1(bw), height: ih, class: "pending" }));
    } else {
      const top = y(it.value);
      g.append(s("rect", { x: r1(cx - bw / 2), y: r1(top), width: r1(bw), height: r1(m.t + ih - top), class: "bar" }));
    }
    if (volH && it.volume > 0) {
      const vh = Math.max(0.5, (it.volume / volMax) * volH);
      g.append(s("rect", { x: r1(cx - bw / 2), y: r1(volTop + volH - vh), width: r1(bw), height: r1(vh), class: "volume" }));
    }
    // A transparent full-height target keeps thin or empty columns easy to hover.
    g.append(s("rect", { x: r1(cx - step / 2), y: m.t, width: r1(step), height: volH ? volTop + volH - m.t : ih, class: "hit" }, title(it.title)));
    cols.append(g);
    if (i % labelEvery === 0) {
      svg.append(s("text", { x: r1(cx), y: height - 8, class: "tick-x", text: it.tick }));
    }
  });
  svg.append(cols);
  const linePts = items
    .map((it, i) => (it.line === null || it.line === undefined ? null : [m.l + step * (i + 0.5), y(it.line)]));
  let d = "";
  let pen = false;
  for (const p of linePts) {
    if (!p) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${r1(p[0])} ${r1(p[1])}`;
    pen = true;
  }
  if (d) {
    const line = s("g", { class: "line-72" }, s("path", { d }));
    for (const p of linePts) if (p) line.append(s("circle", { cx: r1(p[0]), cy: r1(p[1]), r: 2.5 }));
    svg.append(line);
  }
  if (Number.isFinite(target)) {
    svg.append(
      s("line", { x1: m.l, x2: width - m.r, y1: r1(y(target)), y2: r1(y(target)), class: "target" }),
      s("text", { x: width - m.r, y: r1(y(target)) - 4, class: "target-label", text: targetLabel }),
    );
  }
  svg.append(s("line", { x1: m.l, x2: width - m.r, y1: m.t + ih, y2: m.t + ih, class: "axis" }));
  if (volH) {
    svg.append(
      s("line", { x1: m.l, x2: width - m.r, y1: volTop + volH, y2: volTop + volH, class: "axis" }),
      s("text", { x: m.l - 6, y: volTop + 8, class: "tick-y", text: count(volMax) }),
    );
  }
  return svg;
}

/**
 * Horizontal bars of shares, one row per item, with a tick for a second share and a target line.
 * items: [{ id, label, value (0..1|null), mark (0..1|null), cls, title }]; onPick(id) on click/Enter.
 */
export function shareRows({ items, target, width = 460, row = 16, ariaLabel, percent, targetLabel, onPick }) {
  const m = { l: 46, r: 44, t: 16, b: 6 };
  const height = m.t + m.b + row * Math.max(items.length, 1);
  const iw = width - m.l - m.r;
  const x = (v) => m.l + v * iw;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart rows", role: "img", "aria-label": ariaLabel });
  const grid = s("g", { class: "grid" });
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(
      s("line", { x1: r1(x(v)), x2: r1(x(v)), y1: m.t, y2: height - m.b }),
      s("text", { x: r1(x(v)), y: m.t - 5, class: "tick-x", text: percent(v, 0) }),
    );
  }
  svg.append(grid);
  items.forEach((it, i) => {
    const top = m.t + i * row;
    const g = s("g", { class: `row ${it.cls || ""}`, "data-id": it.id });
    g.append(s("text", { x: m.l - 6, y: top + row * 0.7, class: "row-label", text: it.label }));
    if (it.value !== null && it.value !== undefined) {
      g.append(s("rect", { x: m.l, y: top + 2, width: r1(Math.max(0.5, it.value * iw)), height: row - 4, class: "bar" }));
      g.append(s("text", { x: width - 4, y: top + row * 0.7, class: "row-value", text: percent(it.value, 0) }));
    } else {
      g.append(s("text", { x: width - 4, y: top + row * 0.7, class: "row-value muted", text: "—" }));
    }
    if (it.mark !== null && it.mark !== undefined) {
      g.append(s("line", { x1: r1(x(it.mark)), x2: r1(x(it.mark)), y1: top + 1, y2: top + row - 1, class: "mark-72" }));
    }
    g.append(s("rect", { x: 0, y: top, width, height: row, class: "hit" }, title(it.title)));
    if (onPick) g.addEventListener("click", () => onPick(it.id));
    svg.append(g);
  });
  if (Number.isFinite(target)) {
    svg.append(
      s("line", { x1: r1(x(target)), x2: r1(x(target)), y1: m.t - 2, y2: height - m.b, class: "target" }),
    );
    svg.append(s("text", { x: r1(x(target)) + 3, y: height - m.b - 2, class: "target-label start", text: targetLabel }));
  }
  return svg;
}

/**
 * A histogram of `buckets` ([{ label, count, title, cls }]) with ticks under every bar.
 */
export function histogram({ buckets, width = 300, height = 140, ariaLabel }) {
  const m = { l: 30, r: 4, t: 8, b: 20 };
  const iw = width - m.l - m.r;
  const ih = height - m.t - m.b;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const ticks = niceTicks(max, 3);
  const top = ticks[ticks.length - 1];
  const y = (v) => m.t + ih - (v / top) * ih;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart hist", role: "img", "aria-label": ariaLabel });
  const grid = s("g", { class: "grid" });
  for (const v of ticks) {
    grid.append(
      s("line", { x1: m.l, x2: width - m.r, y1: r1(y(v)), y2: r1(y(v)) }),
      s("text", { x: m.l - 4, y: r1(y(v)) + 3, class: "tick-y", text: compact(v) }),
    );
  }
  svg.append(grid);
  const step = iw / Math.max(buckets.length, 1);
  buckets.forEach((b, i) => {
    const x = m.l + i * step;
    const g = s("g", { class: `col ${b.cls || ""}` });
    if (b.count > 0) {
      g.append(s("rect", { x: r1(x + 1), y: r1(y(b.count)), width: r1(step - 2), height: r1(m.t + ih - y(b.count)), class: "bar" }));
    }
    g.append(s("rect", { x: r1(x), y: m.t, width: r1(step), height: ih, class: "hit" }, title(b.title)));
    svg.append(g);
    svg.append(s("text", { x: r1(x + step / 2), y: height - 7, class: "tick-x small", text: b.label }));
  });
  svg.append(s("line", { x1: m.l, x2: width - m.r, y1: m.t + ih, y2: m.t + ih, class: "axis" }));
  return svg;
}

/** 1200 -> 1.2k, for axis ticks. */
function compact(v) {
  if (v >= 1e6) return `${r1(v / 1e6)}M`;
  if (v >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (v >= 1e3) return `${r1(v / 1e3)}k`;
  return String(v);
}

/**
 * Horizontal bars of amounts: items [{ label, value, text, cls, title }], scaled to the largest
 * (or to `max`).
 */
export function amountRows({ items, width = 320, row = 22, max, ariaLabel }) {
  const m = { l: 92, r: 104, t: 4, b: 4 };
  const height = m.t + m.b + row * items.length;
  const iw = width - m.l - m.r;
  const top = max || Math.max(1, ...items.map((i) => i.value));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart rows amounts", role: "img", "aria-label": ariaLabel });
  items.forEach((it, i) => {
    const y = m.t + i * row;
    const g = s("g", { class: `row ${it.cls || ""}` });
    g.append(
      s("text", { x: m.l - 6, y: y + row * 0.66, class: "row-label", text: it.label }),
      s("rect", { x: m.l, y: y + 4, width: r1(Math.max(it.value > 0 ? 1 : 0, (it.value / top) * iw)), height: row - 8, class: "bar" }),
      s("text", { x: width - 2, y: y + row * 0.66, class: "row-value", text: it.text }),
      s("rect", { x: 0, y, width, height: row, class: "hit" }, title(it.title || `${it.label}: ${it.text}`)),
    );
    svg.append(g);
  });
  return svg;
}
