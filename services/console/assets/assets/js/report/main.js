// The residents' report page (docs/console.md, "The door-plate report page"): the QR code on a door
// plate opens `/report?plate=DP-0001`. No sign-in: the page reads the plate's public place
// (`GET /api/v1/doorplates/{plate}`), shows it, and files the form to
// `POST /api/v1/doorplates/{plate}/reports`, whose answer's case id is the resident's reference.

import { api } from "../common/api.js";
import { applyTranslations, languageSwitch, register, t } from "../common/i18n.js";
import { strings as common } from "../common/strings.js";
import { waitWords } from "./errors.js";
import { createReportForm } from "./form.js";
import { strings } from "./strings.js";

register(common);
register(strings);

const $ = (id) => document.getElementById(id);
const plate = (new URLSearchParams(location.search).get("plate") || "").trim();
const state = $("plate-state");
const stateText = $("plate-state-text");
const retry = $("plate-retry");
const confirmation = $("confirmation");
let place = null;
let form = null;
/** What is on display, as functions of the current language. */
let stateWords = null;
let doneWords = null;

function showState(words, { canRetry = false } = {}) {
  stateWords = words;
  state.hidden = !words;
  state.dataset.state = words ? (canRetry ? "retry" : "final") : "";
  stateText.removeAttribute("data-i18n");
  stateText.textContent = words ? words() : "";
  retry.hidden = !canRetry;
}

function plateProblem(error) {
  if (error.slug === "unknown-doorplate" || error.status === 404) {
    return { words: () => t("report.unknown_plate", { plate }) };
  }
  if (error.status === 429) return { words: () => waitWords(error, "report.plate_rate_limited"), canRetry: true };
  if (error.status === 0) return { words: () => t("report.plate_network"), canRetry: true };
  return { words: () => t("report.plate_failed", { status: error.status }), canRetry: true };
}

async function load() {
  if (!plate) {
    showState(() => t("report.no_plate"));
    return;
  }
  showState(() => t("report.loading"));
  retry.disabled = true;
  try {
    place = await api("GET", `/api/v1/doorplates/${encodeURIComponent(plate)}`, undefined, { redirectOn401: false });
  } catch (error) {
    const { words, canRetry } = plateProblem(error);
    showState(words, { canRetry });
    return;
  } finally {
    retry.disabled = false;
  }
  showState(null);
  $("place-address").textContent = place.address;
  renderPlate();
  $("place").hidden = false;
  form = createReportForm({ plate: place.id, onFiled: filed });
  form.show();
}

function renderPlate() {
  if (place) $("place-plate").textContent = t("report.plate", { plate: place.id });
}

function filed(accepted) {
  form.hide();
  // The first block of the case id: what the dispatchers' board shows for the case.
  const reference = String(accepted.case_id).slice(0, 8);
  doneWords = () => t("report.done_body", { address: place.address });
  $("done-body").textContent = doneWords();
  $("done-reference").textContent = reference;
  $("done-case").textContent = accepted.case_id;
  confirmation.dataset.caseId = accepted.case_id;
  confirmation.hidden = false;
  confirmation.focus();
  confirmation.scrollIntoView({ block: "start" });
}

function again() {
  confirmation.hidden = true;
  doneWords = null;
  form.reset();
  form.show();
  document.querySelector('[name="offence"]')?.focus();
}

function translate() {
  applyTranslations();
  document.title = `${t("report.page_title")} · ${t("common.app")}`;
  if (stateWords) stateText.textContent = stateWords();
  if (doneWords) $("done-body").textContent = doneWords();
  renderPlate();
}

$("language").append(languageSwitch());
window.addEventListener("qc:language", translate);
retry.addEventListener("click", load);
$("report-again").addEventListener("click", again);
translate();
load();
