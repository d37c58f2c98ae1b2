// Field errors next to their fields: the server's problem+json `errors` (`{field, message}`, e.g.
// `location.lat`, `items[2].description`) and the form's own checks. A slot is an element with
// `data-error-for="<field>"`; the inputs it describes (`aria-describedby`, or the ids in its
// `data-marks`) get `aria-invalid`.

import { fieldMessage } from "./problems.js";

const shown = new Set();

export function clearErrors(root) {
  for (const slot of root.querySelectorAll("[data-error-for]")) {
    slot.hidden = true;
    slot.textContent = "";
    slot.words = [];
  }
  for (const input of root.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute("aria-invalid");
  shown.clear();
}

/**
 * Shows `errors` (each `{field, message}` from the server, or `{row, key, words}` for an item row,
 * `words` being a function giving the text) and returns what is left over (no slot for it) and
 * the first input to focus.
 */
export function showErrors(root, errors, itemRows = []) {
  const leftOver = [];
  for (const error of errors) {
    const slot = slotFor(root, error, itemRows);
    if (!slot) {
      leftOver.push(error);
      continue;
    }
    const words = error.words || (() => fieldMessage(error.message));
    slot.words = [...(slot.words || []), words];
    render(slot);
    shown.add(slot);
    for (const input of targets(slot)) input.setAttribute("aria-invalid", "true");
  }
  const first = root.querySelector('[aria-invalid="true"]');
  return { leftOver, first };
}

/** Once a marked field is edited, its error goes: the user is fixing it. */
export function clearErrorOf(input) {
  if (input.getAttribute("aria-invalid") !== "true") return;
  for (const slot of shown) {
    if (!targets(slot).includes(input)) continue;
    for (const other of targets(slot)) other.removeAttribute("aria-invalid");
    slot.hidden = true;
    slot.words = [];
    shown.delete(slot);
  }
}

/** Re-words the errors on display, after a language change. */
export function retranslateErrors() {
  for (const slot of shown) render(slot);
}

function render(slot) {
  slot.textContent = slot.words.map((words) => words()).join(" ");
  slot.hidden = false;
}

function slotFor(root, error, itemRows) {
  if (error.row) return error.row.querySelector(`[data-error-for="${error.key}"]`);
  const item = /^items\[(\d+)\]\.(\w+)$/.exec(error.field);
  if (item) return itemRows[Number(item[1])]?.querySelector(`[data-error-for="${item[2]}"]`) || null;
  return root.querySelector(`[data-error-for="${CSS.escape(error.field)}"]`);
}

function targets(slot) {
  const marked = (slot.dataset.marks || "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id));
  const described = [...document.querySelectorAll(`[aria-describedby~="${slot.id}"]`)].filter(
    (el) => el.tagName !== "FIELDSET",
  );
  return [...marked, ...described].filter((el) => el && !el.closest("[hidden]"));
}
