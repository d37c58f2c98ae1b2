// The resident's report form: what happened, when, what they saw, what was taken, and (if they
// like) their name and phone. One Idempotency-Key per form fill, and "just now" sends no time (the
// server stamps it by its own clock), so a double tap or a send again after a lost answer is the
// same request: the server names the same case and files nothing twice. The key is renewed only
// for a new report.

import { api, uuid } from "../common/api.js";
import { h, fill } from "../common/dom.js";
import { localInputValue } from "../common/format.js";
import { t } from "../common/i18n.js";
import { createItems } from "../common/items.js";
import { OFFENCES } from "../common/strings.js";
import { anyShown, clearErrorOf, clearErrors, refusalText, retranslateErrors, showErrors } from "./errors.js";

/** Phones' clocks drift; the server allows five minutes (services/intake/src/validate.rs). */
const FUTURE_SKEW_MS = 5 * 60_000;

export function createReportForm({ plate, onFiled }) {
  const $ = (id) => document.getElementById(id);
  const form = $("report-form");
  const at = $("occurred-at");
  const submit = $("report-submit");
  const formError = $("report-error");
  const items = createItems({
    container: $("items"),
    add: $("add-item"),
    total: $("items-total"),
    keys: "report",
    placeholder: true,
  });
  let formErrorWords = null;
  /** Whether the form's message only points at field errors (it goes with the last of them). */
  let formErrorIsFields = false;
  let idempotencyKey = uuid();
  let sending = false;
  let waitTimer = null;

  fill(
    $("offences"),
    OFFENCES.map((code) =>
      h(
        "label",
        { class: "choice" },
        h("input", {
          type: "radio",
          name: "offence",
          value: code,
          "data-testid": `report-offence-${code}`,
          "aria-describedby": "offence-error",
        }),
        " ",
        h("span", { "data-i18n": `offence.${code}`, text: t(`offence.${code}`) }),
      ),
    ),
  );

  const earlier = () => form.elements.when.value === "at";

  function showWhen() {
    form.querySelector(".when-at").hidden = !earlier();
    at.max = localInputValue(new Date());
    if (earlier() && !at.value) at.value = localInputValue(new Date());
  }

  function showFormError(words, { fields = false } = {}) {
    formErrorWords = words;
    formErrorIsFields = Boolean(words) && fields;
    formError.hidden = !words;
    formError.textContent = words ? words() : "";
  }

  function setSending(on) {
    sending = on;
    submit.disabled = on;
    submit.dataset.i18n = on ? "report.sending" : "report.submit";
    submit.textContent = t(submit.dataset.i18n);
  }

  /** The request, or the page's own objections to it. */
  function read() {
    const { items: itemList, rows, problems } = items.read();
    const errors = [...problems];
    const offence = form.elements.offence.value;
    if (!offence) errors.push({ field: "offence", words: () => t("report.need_offence") });
    let occurred = null;
    if (earlier()) {
      const when = at.value ? new Date(at.value) : null;
      if (!when || Number.isNaN(when.getTime())) errors.push({ field: "occurred", words: () => t("report.need_time") });
      else if (when.getTime() > Date.now() + FUTURE_SKEW_MS) errors.push({ field: "occurred", words: () => t("report.time_future") });
      else occurred = { at: when.toISOString() };
    }
    // "Just now" sends no time: the server stamps it by its own clock (a phone's may be off),
    // and a second send of this form fill is the very same request.
    const name = $("reporter-name").value.trim();
    const phone = $("reporter-phone").value.trim();
    const body = {
      ...(occurred && { occurred }),
      offence,
      description: $("description").value.trim(),
      items: itemList,
      reporter: name || phone ? { name: name || null, phone: phone || null } : null,
    };
    return { body, rows, errors };
  }

  function refused(errors, rows) {
    const { leftOver, first } = showErrors(form, errors, rows);
    const extra = leftOver.map((e) => (e.words ? e.words() : e.message)).join(" ");
    showFormError(() => (extra ? `${t("report.fix_fields")} ${extra}` : t("report.fix_fields")), {
      fields: !leftOver.length,
    });
    (first || formError).focus();
  }

  async function send(event) {
    event?.preventDefault();
    if (sending || waitTimer) return;
    clearErrors(form);
    showFormError(null);
    const { body, rows, errors } = read();
    if (errors.length) {
      refused(errors, rows);
      return;
    }
    setSending(true);
    try {
      const accepted = await api("POST", `/api/v1/doorplates/${encodeURIComponent(plate)}/reports`, body, {
        idempotencyKey,
        redirectOn401: false,
      });
      onFiled(accepted);
    } catch (error) {
      if (error.slug === "invalid-request" && error.problem.errors?.length) {
        refused(error.problem.errors, rows);
      } else {
        showFormError(() => refusalText(error));
        formError.focus();
        formError.scrollIntoView({ block: "center" });
        if (error.status === 429 && error.retryAfter) holdFor(error.retryAfter);
      }
    } finally {
      setSending(false);
      if (waitTimer) submit.disabled = true;
    }
  }

  /** After a 429, the button waits out the Retry-After (the message says how long). */
  function holdFor(seconds) {
    clearTimeout(waitTimer);
    waitTimer = setTimeout(() => {
      waitTimer = null;
      submit.disabled = sending;
    }, seconds * 1000);
  }

  function reset() {
    clearTimeout(waitTimer);
    waitTimer = null;
    setSending(false);
    form.reset();
    clearErrors(form);
    showFormError(null);
    items.reset();
    idempotencyKey = uuid();
    showWhen();
  }

  /** An edited field's error goes; with the last of them, the form's message that points at them. */
  function edited(input) {
    clearErrorOf(input);
    if (formErrorIsFields && !anyShown()) showFormError(null);
  }

  form.addEventListener("submit", send);
  form.addEventListener("input", (event) => edited(event.target));
  form.addEventListener("change", (event) => {
    edited(event.target);
    if (event.target.name === "when") showWhen();
  });
  window.addEventListener("qc:language", () => {
    retranslateErrors();
    if (formErrorWords) showFormError(formErrorWords, { fields: formErrorIsFields });
  });

  items.reset();
  showWhen();
  return { reset, show: () => (form.hidden = false), hide: () => (form.hidden = true) };
}
