// The case just filed, above the form: its precinct and its three tasks as they go out, live.

import { h, fill } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { taskChips, tickChip } from "./chips.js";
import { offenceName, shortId } from "./labels.js";

export function createFiledCard(card, { board, unitName, now, onOpen }) {
  let accepted = null;
  let offence = "";

  function render() {
    if (!accepted) return;
    const entry = board.get(accepted.case_id);
    card.hidden = false;
    fill(
      card,
      h(
        "div",
        { class: "filed-head" },
        h("strong", { text: t("intake.filed") }),
        h("span", {
          class: "muted",
          text: t("intake.filed_detail", {
            offence: offenceName(offence),
            precinct: accepted.precinct,
            id: shortId(accepted.case_id),
          }),
        }),
        h("span", { class: "spacer" }),
        h("button", {
          type: "button",
          class: "button small",
          "data-testid": "filed-open",
          text: t("intake.open_case"),
          onclick: () => onOpen(accepted.case_id, false),
        }),
      ),
      h(
        "div",
        { class: "case-tasks", "data-testid": "filed-tasks" },
        entry?.tasks?.length
          ? taskChips(entry, unitName, now())
          : h("span", { class: "muted", text: t("intake.awaiting_dispatch") }),
      ),
    );
  }

  board.subscribe((entry) => {
    if (accepted && entry.case_id === accepted.case_id) render();
  });
  window.addEventListener("qc:language", render);

  return {
    /** Shows `accepted` (`{case_id, precinct}`) for the report of `offenceCode`. */
    show(acceptedCase, offenceCode) {
      accepted = acceptedCase;
      offence = offenceCode;
      card.dataset.caseId = accepted.case_id;
      render();
    },
    tick() {
      const at = now();
      for (const chip of card.querySelectorAll(".chip")) if (chip.task) tickChip(chip, at);
    },
  };
}
