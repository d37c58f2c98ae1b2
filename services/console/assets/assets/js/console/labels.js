// Names for the API's codes (offences, channels, tasks, statuses, actors) and for roster ids.

import { t } from "../common/i18n.js";

export const CHANNELS = ["dispatcher", "doorplate", "alarm"];
export const TASK_KINDS = ["precinct", "property", "scene"];

export const offenceName = (code) => t(`offence.${code}`);
export const channelName = (code) => t(`channel.${code}`);
export const taskName = (kind) => t(`task.${kind}`);
export const taskStatusName = (status) => t(`task_status.${status}`);
export const caseStatusName = (status) => t(`case_status.${status}`);

/** "Dispatcher disp.chen", "Unit D001", "System (dispatch)". */
export function actorName(actor) {
  if (!actor) return "";
  return t(`actor.${actor.kind}`, { id: actor.id });
}

/** Roster lookups: a unit's or precinct's name by id, for titles beside the short ids. */
export function rosterNames(roster) {
  const names = new Map();
  for (const unit of roster.units || []) names.set(unit.id, unit.name);
  for (const precinct of roster.precincts || []) names.set(precinct.id, precinct.name);
  return (id) => names.get(id) || id;
}

/** The first block of a UUID: enough to tell cases apart on a board. */
export const shortId = (id) => String(id || "").slice(0, 8);

/** The status badge's colour class for a case. */
export function caseStatusClass(status) {
  return { open: "info", cleared: "ok", closed: "" }[status] ?? "";
}
