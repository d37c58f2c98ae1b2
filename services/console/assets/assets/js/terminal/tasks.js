// The unit's tasks: the feed (`GET /api/v1/units/{unit}/feed`), each task's case state
// (`GET /api/v1/cases/{id}`), and what this device has queued or sent for it (outbox.js).
//
// Kept on the device ("qc.terminal.tasks.<unit>") with the feed's last event id, so a reload,
// offline or not, shows the same cards; items the device already has are skipped when the feed
// replays. While nothing is stored (first start on this device) the feed's backlog is taken in
// quietly: no beep for tasks from before the terminal was opened, and tasks whose case state is
// not read yet are counted ("checking …") rather than shown as open.

import { api, live } from "../common/api.js";
import { load, save } from "./store.js";
import * as outbox from "./outbox.js";
import { isDone, cmpDesc } from "./taskstate.js";

const FETCH_CONCURRENCY = 3;
const REFRESH_EVERY_MS = 90_000;
const STALE_MS = 60_000;
const QUIET_MS = 1500;
const KEEP_FINISHED = 60;

const LOGGED = new Set([
  "TaskAcknowledged",
  "TaskEnRoute",
  "TaskOnScene",
  "FindingRecorded",
  "SuspectIdentified",
  "ArrestMade",
  "PropertyRecovered",
  "PropertyReturned",
  "TaskCleared",
  "TaskEscalated",
  "TaskReassigned",
]);

export function taskKey(caseId, kind) {
  return `${caseId}:${kind}`;
}

/**
 * Follows `unit`'s feed. Callbacks: `onChange()` (anything to redraw), `onNew(tasks)` (tasks that
 * arrived live), `onLink("live" | "reconnecting")`, `onSignedOut()`.
 */
