// Refusals in words. Field errors go next to their fields: a slot is an element with
// `data-error-for="<field>"` (the server's `errors[].field`: `occurred`, `description`,
// `items[2].description`, `reporter.phone`, ...); the inputs that point at it with
// `aria-describedby` (or the radios named in its `data-marks-group`) get `aria-invalid`. Each
// message is kept as a function, so a language switch re-words what is on display.

import { duration } from "../common/format.js";
import { t } from "../common/i18n.js";

const shown = new Set();

/** Hides every field error under `root`. */
export function clearErrors(root) {
  for (const slot of root.querySelectorAll("[data-error-for]")) hide(slot);
  for (const input of root.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute("aria-invalid");
  shown.clear();
}

/**
 * Shows `errors` — the server's `{field, message}`, or the page's own `{field, words}` /
 * `{row, key, words}` (an item row) — and returns those without a slot and the first marked input.
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
  return { leftOver, first: root.querySelector('[aria-invalid="true"]') };
}

/** Once a marked field is edited, its error goes: the resident is fixing it. */
export function clearErrorOf(input) {
  if (input?.getAttribute?.("aria-invalid") !== "true") return;
  for (const slot of [...shown]) {
    const marked = targets(slot);
    if (!marked.includes(input)) continue;
    for (const other of marked) other.removeAttribute("aria-invalid");
    hide(slot);
    shown.delete(slot);
  }
}

/** Whether any field error is on display. */
export function anyShown() {
  return shown.size > 0;
}

/** Re-words the errors on display (after a language switch). */
export function retranslateErrors() {
  for (const slot of shown) render(slot);
}

function hide(slot) {
  slot.hidden = true;
  slot.textContent = "";
  slot.words = [];
}

function render(slot) {
  slot.textContent = slot.words.map((words) => words()).join(" ");
  slot.hidden = false;
}

function slotFor(root, error, itemRows) {
  if (error.row) return error.row.querySelector(`[data-error-for="${error.key}"]`);
  const item = /^items\[(\d+)\]\.(\w+)$/.exec(error.field || "");
  if (item) return itemRows[Number(item[1])]?.querySelector(`[data-error-for="${item[2]}"]`) || null;
  return root.querySelector(`[data-error-for="${CSS.escape(error.field || "")}"]`);
}

function targets(slot) {
  const described = [...document.querySelectorAll(`[aria-describedby~="${slot.id}"]`)].filter(
    (el) => el.tagName !== "FIELDSET",
  );
  const group = slot.dataset.marksGroup ? [...document.getElementsByName(slot.dataset.marksGroup)] : [];
  return [...described, ...group].filter((el) => !el.closest("[hidden]"));
}

// The server's field messages (services/intake/src/validate.rs), in the current language.
const FIELD_MESSAGES = [
  [/^`from` must not be after `to`/, () => t("report.field.occurred_order")],
  [/^give either `at`/, () => t("report.field.occurred_shape")],
  [/^lies in the future/, () => t("report.field.occurred_future")],
  [/^at most (\d+) characters/, (m) => t("report.field.too_long", { max: m[1] })],
  [/^at most (\d+) items/, (m) => t("report.field.too_many_items", { max: m[1] })],
  [/^must not be empty/, () => t("report.field.empty")],
  [/^is implausibly large/, () => t("report.field.value_large")],
  [/^digits, spaces/, () => t("report.field.phone")],
];

export function fieldMessage(message) {
  for (const [pattern, words] of FIELD_MESSAGES) {
    const match = pattern.exec(message || "");
    if (match) return words(match);
  }
  return message || "";
}

/** "Try again in 30 s" (or "in a moment" without a Retry-After), with the page's two keys. */
export function waitWords(error, key) {
  return error.retryAfter ? t(key, { wait: duration(error.retryAfter) }) : t(`${key}_soon`);
}

/** Why a report was not filed, for the form's message (field errors aside). */
export function refusalText(error) {
  if (!error || error.status === 0) return t("report.network");
  if (error.status === 429) return waitWords(error, "report.rate_limited");
  if (error.slug === "unknown-doorplate") return t("report.gone_plate");
  if (error.slug === "idempotency-key-reused") return t("report.key_reused");
  if (error.status >= 500 || error.status === 408) return t("report.server_error", { status: error.status });
  const detail = error.problem?.detail || error.message;
  if (error.slug === "invalid-json" || error.slug === "malformed-json") return t("report.unreadable", { detail });
  return t("report.refused", { detail });
}
