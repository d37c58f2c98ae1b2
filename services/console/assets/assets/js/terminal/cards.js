// Task cards: what/where/when from the report, the task's state, one-tap progress buttons, the
// record forms (forms.js) and what was recorded. A card is built once and updated in place, so
// typing in an open form survives new feed items, outbox changes and language switches.

import { t } from "../common/i18n.js";
import { dateTime, age, money, duration } from "../common/format.js";
import { h, fill } from "../common/dom.js";
import { buildForms } from "./forms.js";
import { effectiveStatus, isDone, queuedFor } from "./taskstate.js";
import { serverTime, deviceTime } from "./clock.js";
import { describeProblem } from "./problems.js";
import * as outbox from "./outbox.js";

const PROGRESS_ACTIONS = [
  ["acknowledge", "acknowledged", "acknowledged_at"],
  ["en_route", "en_route", "en_route_at"],
  ["on_scene", "on_scene", "on_scene_at"],
];
const RANK = { assigned: 0, acknowledged: 1, en_route: 2, on_scene: 3, cleared: 4, released: 4 };

/** A card for `task`; `ctx.act(task, action, fields)` queues a command (returns true when kept). */
export function createCard(task, ctx) {
  let current = task;
  const head = h("header", { class: "task-head" });
  const what = h("div", { class: "task-what" });
  const note = h("div", { class: "task-note" });
  const progress = h("div", { class: "task-progress", role: "group" });
  const problems = h("div", { class: "task-problems" });
  const log = h("section", { class: "task-log" });
  let forms = null;
  const formsSlot = h("div", { class: "task-forms-slot" });
  const el = h(
    "article",
    { class: `task-card kind-${task.kind}`, "data-testid": `task-${task.case_id}-${task.kind}`, "data-key": task.key },
    head,
    what,
    note,
    problems,
    progress,
    formsSlot,
    log,
  );

  const formCtx = {
    task: () => current,
    submit: (action, fields) => ctx.act(current, action, fields),
    queuedRecovered: () =>
      queuedFor(current)
        .filter((e) => e.action === "property_recovered")
        .flatMap((e) => e.fields.items.map((description) => ({ description, value_cents: 0 }))),
  };

  function update(next = current, entries = outbox.entries()) {
    current = next;
    const queued = queuedFor(current, entries);
    const status = effectiveStatus(current, queued);
    const done = isDone(current, queued);
    el.dataset.status = status;
    el.classList.toggle("is-done", done);
    el.classList.toggle("needs-ack", !done && status === "assigned");
    renderHead(status, done, queued);
    renderWhat();
    renderNote();
    renderProblems();
    renderProgress(status, done, queued, entries);
    if (done) {
      forms?.remove();
      forms = null;
    } else if (!forms) {
      forms = buildForms(current, formCtx);
      formsSlot.append(forms);
    }
    renderLog(queued, entries);
  }

  function renderHead(status, done, queued) {
    const server = current.server;
    let statusText;
    if (current.withdrawn) statusText = t("status.withdrawn");
    else if (server?.case_status === "cleared") statusText = t("status.case_cleared");
    else if (server?.case_status === "closed") statusText = t("status.case_closed");
    else statusText = t(`status.${status}`);
    // Until acknowledged: how long before dispatch passes the task on (ticked by terminal.js).
    const ackWindow = ctx.ackWindowSecs?.();
    const assignedAt = server?.assigned_at || current.assigned_at;
    const due = !done && status === "assigned" && ackWindow && assignedAt ? deviceTime(Date.parse(assignedAt) + ackWindow * 1000) : null;
    fill(
      head,
      h("span", { class: `badge badge-kind kind-${current.kind}` }, t(`kind.${current.kind}`)),
      h("span", { class: `badge badge-status status-${done ? "done" : status}`, "data-testid": "task-status" }, statusText),
      current.fresh && !done && status === "assigned" ? h("span", { class: "badge badge-new" }, t("tasks.new")) : null,
      queued.length ? h("span", { class: "badge badge-queued", "data-testid": "task-queued" }, t("outbox.count", { n: queued.length })) : null,
      due ? h("span", { class: "ack-due", "data-due": String(Math.round(due)), "data-testid": "ack-due" }, dueText(due)) : null,
    );
  }

  function renderWhat() {
    const report = current.report || {};
    const location = report.location || {};
    const reporter = current.server?.reporter || report.reporter;
    const occurred = report.occurred;
    const occurredText = occurred
      ? occurred.from === occurred.to
        ? dateTime(occurred.from)
        : t("card.occurred_between", { from: dateTime(occurred.from), to: dateTime(occurred.to) })
      : "";
    const items = (report.items || []).map((item) => (item.value_cents ? `${item.description} (${money(item.value_cents)})` : item.description));
    const facts = [
      [t("card.occurred"), occurredText],
      [t("card.reported"), current.reported_at ? `${dateTime(current.reported_at)} · ${t("card.ago", { age: age(current.reported_at, serverTime().getTime()) })}` : ""],
      [t("card.items"), items.join(t("list.sep"))],
      [t("card.description"), report.description],
    ].filter(([, value]) => value);
    fill(
      what,
      h("h3", { class: "task-offence" }, report.offence ? t(`offence.${report.offence}`) : "", report.channel ? h("span", { class: "task-channel" }, ` · ${t(`channel.${report.channel}`)}`) : null),
      h(
        "p",
        { class: "task-address", "data-testid": "task-address" },
        h("strong", {}, location.address || t("card.no_address")),
        Number.isFinite(location.lat) && Number.isFinite(location.lng)
          ? h("a", { class: "map-link", href: `geo:${location.lat},${location.lng}?q=${location.lat},${location.lng}` }, t("card.map"))
          : null,
      ),
      h("dl", { class: "task-facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      reporter && (reporter.name || reporter.phone)
        ? h(
            "p",
            { class: "task-reporter", "data-testid": "task-reporter" },
            h("span", { class: "muted" }, t("card.reporter")),
            reporter.name || "",
            reporter.phone ? h("a", { class: "btn btn-call", href: `tel:${reporter.phone.replace(/[^\d+]/g, "")}` }, t("card.call", { phone: reporter.phone })) : null,
          )
        : null,
    );
  }

  function renderNote() {
    const notes = [];
    if (current.escalated_from) notes.push(t("card.escalated_from", { unit: current.escalated_from }));
    if (current.withdrawn) notes.push(t("card.withdrawn", { reason: reasonText(current.withdrawn.reason) }));
    const holder = current.server?.holder;
    if (holder && holder !== current.unit) notes.push(t("card.held_by", { unit: holder }));
    const property = current.server?.property;
    if (property && (property.recovered_cents || property.returned_cents)) {
      notes.push(t("card.recovered", { value: money(property.recovered_cents), returned: money(property.returned_cents) }));
    }
    fill(note, notes.map((text) => h("p", {}, text)));
  }

  function renderProblems() {
    const refused = (current.local || []).filter((e) => e.state === "refused");
    fill(
      problems,
      refused.map((entry) =>
        h(
          "div",
          { class: "problem", role: "alert", "data-testid": "task-problem" },
          h("p", {}, t("log.entry", { title: t(actionKey(entry)), detail: t("problem.refused", { what: describeProblem(entry.problem) }) })),
          h("button", { type: "button", class: "btn btn-secondary", "data-i18n": "problem.dismiss", onclick: () => ctx.dismiss(current, entry.command_id) }, t("problem.dismiss")),
        ),
      ),
    );
  }

  function renderProgress(status, done, queued) {
    if (done) {
      fill(progress);
      return;
    }
    const rank = RANK[status] ?? 0;
    fill(
      progress,
      PROGRESS_ACTIONS.map(([action, reached, timeField]) => {
        const isReached = rank >= RANK[reached];
        const pending = queued.some((e) => e.action === action);
        const at = current.server?.[timeField];
        const primary = !isReached && rank + 1 === RANK[reached];
        // A step can be passed without being taken (en route straight from assigned): tick only
        // what the case log recorded, or what the status implies before the case has been read.
        const taken = at ? true : isReached && !current.server;
        return h(
          "button",
          {
            type: "button",
            class: `btn btn-big btn-progress${primary ? " btn-primary" : ""}${isReached ? " is-reached" : ""}${pending ? " is-pending" : ""}`,
            "data-testid": `action-${action}`,
            disabled: isReached,
            onclick: () => ctx.act(current, action, {}),
          },
          h("span", { class: "btn-label" }, taken ? `✓ ${t(`action.${action}`)}` : t(`action.${action}`)),
          pending ? h("span", { class: "btn-sub" }, t("log.queued_short")) : at ? h("span", { class: "btn-sub" }, dateTime(at)) : null,
        );
      }),
    );
  }

  function renderLog(queued, entries) {
    const rows = [];
    const server = current.server?.log || [];
    for (const entry of server) {
      rows.push(h("li", { class: "log-entry" }, h("span", { class: "log-time" }, dateTime(entry.recorded_at)), h("span", { class: "log-what" }, logText(entry.event_type, entry.data))));
    }
    const known = new Set(server.map((e) => e.causation_id));
    for (const entry of (current.local || []).filter((e) => e.state === "sent" && !known.has(e.command_id))) {
      rows.push(localRow(entry, t("log.sent"), "sent"));
    }
    const sending = outbox.state().sending;
    for (const entry of queued) {
      rows.push(localRow(entry, entry.command_id === sending ? t("log.sending") : t("log.queued"), "queued"));
    }
    fill(
      log,
      rows.length ? h("h4", {}, t("card.log")) : null,
      rows.length ? h("ol", { class: "log-list" }, rows) : null,
      h("p", { class: "task-case muted" }, t("card.case", { id: current.case_id.slice(0, 8) })),
    );
  }

  update(task);
  return { el, update, get task() { return current; } };
}

/** "acknowledge within 0 min 42 s", or "overdue", for a device time in ms. */
export function dueText(due) {
  const left = (due - Date.now()) / 1000;
  return left > 0 ? t("card.ack_within", { time: duration(left) }) : t("card.ack_overdue");
}

function localRow(entry, stateText, cls) {
  return h(
    "li",
    { class: `log-entry log-${cls}`, "data-testid": cls === "queued" ? "log-queued" : "log-sent" },
    h("span", { class: "log-time" }, dateTime(entry.queued_at || entry.at)),
    h("span", { class: "log-what" }, actionText(entry)),
    h("span", { class: `badge badge-${cls}` }, stateText),
  );
}

function actionKey(entry) {
  if (entry.action === "record_finding") return `finding.${entry.fields?.finding?.kind}`;
  return `action.${entry.action}`;
}

function actionText(entry) {
  const title = t(actionKey(entry));
  const detail = details(entry.action === "record_finding" ? entry.fields.finding : entry.fields, entry.action);
  return detail ? t("log.entry", { title, detail }) : title;
}

const EVENT_ACTION = {
  FindingRecorded: "record_finding",
  SuspectIdentified: "suspect_identified",
  ArrestMade: "arrest",
  PropertyRecovered: "property_recovered",
  PropertyReturned: "property_returned",
  TaskCleared: "clear",
};

function logText(type, data = {}) {
  if (type === "FindingRecorded") {
    const finding = data.finding || {};
    const detail = details(finding, "record_finding");
    const title = t(`finding.${finding.kind}`);
    return detail ? t("log.entry", { title, detail }) : title;
  }
  if (type === "TaskReassigned") return t("log.entry", { title: t("log.TaskReassigned"), detail: `${data.from_unit} → ${data.unit}` });
  if (type === "CaseClosed" && data.reason) return t("log.entry", { title: t("log.CaseClosed"), detail: data.reason });
  const detail = EVENT_ACTION[type] ? details(data, EVENT_ACTION[type]) : "";
  const title = t(`log.${type}`);
  return detail ? t("log.entry", { title, detail }) : title;
}

function details(fields = {}, action) {
  switch (action) {
    case "record_finding":
      switch (fields.kind) {
        case "interview":
          return t("log.interview", { person: fields.person, statement: fields.statement });
        case "canvass":
          return t("log.canvass", { n: fields.addresses_visited, notes: fields.notes || "" });
        case "video_review":
          return t("log.video_review", { cameras: (fields.cameras || []).length, points: (fields.trajectory || []).length });
        case "scene_evidence":
          return t("log.scene_evidence", {
            n: (fields.items || []).length,
            kinds: (fields.items || []).map((i) => translatedEvidence(i.kind)).join(t("list.sep")),
          });
        default:
          return "";
      }
    case "suspect_identified":
      return fields.description || "";
    case "arrest":
    case "clear":
      return fields.note || "";
    case "property_recovered":
    case "property_returned":
      return t("log.items_value", { items: (fields.items || []).join(t("list.sep")), value: money(fields.value_cents || 0) });
    default:
      return "";
  }
}

function translatedEvidence(kind) {
  const key = `form.evidence.${kind}`;
  const text = t(key);
  return text === key ? kind : text;
}

function reasonText(reason) {
  const key = `reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
}

/** A compact line for a finished or withdrawn task in the "done" list. */
export function doneRow(task) {
  const report = task.report || {};
  const server = task.server;
  let state;
  if (task.withdrawn) state = t("card.withdrawn", { reason: reasonText(task.withdrawn.reason) });
  else if (server?.holder && server.holder !== task.unit) state = t("card.held_by", { unit: server.holder });
  else if (server?.case_status === "cleared") state = t("status.case_cleared");
  else if (server?.case_status === "closed") state = t("status.case_closed");
  else state = t(`status.${effectiveStatus(task)}`);
  return h(
    "li",
    { class: "done-row", "data-testid": `task-${task.case_id}-${task.kind}`, "data-status": "done" },
    h("span", { class: "done-what" }, report.offence ? t(`offence.${report.offence}`) : "", " · ", report.location?.address || t("card.no_address")),
    h("span", { class: "done-state muted" }, `${dateTime(task.assigned_at)} · ${state}`),
  );
}
