// SVG builders for the dashboard's charts (HTML ones come from common/dom.js). Attributes only,
// never `style=` (CSP).

export { h, fill } from "../common/dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function setAll(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  return node;
}

/** An SVG element, as `h`. */
export function s(tag, attrs, ...children) {
  const node = setAll(document.createElementNS(SVG_NS, tag), attrs);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** An SVG `<title>` (the hover text of its parent). */
export function title(text) {
  return s("title", { text });
}

/** A number rounded for an SVG attribute. */
export const r1 = (v) => Math.round(v * 10) / 10;

