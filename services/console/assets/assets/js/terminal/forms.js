// The record forms of a task card: the squad's own findings (precinct: interview, canvass;
// property: video review with cameras and a trajectory; scene: evidence items), then suspect,
// arrest, property recovered and returned, clear. Saving queues the command (docs/api.md, task
// commands: the fields after `action`) and closes the form. Parts: formkit.js.

import { t, applyTranslations } from "../common/i18n.js";
import { money, localInputValue } from "../common/format.js";
import { h } from "../common/dom.js";
import { serverTime } from "./clock.js";
import { field, textInput, textArea, actionForm, FormProblem, required, optional, cents, rowList, rowsOf } from "./formkit.js";

const EVIDENCE_KINDS = ["fingerprint", "dna", "tool_mark", "footwear", "fibre", "other"];

/**
 * The forms for `task` (kind precinct, property or scene). `ctx.submit(action, fields)` queues
 * the command and returns whether it was kept; `ctx.task()` is the task's latest state.
 */
export function buildForms(task, ctx) {
  const forms = [];
  if (task.kind === "precinct") forms.push(interviewForm(ctx), canvassForm(ctx));
  if (task.kind === "property") forms.push(videoReviewForm(ctx));
  if (task.kind === "scene") forms.push(evidenceForm(ctx));
  forms.push(suspectForm(ctx), arrestForm(ctx), recoveredForm(ctx), returnedForm(ctx), clearForm(ctx));
  const root = h("div", { class: "task-forms" }, forms);
  applyTranslations(root);
  return root;
}

// --- precinct -------------------------------------------------------------------------------------

function interviewForm(ctx) {
  return actionForm({
    ctx,
    name: "interview",
    action: "record_finding",
    titleKey: "finding.interview",
    body: [
      field("form.person", textInput("person", { "data-i18n-placeholder": "form.person_hint" })),
      field("form.statement", textArea("statement", { rows: 4 })),
    ],
    read: (form) => ({
      finding: {
        kind: "interview",
        person: required(form, "person", "form.person"),
        statement: required(form, "statement", "form.statement"),
      },
    }),
  });
}

function canvassForm(ctx) {
  return actionForm({
    ctx,
    name: "canvass",
    action: "record_finding",
    titleKey: "finding.canvass",
    body: [
      field("form.addresses_visited", h("input", { type: "number", name: "addresses_visited", min: "0", step: "1", inputmode: "numeric" })),
      field("form.notes", textArea("notes")),
    ],
    read: (form) => {
      const input = form.elements.addresses_visited;
      const n = Number(input.value);
      if (input.value.trim() === "" || !Number.isInteger(n) || n < 0) {
        throw new FormProblem(t("form.required", { field: t("form.addresses_visited") }), input);
      }
      return { finding: { kind: "canvass", addresses_visited: n, notes: optional(form, "notes") } };
    },
  });
}

// --- property crime -------------------------------------------------------------------------------

