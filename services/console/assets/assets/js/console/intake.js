// The report form: built for speed from the keyboard (Enter moves on, Ctrl+Enter files), with
// sensible defaults (channel dispatcher, time now). One Idempotency-Key per form fill, so a double
// click or a retry after a lost answer can never open two cases.

import { api, uuid } from "../common/api.js";
import { h, fill } from "../common/dom.js";
import { localInputValue } from "../common/format.js";
import { t } from "../common/i18n.js";
import { serverDate } from "./clock.js";
import { createItems } from "../common/items.js";
import { OFFENCES } from "../common/strings.js";
import { CHANNELS, channelName, offenceName } from "./labels.js";
import { createPlacePicker } from "./place.js";
import { clearErrorOf, clearErrors, problemText, retranslateErrors, showErrors } from "./problems.js";

const HOUR_MS = 3600_000;

export function createIntake({ roster, precincts, onFiled }) {
  const $ = (id) => document.getElementById(id);
  const form = $("report-form");
  const offence = $("offence");
  const channel = $("channel");
  const at = $("occurred-at");
  const from = $("occurred-from");
  const to = $("occurred-to");
  const submit = $("report-submit");
  const submitLabel = submit.querySelector("[data-i18n]");
  const formError = $("report-error");
  let formErrorWords = null;
  let idempotencyKey = uuid();
  let sending = false;

  const place = createPlacePicker(
    {
      svg: $("intake-map"),
      hint: $("map-hint"),
      place: $("place"),
      datalist: $("places"),
      lat: $("lat"),
      lng: $("lng"),
      address: $("address"),
    },
    {
      roster,
      precincts,
      onSet() {
        clearErrorOf($("lat"));
        clearErrorOf($("lng"));
      },
    },
  );
  const items = createItems({
    container: $("items"),
    add: $("add-item"),
    total: $("items-total"),
    keys: "intake",
    compact: true,
  });

  function options() {
    const chosenOffence = offence.value;
    const chosenChannel = channel.value || "dispatcher";
    fill(
      offence,
      h("option", { value: "", text: t("intake.choose") }),
      OFFENCES.map((code) => h("option", { value: code, text: offenceName(code) })),
    );
    fill(
      channel,
      CHANNELS.map((code) => h("option", { value: code, text: channelName(code) })),
    );
    offence.value = chosenOffence;
    channel.value = chosenChannel;
  }

  function windowMode() {
    return form.elements.when.value === "window";
  }

  function showWhen() {
    form.querySelector(".when-at").hidden = windowMode();
    form.querySelector(".when-window").hidden = !windowMode();
  }

  function setNow() {
    const now = serverDate();
    at.value = localInputValue(now);
    from.value = localInputValue(new Date(now.getTime() - HOUR_MS));
    to.value = localInputValue(now);
  }

  /** A `datetime-local` value as RFC 3339 (UTC), or undefined when empty. */
  const iso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);
  const text = (id) => $(id).value.trim();

  function body(itemList) {
    const point = place.current();
    const reporter = { name: text("reporter-name") || null, phone: text("reporter-phone") || null };
    return {
      channel: channel.value,
      occurred: windowMode() ? { from: iso(from), to: iso(to) } : { at: iso(at) },
      location: { lat: point?.lat ?? null, lng: point?.lng ?? null, address: text("address") || null },
      offence: offence.value,
      description: $("description").value.trim(),
      items: itemList,
      reporter: reporter.name || reporter.phone ? reporter : null,
    };
  }

  function showFormError(words) {
    formErrorWords = words;
    formError.hidden = !words;
    formError.textContent = words ? words() : "";
  }

  async function file(event) {
    event?.preventDefault();
    if (sending) return;
    clearErrors(form);
    showFormError(null);
    const { items: itemList, rows, problems } = items.read();
    const local = [...problems];
    if (!offence.value) local.push({ field: "offence", words: () => t("intake.need_offence") });
    if (local.length) {
      refused(local, rows);
      return;
    }
    sending = true;
    submit.disabled = true;
    submitLabel.textContent = t("intake.submitting");
    try {
      const sent = body(itemList);
      const accepted = await api("POST", "/api/v1/reports", sent, { idempotencyKey });
      onFiled(accepted, sent.offence);
      reset();
    } catch (error) {
      if (error.slug === "invalid-request" && error.problem.errors?.length) {
        refused(error.problem.errors, rows);
      } else {
        showFormError(() => problemText(error));
        formError.focus();
      }
    } finally {
      sending = false;
      submit.disabled = false;
      submitLabel.textContent = t("intake.submit");
    }
  }

  function refused(errors, rows) {
    const { leftOver, first } = showErrors(form, errors, rows);
    const extra = leftOver.map((e) => e.message).join("; ");
    showFormError(() => (extra ? `${t("intake.errors")} ${extra}` : t("intake.errors")));
    (first || formError).focus();
  }

  function reset() {
    const keepChannel = channel.value;
    form.reset();
    channel.value = keepChannel;
    clearErrors(form);
    showFormError(null);
    place.reset();
    items.reset();
    showWhen();
    setNow();
    idempotencyKey = uuid();
    offence.focus();
  }

  // Enter moves to the next field instead of filing half a report; Ctrl+Enter files it.
  function keys(event) {
    if (event.key !== "Enter" || event.isComposing) return;
    if (event.ctrlKey || event.metaKey) {
      file(event);
      return;
    }
    const target = event.target;
    if (target.tagName === "TEXTAREA" || target.tagName === "BUTTON") return;
    event.preventDefault();
    // The fields Tab would visit, without buttons (Enter would press them) or unchecked radios.
    const fields = [...form.querySelectorAll("input, select, textarea")].filter(
      (el) => !el.disabled && !el.closest("[hidden]") && (el.type !== "radio" || el.checked),
    );
    fields[fields.indexOf(target) + 1]?.focus();
  }

  form.addEventListener("submit", file);
  form.addEventListener("keydown", keys);
  form.addEventListener("input", (event) => clearErrorOf(event.target));
  form.addEventListener("change", (event) => {
    clearErrorOf(event.target);
    if (event.target.name === "when") showWhen();
  });
  $("occurred-now").addEventListener("click", setNow);
  $("report-reset").addEventListener("click", reset);
  formError.tabIndex = -1;
  window.addEventListener("qc:language", () => {
    options();
    retranslateErrors();
    if (formErrorWords) showFormError(formErrorWords);
  });

  options();
  items.reset();
  showWhen();
  setNow();
  return { focus: () => offence.focus() };
}
