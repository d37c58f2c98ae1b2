// Each case event in words, in the current language (docs/events.md has the payloads).

import { duration, money } from "../common/format.js";
import { t } from "../common/i18n.js";
import { channelName, offenceName, taskName } from "./labels.js";

const list = (values) => values.filter(Boolean).join(t("list.separator"));

function finding(data) {
  const f = data.finding || {};
  const unit = data.unit;
  switch (f.kind) {
    case "interview":
      return t("event.interview", { unit, person: f.person, statement: f.statement });
    case "canvass":
      return t("event.canvass", { unit, addresses: f.addresses_visited, notes: f.notes || "" });
    case "video_review":
      return t("event.video_review", {
        unit,
        cameras: (f.cameras || []).length,
        sightings: (f.trajectory || []).length,
        notes: f.notes || "",
      });
    case "scene_evidence":
      return t("event.scene_evidence", {
        unit,
        items: list((f.items || []).map((item) => `${evidenceKind(item.kind)} (${item.description})`)),
      });
    default:
      return t("event.finding_other", { unit, kind: f.kind });
  }
}

function evidenceKind(kind) {
  const key = `evidence.${kind}`;
  const words = t(key);
  return words === key ? kind : words;
}

/** What the event says, in a sentence. */
export function describe(envelope) {
  const data = envelope.data || {};
  const task = data.task ? taskName(data.task) : "";
  switch (envelope.event_type) {
    case "ReportReceived": {
      const report = data.report || {};
      const where = report.location?.address || `${report.location?.lat}, ${report.location?.lng}`;
      return t("event.ReportReceived", {
        channel: channelName(report.channel),
        offence: offenceName(report.offence),
        address: where,
      });
    }
    case "CaseDispatched":
      return t("event.CaseDispatched", {
        assignments: list(
          (data.assignments || []).map((a) => t("event.assignment", { task: taskName(a.task), unit: a.unit })),
        ),
      });
    case "TaskAcknowledged":
    case "TaskEnRoute":
    case "TaskOnScene":
    case "SuspectIdentified":
    case "ArrestMade":
    case "TaskCleared":
      return t(`event.${envelope.event_type}`, { ...data, task });
    case "FindingRecorded":
      return finding(data);
    case "PropertyRecovered":
    case "PropertyReturned":
      return t(`event.${envelope.event_type}`, {
        unit: data.unit,
        items: list(data.items || []),
        value: money(data.value_cents),
      });
    case "TaskEscalated":
      return t("event.TaskEscalated", { unit: data.unit, task, waited: duration(data.waited_seconds) });
    case "TaskReassigned":
      return t("event.TaskReassigned", { task, from: data.from_unit, unit: data.unit });
    case "CaseCleared":
      return t(`event.CaseCleared.${data.clearance?.by}`, { reason: data.clearance?.reason || "" });
    case "CaseClosed":
      return t("event.CaseClosed", { reason: data.reason });
    default:
      return t("event.unknown", { type: envelope.event_type });
  }
}
