// Plain data tables (the charts' text alternatives) and problem messages.

import { t } from "../common/i18n.js";
import { h } from "./dom.js";

/** A table of `rows`; columns: [{ label, text(row), num }]. */
export function table({ caption, columns, rows }) {
  return h(
    "table",
    { class: "data compact" },
    caption ? h("caption", { class: "visually-hidden", text: caption }) : null,
    h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null, text: c.label })))),
    h("tbody", null, rows.map((row) => h("tr", null, columns.map((c, i) => h(i === 0 ? "th" : "td", {
      scope: i === 0 ? "row" : null,
      class: c.num ? "num" : null,
      text: c.text(row),
    }))))),
  );
}

/** What went wrong, for people: the problem's detail, or a network message. */
export function problemText(error) {
  if (!error) return "";
  if (error.status === 0) return t("common.network_error");
  const detail = error.problem?.detail || error.message || "";
  return t("dash.load_failed", { detail: detail || String(error.status) });
}
