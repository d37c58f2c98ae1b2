// The squad terminal (/terminal): a unit's tasks, pushed live, worked from a phone, offline-safe.
//
// - tasks.js: the feed and each task's case state, kept on the device;
// - outbox.js: every command written to the device before it is sent, sent in order;
// - cards.js + forms.js: the cards; pings.js: position pings; advisories.js: near-repeat advisories;
// - statusbar.js: link state, outbox count, position, sound; alert.js: beep and vibration;
// - sw.js (at /sw.js, scope /terminal): the app shell cached, so a reload works offline.

import { register, t, applyTranslations } from "../common/i18n.js";
import { api } from "../common/api.js";
import { requireSession, topBar } from "../common/session.js";
import { strings } from "./strings.js";
import { h, fill } from "../common/dom.js";
import { load, save, StorageError } from "./store.js";
import * as outbox from "./outbox.js";
import { createTasks } from "./tasks.js";
import { sortTasks, queuedFor, isDone } from "./taskstate.js";
import { createCard, doneRow, dueText } from "./cards.js";
import { startPings } from "./pings.js";
import { startAdvisories } from "./advisories.js";
import { setServerClock } from "./clock.js";
import { createStatusBar } from "./statusbar.js";
import { newTaskCue, unlockOnFirstGesture } from "./alert.js";
import { toast } from "./toast.js";
import { describeProblem } from "./problems.js";

register(strings);
applyTranslations();
registerServiceWorker();
start().catch((error) => {
  console.error(error);
  fill(document.getElementById("main"), h("p", { class: "problem", role: "alert" }, String(error?.message || error)));
});

async function start() {
  const session = await signedIn();
  if (!session) return;
  topBar(session, "page.terminal");

  const status = createStatusBar(document.getElementById("statusbar"));
  unlockOnFirstGesture(() => status.setSound(true));

  const roster = loadRoster();
  const unit = await pickUnit(session, roster);
  if (!unit) return;
  document.body.dataset.unit = unit;
  // The top bar shows a squad member's unit; an administrator's is the one picked.
  const unitLabel = document.getElementById("unit-label");
  unitLabel.hidden = session.role === "squad";
  unitLabel.textContent = t("term.unit", { unit });
  window.addEventListener("qc:language", () => {
    unitLabel.textContent = t("term.unit", { unit });
  });

  outbox.start({ canSend: (entry) => session.role !== "squad" || entry.unit === session.unit });
  const model = createTasks(unit, {
    onChange: () => render(),
    onNew: (tasks) => {
      for (const task of tasks) task.fresh = true;
      newTaskCue();
      const first = tasks[0];
      toast(
        t("tasks.new_alert", {
          offence: first.report?.offence ? t(`offence.${first.report.offence}`) : "",
          address: first.report?.location?.address || t("card.no_address"),
        }),
        { kind: "new" },
      );
      render();
    },
    onLink: (state) => status.setLink(state),
    onSignedOut: () => status.setSignedOut(true),
  });

  outbox.subscribe((event) => {
    if (event.type === "refused") {
      toast(t("problem.refused", { what: describeProblem(event.error?.problem) }), { kind: "error" });
    }
    status.setOutbox(outbox.state());
  });
  status.setOutbox(outbox.state());

  // Pings: from a squad member's own device only (an administrator looking at a unit is not there).
  // After the roster, so the first ping is stamped on the server's clock.
  if (session.role === "squad") {
    roster.finally(() => startPings(unit, (state) => status.setPosition(state)));
  } else {
    status.setPosition("off");
  }

  let advisories = null;
  unitKind(unit, roster).then((kind) => {
    if (kind !== "precinct") return;
    advisories = startAdvisories(unit, document.getElementById("advisories"), {
      addressOf: (caseId) => model.all().find((task) => task.case_id === caseId)?.report?.location?.address,
    });
  });

  // --- rendering ------------------------------------------------------------------------------

  const list = document.getElementById("task-list");
  const empty = document.getElementById("tasks-empty");
  const checking = document.getElementById("tasks-checking");
  const doneSection = document.getElementById("done");
  const doneSummary = document.getElementById("done-summary");
  const doneList = document.getElementById("done-list");
  const cards = new Map();
  let pendingRender = false;

  const ctx = {
    act(task, action, fields) {
      try {
        model.act(task, action, fields);
      } catch (error) {
        if (error instanceof StorageError) {
          toast(error.message, { kind: "error" });
          return false;
        }
        throw error;
      }
      if (navigator.onLine === false) toast(t("form.saved_queued"), { kind: "queued" });
      return true;
    },
    dismiss(task, commandId) {
      model.dismissRefusal(task, commandId);
    },
    ackWindowSecs: () => load("settings", {}).ack_window_secs ?? null,
  };

  function render() {
    if (pendingRender) return;
    pendingRender = true;
    requestAnimationFrame(() => {
      pendingRender = false;
      draw();
    });
  }

  function draw() {
    const entries = outbox.entries();
    const active = [];
    const done = [];
    let unchecked = 0;
    for (const task of sortTasks(model.all(), entries)) {
      const queued = queuedFor(task, entries);
      const refused = (task.local || []).some((e) => e.state === "refused");
      if (!task.server && task.backlog && !task.withdrawn && !queued.length) unchecked += 1;
      else if (isDone(task, queued) && !queued.length && !refused) done.push(task);
      else active.push(task);
    }

    const keep = new Set(active.map((task) => task.key));
    for (const [key, card] of cards) {
      if (!keep.has(key)) {
        card.el.remove();
        cards.delete(key);
      }
    }
    active.forEach((task, index) => {
      let card = cards.get(task.key);
      if (card) card.update(task, entries);
      else {
        card = createCard(task, ctx);
        cards.set(task.key, card);
      }
      const at = list.children[index];
      if (at !== card.el) list.insertBefore(card.el, at || null);
    });

    empty.hidden = active.length > 0 || unchecked > 0;
    checking.hidden = unchecked === 0;
    checking.textContent = unchecked ? t("tasks.checking", { n: unchecked }) : "";

    doneSection.hidden = done.length === 0;
    doneSummary.textContent = t("tasks.done", { n: done.length });
    fill(doneList, done.slice(0, 30).map(doneRow));
    status.setOutbox(outbox.state());
  }

  window.addEventListener("qc:language", () => {
    for (const card of cards.values()) card.update();
    advisories?.render();
    render();
  });
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  setInterval(render, 30_000); // ages ("12 min ago")
  setInterval(() => {
    for (const el of document.querySelectorAll("[data-due]")) el.textContent = dueText(Number(el.dataset.due));
  }, 1000);
  render();
}

