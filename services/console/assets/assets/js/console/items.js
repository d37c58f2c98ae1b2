// The stolen items: rows of description and value, added and removed at will.

import { h } from "../common/dom.js";
import { money } from "../common/format.js";
import { t } from "../common/i18n.js";

/** "25", "25.5", "$1,200.00" -> cents; "" -> 0; anything else -> null. */
export function parseCents(text) {
  const cleaned = String(text).replace(/[\s,$]/g, "");
  if (cleaned === "") return 0;
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return Math.round(Number.parseFloat(cleaned) * 100);
}

export function createItems({ container, add, total }) {
  let serial = 0;

  function addRow() {
    serial += 1;
    const description = h("input", {
      id: `item-description-${serial}`,
      autocomplete: "off",
      maxlength: 300,
      "data-testid": "item-description",
      "aria-describedby": `item-description-${serial}-error`,
    });
    const value = h("input", {
      id: `item-value-${serial}`,
      inputmode: "decimal",
      autocomplete: "off",
      class: "num",
      "data-testid": "item-value",
      "aria-describedby": `item-value-${serial}-error`,
    });
    const row = h(
      "div",
      { class: "item-row", "data-testid": "item-row" },
      h(
        "div",
        { class: "field" },
        h("label", { for: description.id, class: "item-label visually-hidden", text: t("intake.item") }),
        description,
        h("p", {
          class: "field-error",
          id: `item-description-${serial}-error`,
          "data-error-for": "description",
          hidden: true,
        }),
      ),
      h(
        "div",
        { class: "field item-value" },
        h("label", { for: value.id, class: "item-label visually-hidden", text: t("intake.value") }),
        value,
        h("p", {
          class: "field-error",
          id: `item-value-${serial}-error`,
          "data-error-for": "value_cents",
          hidden: true,
        }),
      ),
      h("button", {
        type: "button",
        class: "button small quiet item-remove",
        "data-testid": "item-remove",
        "aria-label": t("intake.remove_item", { n: container.children.length + 1 }),
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

  function relabel() {
    [...container.children].forEach((row, index) => {
      row.querySelector(".item-remove").setAttribute("aria-label", t("intake.remove_item", { n: index + 1 }));
      row.querySelectorAll(".item-label").forEach((label, i) => {
        label.textContent = i === 0 ? t("intake.item") : t("intake.value");
      });
    });
  }

  function updateTotal() {
    const cents = [...container.querySelectorAll('[data-testid="item-value"]')]
      .map((input) => parseCents(input.value))
      .reduce((sum, v) => sum + (v || 0), 0);
    total.textContent = cents ? t("intake.items_total", { total: money(cents) }) : "";
  }

  /**
   * The items to send, the row of each (for the server's `items[i]` errors), and local errors for
   * values that are not amounts. Rows left blank are not sent.
   */
  function read() {
    const items = [];
    const rows = [];
    const problems = [];
    for (const row of container.children) {
      const [description, value] = row.querySelectorAll("input");
      if (!description.value.trim() && !value.value.trim()) continue;
      const cents = parseCents(value.value);
      if (cents === null) problems.push({ row, key: "value_cents", words: () => t("intake.bad_value") });
      items.push({ description: description.value, value_cents: cents ?? 0 });
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