function videoReviewForm(ctx) {
  const cameraRow = () =>
    h("div", { class: "row" }, h("input", { type: "text", name: "camera", class: "grow", autocomplete: "off", "data-i18n-placeholder": "form.camera", "data-testid": "camera-input" }));
  const pointRow = () => {
    const row = h(
      "div",
      { class: "row row-point" },
      h("input", { type: "number", name: "lat", step: "any", inputmode: "decimal", "data-i18n-placeholder": "form.lat", "data-testid": "point-lat" }),
      h("input", { type: "number", name: "lng", step: "any", inputmode: "decimal", "data-i18n-placeholder": "form.lng", "data-testid": "point-lng" }),
      h("input", { type: "datetime-local", name: "at", "data-i18n-aria-label": "form.time", "data-testid": "point-at" }),
      h("input", { type: "text", name: "point_camera", autocomplete: "off", "data-i18n-placeholder": "form.point_camera", "data-testid": "point-camera" }),
      h("button", {
        type: "button",
        class: "btn btn-secondary btn-here",
        "data-testid": "use-position",
        "data-i18n": "form.use_position",
        onclick: () => useMyPosition(row),
      }),
    );
    return row;
  };
  return actionForm({
    ctx,
    name: "video_review",
    action: "record_finding",
    titleKey: "finding.video_review",
    body: [
      h("fieldset", {}, h("legend", { "data-i18n": "form.cameras" }), rowList("cameras", cameraRow, "form.add_camera")),
      h("fieldset", {}, h("legend", { "data-i18n": "form.trajectory" }), rowList("trajectory", pointRow, "form.add_point")),
      field("form.notes", textArea("notes")),
    ],
    read: (form) => {
      const cameras = rowsOf(form, "cameras")
        .map((row) => row.querySelector("input").value.trim())
        .filter(Boolean);
      const trajectory = [];
      for (const row of rowsOf(form, "trajectory")) {
        const [lat, lng, at, camera] = ["lat", "lng", "at", "point_camera"].map((n) => row.querySelector(`[name="${n}"]`));
        if (!lat.value && !lng.value && !at.value && !camera.value.trim()) continue;
        const point = {
          lat: number(lat, "form.lat", -90, 90),
          lng: number(lng, "form.lng", -180, 180),
          at: when(at),
          camera: camera.value.trim() || null,
        };
        trajectory.push(point);
        if (point.camera && !cameras.includes(point.camera)) cameras.push(point.camera);
      }
      if (!cameras.length && !trajectory.length) {
        throw new FormProblem(t("form.need_camera"), form.querySelector('[name="camera"]'));
      }
      return { finding: { kind: "video_review", cameras, trajectory, notes: optional(form, "notes") } };
    },
  });
}

function number(input, labelKey, min, max) {
  const value = Number(input.value);
  if (input.value.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new FormProblem(t(input.value.trim() ? "form.bad_number" : "form.required", { field: t(labelKey) }), input);
  }
  return value;
}

function when(input) {
  if (!input.value) throw new FormProblem(t("form.required", { field: t("form.time") }), input);
  const date = new Date(input.value);
  if (Number.isNaN(date.getTime())) throw new FormProblem(t("form.required", { field: t("form.time") }), input);
  return date.toISOString();
}

function useMyPosition(row) {
  const button = row.querySelector(".btn-here");
  if (!navigator.geolocation) {
    button.textContent = t("form.position_failed");
    return;
  }
  button.disabled = true;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      button.disabled = false;
      row.querySelector('[name="lat"]').value = position.coords.latitude.toFixed(6);
      row.querySelector('[name="lng"]').value = position.coords.longitude.toFixed(6);
      row.querySelector('[name="at"]').value = localInputValue(serverTime(position.timestamp || Date.now()));
    },
    () => {
      button.disabled = false;
      const form = row.closest("form");
      const message = form?.querySelector(".form-message");
      if (message) {
        message.textContent = t("form.position_failed");
        message.classList.add("error");
      }
    },
    { enableHighAccuracy: true, maximumAge: 10_000, timeout: 15_000 },
  );
}

// --- scene ----------------------------------------------------------------------------------------

function evidenceForm(ctx) {
  const itemRow = () =>
    h(
      "div",
      { class: "row row-evidence" },
      h(
        "select",
        { name: "evidence_kind", "data-i18n-aria-label": "form.evidence_kind", "data-testid": "evidence-kind" },
        EVIDENCE_KINDS.map((kind) => h("option", { value: kind, "data-i18n": `form.evidence.${kind}` })),
      ),
      h("input", { type: "text", name: "evidence_description", class: "grow", autocomplete: "off", "data-i18n-placeholder": "form.evidence_description", "data-testid": "evidence-description" }),
    );
  return actionForm({
    ctx,
    name: "scene_evidence",
    action: "record_finding",
    titleKey: "finding.scene_evidence",
    body: [h("fieldset", {}, h("legend", { "data-i18n": "form.evidence" }), rowList("evidence", itemRow, "form.add_evidence"))],
    read: (form) => {
      const items = [];
      for (const row of rowsOf(form, "evidence")) {
        const description = row.querySelector('[name="evidence_description"]');
        if (!description.value.trim()) continue;
        items.push({ kind: row.querySelector("select").value, description: description.value.trim() });
      }
      if (!items.length) {
        throw new FormProblem(t("form.required", { field: t("form.evidence_description") }), form.querySelector('[name="evidence_description"]'));
      }
      return { finding: { kind: "scene_evidence", items } };
    },
  });
}

// --- every squad ----------------------------------------------------------------------------------

