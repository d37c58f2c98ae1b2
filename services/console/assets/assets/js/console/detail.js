// One case in a dialog: the report, the tasks with their times, the whole timeline in words, and
// (while open) the resolution form. It follows the board: a change to the case re-reads it.

import { api } from "../common/api.js";
import { h, fill } from "../common/dom.js";
import { applyTranslations, t } from "../common/i18n.js";
import { propertyLine, reportSection, tasksSection, timelineSection } from "./case-view.js";
import { shortId } from "./labels.js";
import { problemText } from "./problems.js";
import { resolveForm } from "./resolve.js";

export function createDetail({ dialog, title, body, close }, { board, unitName }) {
  let caseId = null;
  let view = null;
  let form = null;
  let notice = null;
  let reload = 0;
  let request = null;

  async function open(id, focusResolve = false) {
    if (caseId !== id) {
      caseId = id;
      view = null;
      form = null;
      notice = null;
      fill(body, h("p", { class: "muted", text: t("detail.loading") }));
    }
    title.textContent = t("detail.title", { id: shortId(id) });
    if (!dialog.open) dialog.showModal();
    history.replaceState(null, "", `#case=${id}`);
    await load();
    if (focusResolve) form?.querySelector("input")?.focus();
  }

  async function load() {
    request?.abort();
    request = new AbortController();
    const id = caseId;
    try {
      const fresh = await api("GET", `/api/v1/cases/${encodeURIComponent(id)}`, undefined, { signal: request.signal });
      if (id !== caseId) return;
      view = fresh;
      render();
    } catch (error) {
      if (error.name === "AbortError" || id !== caseId) return;
      fill(body, h("p", { class: "form-error", role: "alert", text: problemText(error) }));
    }
  }

  // Re-rendered in place on every change; the resolution form's slot is left alone, so a reason
  // being typed keeps its text and focus while units move.
  const parts = {
    notice: h("div"),
    summary: h("div", { class: "detail-grid" }),
    form: h("div"),
    timeline: h("div"),
  };

  function render() {
    if (!view) return;
    if (!body.contains(parts.summary)) fill(body, Object.values(parts));
    fill(
      parts.notice,
      notice ? h("p", { class: "notice", role: "status", "data-testid": "resolve-done", text: t(notice) }) : null,
    );
    fill(parts.summary, reportSection(view, unitName), h("div", {}, tasksSection(view, unitName), propertyLine(view)));
    if (view.status !== "open") {
      fill(parts.form);
    } else {
      const hasArrest = view.timeline.some((event) => event.event_type === "ArrestMade");
      if (!form) fill(parts.form, (form = resolveForm(view.case_id, { onResolved: resolved })));
      form.querySelector("[data-arrest-hint]").dataset.i18n = hasArrest
        ? "resolve.arrest_hint"
        : "resolve.arrest_missing";
    }
    fill(parts.timeline, timelineSection(view));
    applyTranslations(body);
  }

  function resolved(status) {
    notice = status === "cleared" ? "resolve.done_cleared" : "resolve.done_closed";
    form = null;
    load();
  }

  function closed() {
    caseId = null;
    view = null;
    form = null;
    request?.abort();
    history.replaceState(null, "", location.pathname + location.search);
  }

  board.subscribe((entry) => {
    if (!dialog.open || entry.case_id !== caseId) return;
    clearTimeout(reload);
    reload = setTimeout(load, 250);
  });
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", closed);
  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  window.addEventListener("qc:language", () => {
    if (!caseId) return;
    title.textContent = t("detail.title", { id: shortId(caseId) });
    render();
  });

  return { open };
}
