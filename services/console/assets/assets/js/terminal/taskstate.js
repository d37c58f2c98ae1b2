// A task's state as the terminal shows it (pure functions): the server's status moved on by what
// this device has queued or sent, whether it is finished, and the order of the list.

import * as outbox from "./outbox.js";

const RANK = { assigned: 0, acknowledged: 1, en_route: 2, on_scene: 3, cleared: 4, released: 4 };
const ACTION_STATUS = {
  acknowledge: "acknowledged",
  en_route: "en_route",
  on_scene: "on_scene",
  clear: "cleared",
};

/** The outbox entries of a task, oldest first. */
export function queuedFor(task, entries = outbox.entries()) {
  return entries.filter((e) => e.case_id === task.case_id && e.task === task.kind);
}

/** The task's status as the terminal shows it: the server's, moved on by what is queued or sent. */
export function effectiveStatus(task, queued = queuedFor(task)) {
  let status = task.server?.status || "assigned";
  const pending = [...(task.local || []).filter((e) => e.state === "sent"), ...queued];
  for (const entry of pending) {
    const next = ACTION_STATUS[entry.action];
    if (next && (RANK[next] ?? -1) > (RANK[status] ?? -1)) status = next;
  }
  return status;
}

/** Finished, withdrawn, held by another unit, or its case resolved. */
export function isDone(task, queued) {
  if (task.withdrawn) return true;
  const server = task.server;
  if (server?.missing) return true;
  if (server && (server.case_status && server.case_status !== "open")) return true;
  if (server?.holder && server.holder !== task.unit) return true;
  const status = effectiveStatus(task, queued);
  return status === "cleared" || status === "released";
}

export function needsAck(task, queued) {
  return !isDone(task, queued) && effectiveStatus(task, queued) === "assigned";
}

export function cmpDesc(a, b) {
  return String(b || "").localeCompare(String(a || ""));
}

/** Active tasks first (unacknowledged on top), newest first; then finished ones. */
export function sortTasks(tasks, entries = outbox.entries()) {
  const info = new Map(tasks.map((t) => {
    const queued = queuedFor(t, entries);
    return [t.key, { done: isDone(t, queued), ack: needsAck(t, queued) }];
  }));
  return [...tasks].sort((a, b) => {
    const x = info.get(a.key);
    const y = info.get(b.key);
    return Number(x.done) - Number(y.done) || Number(y.ack) - Number(x.ack) || cmpDesc(a.assigned_at, b.assigned_at);
  });
}
