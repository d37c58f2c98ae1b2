// Short messages at the bottom of the screen: new tasks, refusals, "saved — queued".

import { h } from "../common/dom.js";

export function toast(text, { kind = "info", ms = 7000 } = {}) {
  const root = document.getElementById("toasts");
  if (!root) return;
  const close = () => item.remove();
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": `toast-${kind}` },
    h("span", { class: "toast-text" }, text),
    h("button", { type: "button", class: "btn btn-icon", "aria-label": "×", text: "×", onclick: close }),
  );
  for (const other of root.children) {
    if (other.querySelector(".toast-text")?.textContent === text) other.remove();
  }
  root.append(item);
  while (root.children.length > 2) root.firstElementChild.remove();
  setTimeout(close, kind === "error" ? ms * 2 : ms);
}