export function createTasks(unit, { onChange, onNew, onLink, onSignedOut }) {
  const storeKey = `tasks.${unit}`;
  const data = load(storeKey, null) || { last_event_id: null, tasks: {} };
  let syncing = data.last_event_id == null;
  let quietTimer = null;
  let connection = null;
  let link = "reconnecting";
  const fetchQueue = new Set();
  const fetching = new Set();
  let saveTimer = null;
  let changeTimer = null;
  let fresh = [];

  function persist(now = false) {
    clearTimeout(saveTimer);
    const write = () => {
      prune();
      try {
        save(storeKey, data);
      } catch (error) {
        console.warn(error.message);
      }
    };
    if (now) write();
    else saveTimer = setTimeout(write, 300);
  }

  function changed() {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(() => onChange(), syncing ? 250 : 16);
  }

  function endSyncSoon() {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => {
      if (!syncing) return;
      syncing = false;
      persist(true);
      changed();
    }, QUIET_MS);
  }

  // --- the feed -------------------------------------------------------------------------------

  function connect() {
    connection?.close();
    // No ?after= here: live() adds its own when it reopens a connection the browser gave up on,
    // and the server refuses a repeated `after`. The feed replays the unit's items on a new page
    // load; those this device already has (id <= last_event_id) are skipped.
    const path = `/api/v1/units/${encodeURIComponent(unit)}/feed`;
    setLink("reconnecting");
    connection = live(path, onItem, {
      onState: (state) => {
        setLink(state);
        if (state === "live") {
          if (syncing) endSyncSoon();
          refreshStale();
        }
      },
    });
  }

  function setLink(state) {
    if (state === link) return;
    link = state;
    onLink(state);
  }

  function onItem(item, event) {
    const id = event?.lastEventId ? Number(event.lastEventId) : null;
    if (id != null && data.last_event_id != null && id <= data.last_event_id) return;
    if (item?.type === "task_assigned") assigned(item);
    else if (item?.type === "task_withdrawn") withdrawn(item);
    if (id != null && Number.isFinite(id)) data.last_event_id = id;
    if (syncing) endSyncSoon();
    persist();
    changed();
  }

  function assigned(item) {
    const key = taskKey(item.case_id, item.task);
    const existing = data.tasks[key];
    const again = existing && (existing.withdrawn || existing.assigned_at !== item.assigned_at);
    if (existing && !again) return;
    const task = {
      key,
      case_id: item.case_id,
      kind: item.task,
      unit: item.unit,
      assigned_at: item.assigned_at,
      reported_at: item.reported_at,
      escalated_from: item.escalated_from ?? null,
      report: trimReport(item.report),
      withdrawn: null,
      server: null,
      local: existing?.local ?? [],
      backlog: syncing,
      received_at: Date.now(),
    };
    data.tasks[key] = task;
    fetchSoon(key);
    if (!syncing) {
      fresh.push(task);
      clearTimeout(assigned.timer);
      assigned.timer = setTimeout(() => {
        const list = fresh;
        fresh = [];
        if (list.length) onNew(list);
      }, 300);
    }
  }

  function withdrawn(item) {
    const task = data.tasks[taskKey(item.case_id, item.task)];
    if (!task) return;
    task.withdrawn = { reason: item.reason, at: new Date().toISOString() };
    fetchSoon(task.key);
  }

  // --- case state -----------------------------------------------------------------------------

  function fetchSoon(key) {
    fetchQueue.add(key);
    setTimeout(pump, 0);
  }

  function pump() {
    if (navigator.onLine === false) return;
    while (fetching.size < FETCH_CONCURRENCY && fetchQueue.size) {
      // Newest and open tasks first: they are the ones on screen.
      const next = [...fetchQueue]
        .map((key) => data.tasks[key])
        .filter(Boolean)
        .sort((a, b) => Number(isDone(a)) - Number(isDone(b)) || cmpDesc(a.assigned_at, b.assigned_at))[0];
      if (!next) {
        fetchQueue.clear();
        return;
      }
      fetchQueue.delete(next.key);
      fetching.add(next.key);
      fetchCase(next).finally(() => {
        fetching.delete(next.key);
        pump();
      });
    }
  }

  async function fetchCase(task) {
    const started = Date.now();
    let view;
    try {
      view = await api("GET", `/api/v1/cases/${encodeURIComponent(task.case_id)}`, undefined, {
        redirectOn401: false,
      });
    } catch (error) {
      if (error?.status === 401) onSignedOut();
      else if (error?.status === 404) {
        task.server = { missing: true, fetched_at: Date.now() };
        persist();
        changed();
      }
      return;
    }
    const current = data.tasks[task.key];
    if (!current || !view) return;
    current.server = caseState(view, task.kind);
    // What this device sent before this read is now in the case's own record (or was a no-op):
    // forget the copy.
    current.local = (current.local || []).filter((entry) => entry.state === "refused" || Date.parse(entry.at) >= started);
    persist();
    changed();
  }

  function refreshStale(force = false) {
    for (const task of Object.values(data.tasks)) {
      if (isDone(task) && task.server) continue;
      if (force || !task.server || Date.now() - (task.server.fetched_at || 0) > STALE_MS) {
        fetchQueue.add(task.key);
      }
    }
    pump();
  }

  setInterval(() => refreshStale(), REFRESH_EVERY_MS);
  window.addEventListener("online", () => {
    refreshStale(true);
    // The browser's own retries back off for up to 30 s; the link is back now.
    if (link !== "live") connect();
  });

  // --- outbox results -------------------------------------------------------------------------

  outbox.subscribe((event) => {
    if (event.type === "change") {
      changed();
      return;
    }
    const task = data.tasks[taskKey(event.entry.case_id, event.entry.task)];
    if (!task) return;
    task.local = task.local || [];
    if (event.type === "sent") {
      task.local.push({
        command_id: event.entry.command_id,
        action: event.entry.action,
        fields: event.entry.fields,
        state: "sent",
        at: new Date().toISOString(),
        applied: event.result?.applied,
      });
      if (event.result?.status && task.server) {
        task.server.status = event.result.status;
      }
      fetchSoon(task.key);
    } else if (event.type === "refused") {
      task.local.push({
        command_id: event.entry.command_id,
        action: event.entry.action,
        fields: event.entry.fields,
        state: "refused",
        at: new Date().toISOString(),
        problem: event.error?.problem || { status: event.error?.status, title: String(event.error?.message || "") },
      });
      task.local = task.local.filter((e) => e.state !== "refused").concat(task.local.filter((e) => e.state === "refused").slice(-5));
      fetchSoon(task.key);
    }
    persist(true);
    changed();
  });

  // --- pruning --------------------------------------------------------------------------------

  function prune() {
    const queued = new Set(outbox.entries().map((e) => taskKey(e.case_id, e.task)));
    const finished = Object.values(data.tasks)
      .filter((t) => isDone(t) && !queued.has(t.key))
      .sort((a, b) => cmpDesc(a.assigned_at, b.assigned_at));
    for (const task of finished.slice(KEEP_FINISHED)) delete data.tasks[task.key];
  }

  // --- the API for the page -------------------------------------------------------------------

  connect();
  refreshStale();

  return {
    unit,
    get syncing() {
      return syncing;
    },
    get link() {
      return link;
    },
    all() {
      return Object.values(data.tasks);
    },
    get(key) {
      return data.tasks[key];
    },
    /** Queues `action` on `task`; throws StorageError when the device cannot keep it. */
    act(task, action, fields = {}) {
      const entry = outbox.enqueue({ case_id: task.case_id, task: task.kind, unit, action, fields });
      persist(true);
      changed();
      return entry;
    },
    dismissRefusal(task, commandId) {
      task.local = (task.local || []).filter((e) => e.command_id !== commandId);
      persist(true);
      changed();
    },
    reconnect() {
      connect();
    },
    close() {
      connection?.close();
    },
  };
}

