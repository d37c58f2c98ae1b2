// A task as a chip: kind, unit, status and a ticking age; an acknowledgement past its due time
// (still `assigned` after `ack_due_at`) turns the chip red.

import { h } from "../common/dom.js";
import { clockTime, duration } from "../common/format.js";
import { t } from "../common/i18n.js";
import { TASK_KINDS, taskName, taskStatusName } from "./labels.js";

const STATUS_TIME = {
  assigned: "assigned_at",
  acknowledged: "acknowledged_at",
  en_route: "en_route_at",
  on_scene: "on_scene_at",
  cleared: "finished_at",
  released: "finished_at",
};

/** The units that did not acknowledge this task in time, oldest first. */
export const escalatedFrom = (task) => [].concat(task.escalated_from ?? []);

/** Whether `task` is still waiting for its acknowledgement past the due time, at `now` (ms). */
export function isOverdue(task, now) {
  return task.status === "assigned" && task.ack_due_at != null && now > Date.parse(task.ack_due_at);
}

/** The chip's time text at `now`. */
function timeText(task, now) {
  if (task.status === "cleared" || task.status === "released") {
    return t("chip.done_at", { time: clockTime(task.finished_at) });
  }
  if (task.status === "assigned" && task.ack_due_at) {
    const left = (Date.parse(task.ack_due_at) - now) / 1000;
    return left >= 0 ? t("chip.ack_in", { left: duration(left) }) : t("chip.overdue", { late: duration(-left) });
  }
  const since = task[STATUS_TIME[task.status]];
  return since ? duration((now - Date.parse(since)) / 1000) : "";
}

export function taskChip(task, unitName, now) {
  const time = h("span", { class: "chip-time num" });
  const chip = h(
    "div",
    {
      class: `chip status-${task.status}`,
      "data-testid": "task-chip",
      "data-kind": task.kind,
      "data-status": task.status,
    },
    h("span", { class: "chip-kind", text: taskName(task.kind) }),
    h("span", { class: "chip-unit", title: unitName(task.unit), text: task.unit }),
    h("span", { class: "chip-status", text: taskStatusName(task.status) }),
    time,
    escalatedFrom(task).length
      ? h("span", { class: "chip-from", text: t("chip.from", { unit: escalatedFrom(task).join(t("list.separator")) }) })
      : null,
  );
  chip.task = task;
  tickChip(chip, now);
  return chip;
}

/** Refreshes a chip's time and overdue mark. */
export function tickChip(chip, now) {
  const task = chip.task;
  chip.querySelector(".chip-time").textContent = timeText(task, now);
  const overdue = isOverdue(task, now);
  chip.classList.toggle("overdue", overdue);
  chip.dataset.overdue = overdue ? "true" : "false";
}

/** The three chips of a case (or a note while it waits for dispatch). */
export function taskChips(entry, unitName, now) {
  if (!entry.tasks?.length) {
    return [h("div", { class: "chip pending", "data-testid": "task-chip-pending", text: t("chip.not_dispatched") })];
  }
  const order = (task) => TASK_KINDS.indexOf(task.kind);
  return [...entry.tasks].sort((a, b) => order(a) - order(b)).map((task) => taskChip(task, unitName, now));
}