/** The signed-in user; offline, the one this device last saw (the server checks every request). */
async function signedIn() {
  const cached = load("session", null);
  if (navigator.onLine === false && cached) {
    document.body.classList.add("started-offline");
    return cached;
  }
  try {
    const session = await requireSession(["squad", "admin"]);
    if (session) save("session", session);
    return session;
  } catch (error) {
    if (cached && (error?.status === 0 || error instanceof TypeError)) {
      document.body.classList.add("started-offline");
      return cached;
    }
    throw error;
  }
}

/** The roster (units for an administrator, the server clock), or null offline. */
function loadRoster() {
  return api("GET", "/api/v1/roster", undefined, { redirectOn401: false })
    .then((roster) => {
      if (roster?.settings?.clock) setServerClock(roster.settings.clock);
      try {
        save("settings", { ack_window_secs: roster?.settings?.ack_window_secs ?? null });
      } catch {
        // asked again next time
      }
      const kinds = Object.fromEntries((roster?.units || []).map((u) => [u.id, u.kind]));
      try {
        save("unit_kinds", kinds);
      } catch {
        // asked again next time
      }
      return roster;
    })
    .catch(() => null);
}

async function unitKind(unit, roster) {
  const known = load("unit_kinds", {})[unit];
  if (known) return known;
  const loaded = await roster;
  return loaded?.units?.find((u) => u.id === unit)?.kind ?? null;
}

/** A squad member's own unit; an administrator picks one (kept in ?unit= and on the device). */
async function pickUnit(session, roster) {
  if (session.role === "squad") return session.unit;
  const params = new URLSearchParams(location.search);
  const chosen = params.get("unit") || load("admin_unit", null);
  const section = document.getElementById("unit-picker");
  section.hidden = false;
  const select = h("select", { id: "unit-select", "data-testid": "unit-picker", class: "unit-select" });
  const placeholder = h("option", { value: "", "data-i18n": "term.pick_unit_none" }, t("term.pick_unit_none"));
  select.append(placeholder);
  if (chosen) select.append(h("option", { value: chosen }, chosen));
  select.value = chosen || "";
  fill(
    section,
    h("p", { class: "muted", "data-i18n": "admin.pick_unit" }, t("admin.pick_unit")),
    h("label", { class: "field" }, h("span", { class: "label-text", "data-i18n": "term.pick_unit" }, t("term.pick_unit")), select),
  );
  roster.then((r) => {
    if (!r?.units) return;
    select.replaceChildren(placeholder);
    for (const u of r.units) {
      select.append(h("option", { value: u.id }, `${u.id} · ${u.name || ""} (${t(`kind.${u.kind}`)})`));
    }
    select.value = chosen || "";
  });
  select.addEventListener("change", () => {
    if (!select.value) return;
    try {
      save("admin_unit", select.value);
    } catch {
      // the URL carries it
    }
    const next = new URLSearchParams(location.search);
    next.set("unit", select.value);
    location.search = next.toString();
  });
  return chosen;
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/sw.js", { scope: "/terminal" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      // Cache exactly what this page loaded (modules imported by the shared ones included).
      const urls = performance
        .getEntriesByType("resource")
        .map((entry) => new URL(entry.name))
        .filter((url) => url.origin === location.origin && !url.pathname.startsWith("/api/"))
        .map((url) => url.pathname);
      registration.active?.postMessage({ type: "cache", urls: [location.pathname, ...urls] });
    })
    .catch((error) => console.warn("service worker", error));
}