/** What the terminal keeps of a report: enough for the card, nothing it does not show. */
function trimReport(report) {
  if (!report) return null;
  return {
    channel: report.channel,
    source: report.source ?? null,
    occurred: report.occurred,
    location: report.location
      ? { lat: report.location.lat, lng: report.location.lng, address: report.location.address ?? null }
      : null,
    precinct: report.precinct,
    offence: report.offence,
    description: report.description || "",
    items: report.items || [],
    reporter: report.reporter ?? null,
  };
}

/** The case as one task sees it: its status and times, the case's status, and its record. */
function caseState(view, kind) {
  const task = (view.tasks || []).find((t) => t.kind === kind);
  const log = [];
  const recovered = [];
  for (const entry of view.timeline || []) {
    const type = entry.event_type;
    const payload = entry.data || {};
    if (type === "PropertyRecovered") recovered.push({ items: payload.items || [], value_cents: payload.value_cents || 0 });
    const mine = payload.task === kind;
    if ((mine && LOGGED.has(type)) || type === "CaseCleared" || type === "CaseClosed") {
      const { task: _t, ...rest } = payload;
      log.push({
        event_type: type,
        recorded_at: entry.recorded_at,
        causation_id: entry.causation_id,
        actor: entry.actor?.id ?? null,
        data: rest,
      });
    }
  }
  return {
    fetched_at: Date.now(),
    version: view.version,
    case_status: view.status,
    clearance: view.clearance ?? null,
    closure_reason: view.closure_reason ?? null,
    status: task?.status ?? null,
    holder: task?.unit ?? null,
    assigned_at: task?.assigned_at ?? null,
    acknowledged_at: task?.acknowledged_at ?? null,
    en_route_at: task?.en_route_at ?? null,
    on_scene_at: task?.on_scene_at ?? null,
    finished_at: task?.finished_at ?? null,
    property: view.property ?? null,
    recovered,
    log: log.slice(-40),
    reporter: view.report?.reporter ?? null,
  };
}
