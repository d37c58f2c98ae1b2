// The live board: every open case (and those resolved in the last 24 hours) from
// `GET /api/v1/cases/live`, each with its three tasks; filters by precinct and status. Cases still
// without units past their `dispatch_due_at` and cases with an acknowledgement overdue come first,
// in red; escalated cases are marked.

import { h, fill } from "../common/dom.js";
import { age, clockTime, dateTime } from "../common/format.js";
import { t } from "../common/i18n.js";
import { isOverdue, taskChips, tickChip } from "./chips.js";
import { caseStatusClass, caseStatusName, channelName, offenceName, shortId } from "./labels.js";

/** More rows than this slow the page down and help nobody: the filters narrow it. */
const MAX_ROWS = 200;
/** How long a case filed from this console is marked "just filed" (real milliseconds). */
const FRESH_MS = 60_000;
/** Resolved cases stay on the board this long (server clock), as in the server's snapshot. */
const RESOLVED_KEPT_MS = 24 * 3600_000;

export function createBoard(elements, { unitName, now, onOpen }) {
  const { list, counts, more, link, precinct, status } = elements;
  const entries = new Map();
  const rows = new Map();
  const dirty = new Set();
  const fresh = new Map();
  const listeners = new Set();
  let overdueKey = "";
  let frame = 0;

  function upsert(entry) {
    entry.tasks ||= [];
    entries.set(entry.case_id, entry);
    dirty.add(entry.case_id);
    for (const listener of listeners) listener(entry);
    schedule();
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  const undispatched = (entry, at) =>
    entry.status === "open" && entry.dispatch_due_at != null && at > Date.parse(entry.dispatch_due_at);
  const overdue = (entry, at) => entry.status === "open" && entry.tasks.some((task) => isOverdue(task, at));
  const late = (entry, at) => undispatched(entry, at) || overdue(entry, at);
  const escalated = (entry) => entry.status === "open" && entry.escalations > 0;
  const needsAttention = (entry, at) => late(entry, at) || escalated(entry);

  function visible(entry, at) {
    if (precinct.value && entry.precinct !== precinct.value) return false;
    if (entry.resolved_at && at - Date.parse(entry.resolved_at) > RESOLVED_KEPT_MS) return false;
    switch (status.value) {
      case "open":
        return entry.status === "open";
      case "attention":
        return needsAttention(entry, at);
      case "resolved":
        return entry.status !== "open";
      default:
        return true;
    }
  }

  /** Reports without units and overdue acknowledgements first (someone must act now), then open
   * cases, then resolved ones. */
  function rank(entry, at) {
    if (entry.status !== "open") return 2;
    return late(entry, at) ? 0 : 1;
  }

  function render() {
    frame = 0;
    const at = now();
    for (const id of dirty) rows.delete(id);
    dirty.clear();
    const shown = [...entries.values()]
      .filter((entry) => visible(entry, at))
      .sort((a, b) => rank(a, at) - rank(b, at) || Date.parse(b.reported_at) - Date.parse(a.reported_at));
    const wanted = shown.slice(0, MAX_ROWS).map((entry) => {
      if (!rows.has(entry.case_id)) rows.set(entry.case_id, row(entry, at));
      return rows.get(entry.case_id);
    });
    place(wanted);
    if (!wanted.length)
      list.append(h("p", { class: "board-empty muted", "data-testid": "board-empty", text: t("board.empty") }));
    more.hidden = shown.length <= MAX_ROWS;
    more.textContent = t("board.more", { shown: MAX_ROWS, total: shown.length });
    renderCounts(at);
    overdueKey = overdueSignature(at);
  }

  /** Puts `wanted` in the list in order, moving only rows out of place (so focus mostly stays). */
  function place(wanted) {
    const keep = new Set(wanted);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    wanted.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
  }

  function row(entry, at) {
    const isFresh = fresh.has(entry.case_id) && Date.now() - fresh.get(entry.case_id) < FRESH_MS;
    const open = () => onOpen(entry.case_id, false);
    return h(
      "article",
      {
        class: [
          "case-row",
          late(entry, at) && "overdue",
          escalated(entry) && "escalated",
          entry.status !== "open" && "resolved",
          isFresh && "fresh",
        ]
          .filter(Boolean)
          .join(" "),
        role: "listitem",
        "data-testid": "case-row",
        "data-case-id": entry.case_id,
        "data-status": entry.status,
        "aria-label": `${offenceName(entry.offence)}, ${entry.address || ""}`,
      },
      h(
        "div",
        { class: "case-when" },
        h("time", {
          class: "num",
          datetime: entry.reported_at,
          title: dateTime(entry.reported_at, { seconds: true }),
          text: clockTime(entry.reported_at, { seconds: false }),
        }),
        h("span", { class: "case-age num muted", "data-since": entry.reported_at, text: age(entry.reported_at, at) }),
      ),
      h(
        "div",
        { class: "case-what" },
        h(
          "div",
          { class: "case-title" },
          h("strong", { text: offenceName(entry.offence) }),
          h("span", { class: "case-address", text: entry.address || "" }),
        ),
        h(
          "div",
          { class: "case-meta" },
          h("span", { class: "badge", title: entry.precinct, text: entry.precinct }),
          h("span", { class: "muted", text: channelName(entry.channel) }),
          h("span", { class: "mono muted", text: `#${shortId(entry.case_id)}` }),
          entry.status !== "open"
            ? h("span", {
                class: `badge ${caseStatusClass(entry.status)}`,
                "data-testid": "case-status",
                text: caseStatusName(entry.status),
              })
            : null,
          entry.escalations > 0
            ? h("span", {
                class: "badge warn",
                "data-testid": "case-escalated",
                text: t("board.escalated", { n: entry.escalations }),
              })
            : null,
          undispatched(entry, at)
            ? h("span", {
                class: "badge alert",
                "data-testid": "case-undispatched",
                text: t("board.undispatched"),
              })
            : null,
          isFresh ? h("span", { class: "badge violet", text: t("board.just_filed") }) : null,
        ),
      ),
      h("div", { class: "case-tasks" }, taskChips(entry, unitName, at)),
      h(
        "div",
        { class: "case-actions" },
        h("button", {
          type: "button",
          class: "button small",
          "data-testid": "case-details",
          onclick: open,
          text: t("board.details"),
        }),
        entry.status === "open"
          ? h("button", {
              type: "button",
              class: "button small",
              "data-testid": "case-resolve",
              onclick: () => onOpen(entry.case_id, true),
              text: t("board.resolve"),
            })
          : null,
      ),
    );
  }

  function renderCounts(at) {
    const inPrecinct = [...entries.values()].filter(
      (e) => e.status === "open" && (!precinct.value || e.precinct === precinct.value),
    );
    const waiting = inPrecinct.filter((e) => undispatched(e, at)).length;
    const tardy = inPrecinct.filter((e) => overdue(e, at)).length;
    const moved = inPrecinct.filter(escalated).length;
    fill(
      counts,
      h("span", {
        class: "badge info",
        "data-testid": "count-open",
        text: t("board.count_open", { n: inPrecinct.length }),
      }),
      waiting
        ? h("span", {
            class: "badge alert",
            "data-testid": "count-undispatched",
            text: t("board.count_undispatched", { n: waiting }),
          })
        : null,
      tardy
        ? h("span", {
            class: "badge alert",
            "data-testid": "count-overdue",
            text: t("board.count_overdue", { n: tardy }),
          })
        : null,
      moved
        ? h("span", {
            class: "badge warn",
            "data-testid": "count-escalated",
            text: t("board.count_escalated", { n: moved }),
          })
        : null,
    );
  }

  function overdueSignature(at) {
    return [...entries.values()]
      .filter((entry) => late(entry, at))
      .map((entry) => entry.case_id)
      .join();
  }

  /** Ages and deadlines move on; a case that just became late re-sorts the board. */
  function tick() {
    const at = now();
    for (const [id, since] of fresh) {
      if (Date.now() - since < FRESH_MS) continue;
      fresh.delete(id);
      dirty.add(id);
      schedule();
    }
    if (overdueSignature(at) !== overdueKey) {
      for (const id of entries.keys()) dirty.add(id);
      render();
      return;
    }
    for (const chip of list.querySelectorAll(".chip")) if (chip.task) tickChip(chip, at);
    for (const span of list.querySelectorAll("[data-since]")) span.textContent = age(span.dataset.since, at);
  }

  function redrawAll() {
    for (const id of entries.keys()) dirty.add(id);
    link.textContent = t(`board.${link.dataset.state}`);
    schedule();
  }

  precinct.addEventListener("change", redrawAll);
  status.addEventListener("change", redrawAll);
  window.addEventListener("qc:language", redrawAll);

  return {
    upsert,
    tick,
    get: (id) => entries.get(id),
    /** Calls `fn(entry)` on every change of any case. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    markFresh(id) {
      fresh.set(id, Date.now());
      if (entries.has(id)) {
        dirty.add(id);
        schedule();
      }
    },
    setLink(state) {
      link.dataset.state = state;
      link.textContent = t(`board.${state}`);
    },
  };
}
