// Stolen-item rows (the console's report form and the residents' report page): a description and a
// value in dollars per row, added and removed at will, with a running total.

import { h } from "./dom.js";
import { money } from "./format.js";
import { t } from "./i18n.js";

/** "25", "25.5", "$1,200.00" -> cents; "" -> 0; anything else -> null. */
function parseCents(text) {
  const cleaned = String(text).replace(/[\s,$]/g, "");
  if (cleaned === "") return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return Math.round(Number.parseFloat(cleaned) * 100);
}

/**
 * The rows go in `container`; `add` is the "add an item" button; `total` shows the sum. The strings
 * are `<keys>.item`, `.value`, `.remove_item`, `.items_total`, `.bad_value` (and
 * `.item_placeholder` for the description with `placeholder`). `compact` rows (the console's, under
 * a column head) have labels for screen readers only and a small remove button.
 */
export function createItems({ container, add, total, keys, compact = false, placeholder = false }) {
  let serial = 0;

  function addRow() {
    serial += 1;
    const id = `item-${serial}`;
    const description = h("input", {
      id: `${id}-description`,
      autocomplete: "off",
      maxlength: 300,
      "data-testid": "item-description",
      "data-i18n-placeholder": placeholder && `${keys}.item_placeholder`,
      placeholder: placeholder && t(`${keys}.item_placeholder`),
      "aria-describedby": `${id}-description-error`,
    });
    const value = h("input", {
      id: `${id}-value`,
      inputmode: "decimal",
      autocomplete: "off",
      class: "num",
      "data-testid": "item-value",
      "aria-describedby": `${id}-value-error`,
    });
    const label = (input, key) =>
      h("label", { for: input.id, class: compact && "visually-hidden", "data-i18n": key, text: t(key) });
    const row = h(
      "div",
      { class: "item-row", "data-testid": "item-row" },
      h(
        "div",
        { class: "field item-description" },
        label(description, `${keys}.item`),
        description,
        h("p", { class: "field-error", id: `${id}-description-error`, "data-error-for": "description", hidden: true }),
      ),
      h(
        "div",
        { class: "field item-value" },
        label(value, `${keys}.value`),
        value,
        h("p", { class: "field-error", id: `${id}-value-error`, "data-error-for": "value_cents", hidden: true }),
      ),
      h("button", {
        type: "button",
        class: compact ? "button small quiet item-remove" : "button quiet item-remove",
        "data-testid": "item-remove",
        text: "×",
        onclick: () => remove(row),
      }),
    );
    value.addEventListener("input", updateTotal);
    container.append(row);
    relabel();
    return description;
  }

  function remove(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (!container.children.length) addRow();
    relabel();
    updateTotal();
    (next || container.firstElementChild)?.querySelector("input")?.focus();
  }

  /** The remove buttons name their row's number (the labels follow the language by `data-i18n`). */
  function relabel() {
    [...container.children].forEach((row, index) => {
      row.querySelector(".item-remove").setAttribute("aria-label", t(`${keys}.remove_item`, { n: index + 1 }));
    });
  }

  function updateTotal() {
    const cents = [...container.querySelectorAll('[data-testid="item-value"]')]
      .map((input) => parseCents(input.value))
      .reduce((sum, v) => sum + (v || 0), 0);
    total.textContent = cents ? t(`${keys}.items_total`, { total: money(cents) }) : "";
  }

  /**
   * The items to send, the row of each (the server's `items[i]` errors go there), and the page's own
   * errors for values that are not amounts. Blank rows are not sent.
   */
  function read() {
    const items = [];
    const rows = [];
    const problems = [];
    for (const row of container.children) {
      const [description, value] = row.querySelectorAll("input");
      if (!description.value.trim() && !value.value.trim()) continue;
      const cents = parseCents(value.value);
      if (cents === null) problems.push({ row, key: "value_cents", words: () => t(`${keys}.bad_value`) });
      items.push({ description: description.value.trim(), value_cents: cents ?? 0 });
      rows.push(row);
    }
    return { items, rows, problems };
  }

  add.addEventListener("click", () => addRow().focus());
  window.addEventListener("qc:language", () => {
    relabel();
    updateTotal();
  });

  return {
    read,
    reset() {
      container.replaceChildren();
      addRow();
      updateTotal();
    },
  };
}
