// A tiny element builder for the shared modules and the console: attributes only, never `style=` (CSP).
//   h("button", { class: "primary", "data-testid": "x", onclick: fn }, "text", child)

/** An element; `text` sets its text, `on*` functions become listeners, `true` is an empty attribute. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  return appendTo(el, children);
}

function appendTo(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return appendTo(el, children);
}
