// One case, drawn from `GET /api/v1/cases/{id}`: the report, the tasks, the property, the timeline.

import { h } from "../common/dom.js";
import { clockTime, dateTime, money } from "../common/format.js";
import { t } from "../common/i18n.js";
import { escalatedFrom } from "./chips.js";
import {
  TASK_KINDS,
  actorName,
  caseStatusClass,
  caseStatusName,
  channelName,
  offenceName,
  taskName,
  taskStatusName,
} from "./labels.js";
import { describe } from "./timeline.js";

const TASK_TIMES = ["assigned_at", "acknowledged_at", "en_route_at", "on_scene_at", "finished_at"];
const TASK_TIME_LABELS = [
  "detail.assigned",
  "detail.acknowledged",
  "detail.en_route",
  "detail.on_scene",
  "detail.finished",
];

/** The report and the case's own times. */
export function reportSection(caseView, unitName) {
  const report = caseView.report || {};
  const occurred = report.occurred || {};
  const where = report.location || {};
  const items = report.items || [];
  const row = (key, ...value) => [h("dt", { text: t(key) }), h("dd", {}, ...value)];
  return h(
    "section",
    { class: "detail-report", "data-testid": "case-report" },
    h(
      "div",
      { class: "detail-status" },
      h("strong", { text: offenceName(report.offence) }),
      h("span", {
        class: `badge ${caseStatusClass(caseView.status)}`,
        "data-testid": "case-status",
        text: caseStatusName(caseView.status),
      }),
      caseView.clearance ? h("span", { class: "badge ok", text: t(`clearance.${caseView.clearance.by}`) }) : null,
    ),
    h(
      "dl",
      { class: "facts" },
      row("detail.case_id", h("span", { class: "mono select-all", "data-testid": "case-id", text: caseView.case_id })),
      row("detail.channel", channelName(report.channel), report.source ? ` · ${report.source}` : ""),
      row(
        "detail.occurred",
        occurred.from === occurred.to
          ? dateTime(occurred.from)
          : t("detail.occurred_window", { from: dateTime(occurred.from), to: dateTime(occurred.to) }),
      ),
      row("detail.reported", dateTime(caseView.reported_at, { seconds: true })),
      caseView.dispatched_at ? row("detail.dispatched", dateTime(caseView.dispatched_at, { seconds: true })) : null,
      caseView.resolved_at ? row("detail.resolved", dateTime(caseView.resolved_at, { seconds: true })) : null,
      caseView.clearance?.reason ? row("detail.closure", caseView.clearance.reason) : null,
      caseView.closure_reason ? row("detail.closure", caseView.closure_reason) : null,
      row(
        "detail.place",
        where.address ? h("div", { text: where.address }) : null,
        h("div", { class: "mono muted", text: `${where.lat}, ${where.lng}` }),
      ),
      row(
        "detail.precinct",
        h("span", { title: unitName(report.precinct), text: `${report.precinct} · ${unitName(report.precinct)}` }),
      ),
      report.description ? row("detail.description", h("span", { class: "prose", text: report.description })) : null,
      row(
        "detail.items",
        items.length
          ? h(
              "ul",
              { class: "plain" },
              items.map((item) =>
                h("li", {}, item.description, " ", h("span", { class: "num muted", text: money(item.value_cents) })),
              ),
            )
          : h("span", { class: "muted", text: t("detail.no_items") }),
      ),
      row(
        "detail.reporter",
        report.reporter
          ? [
              report.reporter.name || "",
              report.reporter.phone ? h("span", { class: "mono", text: ` ${report.reporter.phone}` }) : null,
            ]
          : h("span", { class: "muted", text: t("detail.no_reporter") }),
      ),
    ),
  );
}

/** Each task with its unit and the time of each step. */
export function tasksSection(caseView, unitName) {
  const order = (task) => TASK_KINDS.indexOf(task.kind);
  const tasks = [...caseView.tasks].sort((a, b) => order(a) - order(b));
  return h(
    "section",
    { "data-testid": "case-tasks" },
    h("h3", { text: t("detail.tasks") }),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "data compact" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", text: t("detail.task") }),
            h("th", { scope: "col", text: t("detail.unit") }),
            h("th", { scope: "col", text: t("detail.status") }),
            TASK_TIME_LABELS.map((key) => h("th", { scope: "col", text: t(key) })),
          ),
        ),
        h(
          "tbody",
          {},
          tasks.map((task) =>
            h(
              "tr",
              { "data-testid": "case-task", "data-kind": task.kind },
              h("th", { scope: "row", text: taskName(task.kind) }),
              h(
                "td",
                {},
                h("span", { title: unitName(task.unit), text: task.unit }),
                escalatedFrom(task).length
                  ? h("div", {
                      class: "muted small",
                      text: t("chip.from", { unit: escalatedFrom(task).join(t("list.separator")) }),
                    })
                  : null,
              ),
              h("td", {}, h("span", { class: `chip-status status-${task.status}`, text: taskStatusName(task.status) })),
              TASK_TIMES.map((key) =>
                h("td", { class: "num", title: dateTime(task[key], { seconds: true }), text: clockTime(task[key]) }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Recovered and returned property, when there is any. */
export function propertyLine(caseView) {
  const { recovered_cents: recovered = 0, returned_cents: returned = 0 } = caseView.property || {};
  if (!recovered && !returned) return null;
  return h(
    "p",
    { class: "property-line", "data-testid": "case-property" },
    h("strong", { text: `${t("detail.property")}: ` }),
    t("detail.recovered", { value: money(recovered) }),
    " · ",
    t("detail.returned", { value: money(returned) }),
  );
}

/** Every event: time, who (the envelope's actor), what in words. */
export function timelineSection(caseView) {
  return h(
    "section",
    { class: "timeline", "data-testid": "case-timeline" },
    h("h3", { text: t("detail.timeline") }),
    h(
      "table",
      { class: "data compact" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: t("detail.when") }),
          h("th", { scope: "col", text: t("detail.who") }),
          h("th", { scope: "col", text: t("detail.what") }),
        ),
      ),
      h(
        "tbody",
        {},
        caseView.timeline.map((event) =>
          h(
            "tr",
            { "data-testid": "timeline-event", "data-event-type": event.event_type },
            h("td", { class: "num nowrap", text: dateTime(event.recorded_at, { seconds: true }) }),
            h("td", { class: "nowrap", text: actorName(event.actor) }),
            h("td", { text: describe(event) }),
          ),
        ),
      ),
    ),
  );
}