function suspectForm(ctx) {
  return actionForm({
    ctx,
    name: "suspect_identified",
    action: "suspect_identified",
    titleKey: "action.suspect_identified",
    body: [field("form.suspect_description", textArea("description"))],
    read: (form) => ({ description: required(form, "description", "form.suspect_description") }),
  });
}

function arrestForm(ctx) {
  return actionForm({
    ctx,
    name: "arrest",
    action: "arrest",
    titleKey: "action.arrest",
    body: [field("form.arrest_note", textArea("note"))],
    read: (form) => ({ note: optional(form, "note") }),
  });
}

/**
 * Items as tick boxes (`choices(): [{description, value_cents}]`, refreshed when the form opens)
 * plus free rows; the value fills in from the ticked items and stays editable.
 */
function itemsForm(ctx, { name, action, titleKey, choices }) {
  const choiceBox = h("div", { class: "choices", "data-testid": `${name}-choices` });
  const otherRow = () => h("div", { class: "row" }, h("input", { type: "text", name: "other_item", class: "grow", autocomplete: "off", "data-i18n-placeholder": "form.other_item" }));
  const value = h("input", { type: "number", name: "value", min: "0", step: "0.01", inputmode: "decimal", "data-testid": `${name}-value` });
  let valueTouched = false;
  value.addEventListener("input", () => {
    valueTouched = true;
  });
  const refreshValue = () => {
    if (valueTouched) return;
    const total = [...choiceBox.querySelectorAll("input:checked")].reduce((sum, box) => sum + Number(box.dataset.cents || 0), 0);
    value.value = total ? (total / 100).toFixed(2) : "";
  };
  return actionForm({
    ctx,
    name,
    action,
    titleKey,
    body: [
      h("fieldset", {}, h("legend", { "data-i18n": "form.items" }), choiceBox, rowList(`${name}-other`, otherRow, "form.add_item")),
      field("form.value", value),
    ],
    onOpen: () => {
      valueTouched = false;
      choiceBox.replaceChildren(
        ...choices().map((item) =>
          h(
            "label",
            { class: "choice" },
            h("input", { type: "checkbox", name: "item", value: item.description, "data-cents": String(item.value_cents || 0), onchange: refreshValue }),
            h("span", {}, item.value_cents ? `${item.description} (${money(item.value_cents)})` : item.description),
          ),
        ),
      );
      value.value = "";
    },
    read: (form) => {
      const items = [...choiceBox.querySelectorAll("input:checked")].map((box) => box.value);
      for (const input of form.querySelectorAll('[name="other_item"]')) {
        if (input.value.trim()) items.push(input.value.trim());
      }
      if (!items.length) throw new FormProblem(t("form.need_item"), choiceBox.querySelector("input") || form.querySelector('[name="other_item"]'));
      return { items, value_cents: cents(form, "value", "form.value") };
    },
  });
}

function recoveredForm(ctx) {
  return itemsForm(ctx, {
    name: "property_recovered",
    action: "property_recovered",
    titleKey: "action.property_recovered",
    choices: () => ctx.task().report?.items || [],
  });
}

function returnedForm(ctx) {
  return itemsForm(ctx, {
    name: "property_returned",
    action: "property_returned",
    titleKey: "action.property_returned",
    choices: () => {
      // What was recovered on the case (any squad), else what was reported stolen.
      const recovered = (ctx.task().server?.recovered || []).flatMap((r) =>
        r.items.map((description, i) => ({ description, value_cents: i === 0 && r.items.length === 1 ? r.value_cents : 0 })),
      );
      const queued = ctx.queuedRecovered();
      const all = [...recovered, ...queued];
      return all.length ? uniqueBy(all, (x) => x.description) : ctx.task().report?.items || [];
    },
  });
}

function uniqueBy(list, key) {
  const seen = new Set();
  return list.filter((x) => (seen.has(key(x)) ? false : seen.add(key(x))));
}

function clearForm(ctx) {
  return actionForm({
    ctx,
    name: "clear",
    action: "clear",
    titleKey: "action.clear",
    danger: true,
    body: [field("form.clear_note", textArea("note")), h("p", { class: "hint", "data-i18n": "form.clear_confirm" })],
    read: (form) => ({ note: optional(form, "note") }),
  });
}
