// The parts the record forms are made of (forms.js): a form in a <details> whose summary is the
// button, field helpers, validation that names the field, and lists of rows (add / remove).
// Labels carry data-i18n, so a language switch re-labels an open form without losing its input.

import { t, applyTranslations } from "../common/i18n.js";
import { h } from "../common/dom.js";

export function label(key) {
  return h("span", { class: "label-text", "data-i18n": key });
}

export function field(key, input) {
  return h("label", { class: "field" }, label(key), input);
}

export function textInput(name, attrs = {}) {
  return h("input", { type: "text", name, autocomplete: "off", ...attrs });
}

export function textArea(name, attrs = {}) {
  return h("textarea", { name, rows: 3, ...attrs });
}

/**
 * A form in a <details>: `name` is the testid stem (form-<name>, submit-<name>), `action` the
 * command, `titleKey` the summary's label, `body` the fields, `read(form)` the command's fields
 * (or throws FormProblem), `onOpen(form)` refreshes choices when it opens.
 */
export function actionForm({ name, action, titleKey, body, read, onOpen, ctx, danger = false }) {
  const message = h("p", { class: "form-message", role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "action-form-body", novalidate: true },
    body,
    message,
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", "data-testid": `submit-${name}`, "data-i18n": "form.send" }),
      h("button", { type: "button", class: "btn btn-secondary", "data-i18n": "form.cancel", onclick: () => close() }),
    ),
  );
  const details = h(
    "details",
    { class: `action-form action-form-${name}`, "data-testid": `form-${name}` },
    h("summary", { class: danger ? "btn btn-big btn-danger-outline" : "btn btn-big", "data-testid": `action-${name}`, "data-i18n": titleKey }),
    form,
  );
  function close() {
    details.open = false;
    message.textContent = "";
  }
  details.addEventListener("toggle", () => {
    if (details.open) {
      message.textContent = "";
      message.classList.remove("error");
      onOpen?.(form);
      applyTranslations(details);
      form.querySelector("input, textarea, select")?.focus({ preventScroll: true });
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let fields;
    try {
      fields = read(form);
    } catch (problem) {
      if (!(problem instanceof FormProblem)) throw problem;
      message.textContent = problem.message;
      message.classList.add("error");
      problem.input?.focus();
      return;
    }
    if (ctx.submit(action, fields)) {
      form.reset();
      resetRows(form);
      close();
    }
  });
  return details;
}

export class FormProblem extends Error {
  constructor(message, input) {
    super(message);
    this.input = input;
  }
}

export function required(form, name, labelKey) {
  const input = form.elements[name];
  const value = input.value.trim();
  if (!value) throw new FormProblem(t("form.required", { field: t(labelKey) }), input);
  return value;
}

export function optional(form, name) {
  return form.elements[name].value.trim();
}

/** Money typed in dollars ("80", "80.50") as cents; blank is 0. */
export function cents(form, name, labelKey) {
  const input = form.elements[name];
  const text = input.value.trim().replace(",", ".");
  if (!text) return 0;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new FormProblem(t("form.bad_number", { field: t(labelKey) }), input);
  }
  return Math.round(value * 100);
}

// Row lists (cameras, trajectory points, evidence items, other items): a <div class="rows">
// holding one .row per entry, and an "add" button. resetRows leaves one empty row.
export function rowList(kind, makeRow, addKey) {
  const rows = h("div", { class: "rows", "data-rows": kind });
  rows.makeRow = makeRow;
  const add = h("button", {
    type: "button",
    class: "btn btn-secondary btn-add",
    "data-testid": `add-${kind}`,
    "data-i18n": addKey,
    onclick: () => addRow(rows),
  });
  addRow(rows);
  return h("div", { class: "row-list" }, rows, add);
}

function addRow(rows) {
  const row = rows.makeRow();
  const remove = h("button", {
    type: "button",
    class: "btn btn-icon",
    "data-i18n-aria-label": "form.remove",
    "aria-label": t("form.remove"),
    text: "×",
    onclick: () => {
      row.remove();
      if (!rows.children.length) addRow(rows);
    },
  });
  row.append(remove);
  rows.append(row);
  applyTranslations(row);
  return row;
}

function resetRows(form) {
  for (const rows of form.querySelectorAll(".rows")) {
    rows.replaceChildren();
    addRow(rows);
  }
}

export function rowsOf(form, kind) {
  return [...form.querySelectorAll(`[data-rows="${kind}"] > .row`)];
}

