// Resolving a case: cleared by arrest, cleared by exceptional means (with the reason) or closed
// administratively (with the reason). One command id per form, so a retry is applied once.

import { api, uuid } from "../common/api.js";
import { h } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { problemText } from "./problems.js";

const CHOICES = [
  ["cleared_by_arrest", "resolve.arrest", "resolve.arrest_hint"],
  ["cleared_exceptionally", "resolve.exceptional", "resolve.exceptional_hint"],
  ["closed_administratively", "resolve.administrative", "resolve.administrative_hint"],
];
const QUICK_REASONS = ["resolve.reason_duplicate", "resolve.reason_unfounded", "resolve.reason_withdrawn"];

/**
 * The form for case `caseId`; `onResolved(status)` after the server accepted it. The arrest
 * choice's hint (`[data-arrest-hint]`) is the caller's to keep current.
 */
export function resolveForm(caseId, { onResolved }) {
  const commandId = uuid();
  const error = h("p", {
    class: "form-error",
    role: "alert",
    hidden: true,
    tabindex: -1,
    "data-testid": "resolve-error",
  });
  const reason = h("textarea", { id: `reason-${caseId}`, rows: 2, maxlength: 4000, "data-testid": "resolve-reason" });
  const reasonField = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: reason.id, "data-i18n": "resolve.reason" }),
    reason,
    h(
      "div",
      { class: "quick-reasons", "data-admin-only": true },
      QUICK_REASONS.map((key) =>
        h("button", {
          type: "button",
          class: "button small",
          "data-i18n": key,
          onclick: () => {
            reason.value = t(key);
            reason.focus();
          },
        }),
      ),
    ),
  );
  const submit = h("button", {
    type: "submit",
    class: "button primary",
    "data-testid": "resolve-submit",
    "data-i18n": "resolve.submit",
  });
  const radios = CHOICES.map(([value, label, hint]) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: "resolution", value, "data-testid": `resolve-${value}` }),
      h(
        "span",
        {},
        h("strong", { "data-i18n": label }),
        h("span", { class: "muted small", "data-i18n": hint, "data-arrest-hint": value === "cleared_by_arrest" }),
      ),
    ),
  );
  const form = h(
    "form",
    { class: "resolve-form", novalidate: true, "data-testid": "resolve-form" },
    h("h3", { "data-i18n": "resolve.title" }),
    h("p", { class: "muted small", "data-i18n": "resolve.lede" }),
    h(
      "fieldset",
      { class: "choices" },
      h("legend", { class: "visually-hidden", "data-i18n": "resolve.title" }),
      radios,
    ),
    reasonField,
    error,
    h("div", { class: "form-actions" }, submit),
  );

  const choice = () => form.elements.resolution.value;
  const fail = (words) => {
    error.hidden = false;
    error.textContent = words;
    error.focus();
  };

  form.addEventListener("change", () => {
    reasonField.hidden = !choice() || choice() === "cleared_by_arrest";
    form.querySelector("[data-admin-only]").hidden = choice() !== "closed_administratively";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!choice()) return fail(t("resolve.need_choice"));
    const needsReason = choice() !== "cleared_by_arrest";
    if (needsReason && !reason.value.trim()) {
      reason.setAttribute("aria-invalid", "true");
      return fail(t("resolve.need_reason"));
    }
    reason.removeAttribute("aria-invalid");
    const body = { command_id: commandId, resolution: choice() };
    if (needsReason) body.reason = reason.value.trim();
    submit.disabled = true;
    submit.textContent = t("resolve.submitting");
    try {
      const answer = await api("POST", `/api/v1/cases/${encodeURIComponent(caseId)}/resolution`, body);
      onResolved(answer.status);
    } catch (refusal) {
      fail(problemText(refusal));
    } finally {
      submit.disabled = false;
      submit.textContent = t("resolve.submit");
    }
  });
  return form;
}
