// A refusal in words: known problem types in the current language, others with the server's detail;
// and the report form's field errors.

import { createFieldErrors } from "../common/field-errors.js";
import { t } from "../common/i18n.js";

const KNOWN = new Set([
  "no-arrest",
  "case-resolved",
  "case-not-found",
  "missing-text",
  "forbidden",
  "idempotency-key-reused",
  "command-id-reused",
  "rate-limited",
  "store-unavailable",
  "outcome-unknown",
  "contended",
]);

export function problemText(error) {
  if (!error || error.status === 0) return t("problem.network");
  if (error.status >= 500 && !KNOWN.has(error.slug)) return t("common.server_error", { status: error.status });
  if (KNOWN.has(error.slug)) return t(`problem.${error.slug}`);
  return t("problem.other", { detail: error.problem?.detail || error.message });
}

// The report form's field errors (common/field-errors.js), with the server's field messages
// (services/intake/src/validate.rs) in the current language.
export const { clearErrorOf, clearErrors, retranslateErrors, showErrors } = createFieldErrors([
  [/^`from` must not be after `to`/, () => t("field.occurred.order")],
  [/^give either `at`/, () => t("field.occurred.shape")],
  [/^lies in the future/, () => t("field.occurred.future")],
  [/^lat and lng are required/, () => t("field.location.required")],
  [/is outside every precinct/, () => t("field.location.outside")],
  [/^must be between -90 and 90/, () => t("field.lat.range")],
  [/^must be between -180 and 180/, () => t("field.lng.range")],
  [/^at most (\d+) characters/, (m) => t("field.too_long", { max: m[1] })],
  [/^at most (\d+) items/, (m) => t("field.too_many_items", { max: m[1] })],
  [/^must not be empty/, () => t("field.empty")],
  [/^is implausibly large/, () => t("field.value_large")],
  [/^digits, spaces/, () => t("field.phone")],
]);
