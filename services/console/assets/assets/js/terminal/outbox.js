// The outbox: every task command is written to the device before it is sent, then sent in order.
//
// - An entry is `{command_id, case_id, task, unit, action, fields, queued_at, attempts, last_error}`;
//   the body sent is `{command_id, unit, action, ...fields}` (docs/api.md, task commands). The
//   command id is chosen once, when the entry is queued, so a retry is applied once at most.
// - Sent oldest first (of those this session may send: see canSend). A network error, a timeout, 408, 429 or a 5xx keeps the entry and retries
//   with backoff (1 s doubling to 60 s, with jitter); `online` and a 15 s tick try again too.
// - A 4xx problem drops the entry (it will never succeed) and reports it as "refused".
//   401 is different: the session ended, nothing is dropped, sending pauses until sign-in.
// - `applied: false` in a 200 answer means the command had already landed: it counts as sent.
// - Kept in localStorage ("qc.terminal.outbox"), which is written synchronously: an entry is on
//   the device before the request starts. Several tabs share it; a Web Lock (where available)
//   lets one tab send at a time, and each tab re-reads the stored list before every send.

import { api, uuid } from "../common/api.js";
import { load, save, onOtherTabChange } from "./store.js";

const KEY = "outbox";
const TICK_MS = 15_000;
const TIMEOUT_MS = 20_000;
const MAX_DELAY_MS = 60_000;

const listeners = new Set();
let flushing = false;
let delay = 0;
let retryAt = 0;
let retryTimer = null;
let pausedForSignIn = false;
let sending = null; // command_id of the request in flight
// Which entries this session may send: a squad member's own unit's. Entries queued on this device
// under another unit (a shared phone, another shift) wait for that unit to sign in again: sent by
// someone else they would be refused (403 other-unit) and lost.
let canSend = () => true;

/** The queued entries, oldest first. */
export function entries() {
  return load(KEY, []);
}

export function state() {
  const list = entries();
  const held = list.filter((e) => !canSend(e));
  return {
    count: list.length,
    held: held.length,
    heldUnits: [...new Set(held.map((e) => e.unit))],
    sending,
    pausedForSignIn,
    retryAt: retryAt > Date.now() ? retryAt : 0,
  };
}

/**
 * `fn(event)` for every change: `{type: "change"}`, `{type: "sent", entry, result}`,
 * `{type: "refused", entry, error}`. Returns an unsubscribe function.
 */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(event) {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (error) {
      console.error("outbox listener", error);
    }
  }
}

/**
 * Queues a command and starts sending. Throws `StorageError` when the device refuses to keep it
 * (then nothing was queued and nothing is sent).
 */
export function enqueue({ case_id, task, unit, action, fields = {} }) {
  const entry = {
    // crypto.randomUUID() where the page is a secure context; getRandomValues otherwise (api.js).
    command_id: uuid(),
    case_id,
    task,
    unit,
    action,
    fields,
    queued_at: new Date().toISOString(),
    attempts: 0,
    last_error: null,
  };
  const list = entries();
  list.push(entry);
  save(KEY, list); // on the device before anything is sent
  emit({ type: "change" });
  setTimeout(flush, 0);
  return entry;
}

export function body(entry) {
  return { command_id: entry.command_id, unit: entry.unit, action: entry.action, ...entry.fields };
}

function drop(commandId) {
  save(
    KEY,
    entries().filter((e) => e.command_id !== commandId),
  );
}

function update(commandId, change) {
  const list = entries();
  const found = list.find((e) => e.command_id === commandId);
  if (found) {
    Object.assign(found, change);
    save(KEY, list);
  }
}

/** Starts the timers and listeners; call once. `options.canSend(entry)`: see above. */
export function start(options = {}) {
  if (options.canSend) canSend = options.canSend;
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) flush();
  });
  window.addEventListener("online", () => {
    delay = 0;
    retryAt = 0;
    flush();
  });
  window.addEventListener("offline", () => emit({ type: "change" }));
  onOtherTabChange(KEY, () => emit({ type: "change" }));
  setInterval(() => {
    if (Date.now() >= retryAt) flush();
  }, TICK_MS);
  flush();
}

/** Signed in again (or asked to try anyway): resume sending. */
export function resume() {
  pausedForSignIn = false;
  delay = 0;
  retryAt = 0;
  flush();
}

/** Sends the queued entries in order until the list is empty or a send fails. */
export async function flush() {
  if (flushing || pausedForSignIn) return;
  if (!entries().some(canSend)) return;
  if (navigator.onLine === false) {
    emit({ type: "change" });
    return;
  }
  flushing = true;
  try {
    if (navigator.locks?.request) {
      // One tab sends; the others find the lock taken and leave it to that tab.
      await navigator.locks.request("qc.terminal.outbox", { ifAvailable: true }, async (lock) => {
        if (lock) await sendAll();
      });
    } else {
      await sendAll();
    }
  } finally {
    flushing = false;
    sending = null;
    emit({ type: "change" });
  }
}

function retryable(error) {
  const status = typeof error?.status === "number" ? error.status : 0;
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

async function sendAll() {
  for (;;) {
    const head = entries().find(canSend);
    if (!head) return;
    if (navigator.onLine === false) return;
    sending = head.command_id;
    emit({ type: "change" });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let result;
    try {
      result = await api(
        "POST",
        `/api/v1/cases/${encodeURIComponent(head.case_id)}/tasks/${encodeURIComponent(head.task)}/commands`,
        body(head),
        { signal: controller.signal, redirectOn401: false },
      );
    } catch (error) {
      clearTimeout(timer);
      if (error?.status === 401) {
        pausedForSignIn = true;
        return;
      }
      if (retryable(error)) {
        delay = Math.min(MAX_DELAY_MS, Math.max(1000, delay * 2));
        const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
        retryAt = Date.now() + wait;
        update(head.command_id, {
          attempts: (head.attempts || 0) + 1,
          last_error: error?.status ? `HTTP ${error.status}` : String(error?.name || "network"),
        });
        clearTimeout(retryTimer);
        retryTimer = setTimeout(flush, wait);
        return;
      }
      drop(head.command_id);
      emit({ type: "refused", entry: head, error });
      continue;
    }
    clearTimeout(timer);
    delay = 0;
    retryAt = 0;
    drop(head.command_id);
    emit({ type: "sent", entry: head, result });
  }
}
