// Refusals in words: why a report was not filed, how long to wait, and the form's field errors
// next to their fields (common/field-errors.js: a slot is an element with `data-error-for="<field>"`,
// the server's `errors[].field`, e.g. `occurred`, `items[2].description`, `reporter.phone`).

import { createFieldErrors } from "../common/field-errors.js";
import { duration } from "../common/format.js";
import { t } from "../common/i18n.js";

// The form's field errors (common/field-errors.js), with the server's field messages
// (services/intake/src/validate.rs) in the current language.
export const { anyShown, clearErrorOf, clearErrors, retranslateErrors, showErrors } = createFieldErrors([
  [/^`from` must not be after `to`/, () => t("report.field.occurred_order")],
  [/^give either `at`/, () => t("report.field.occurred_shape")],
  [/^lies in the future/, () => t("report.field.occurred_future")],
  [/^at most (\d+) characters/, (m) => t("report.field.too_long", { max: m[1] })],
  [/^at most (\d+) items/, (m) => t("report.field.too_many_items", { max: m[1] })],
  [/^must not be empty/, () => t("report.field.empty")],
  [/^is implausibly large/, () => t("report.field.value_large")],
  [/^digits, spaces/, () => t("report.field.phone")],
]);

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
  if (error.slug === "outcome-unknown") return t("report.outcome_unknown");
  if (error.status >= 500 || error.status === 408) return t("report.server_error", { status: error.status });
  const detail = error.problem?.detail || error.message;
  if (error.slug === "invalid-json" || error.slug === "malformed-json") return t("report.unreadable", { detail });
  return t("report.refused", { detail });
}
