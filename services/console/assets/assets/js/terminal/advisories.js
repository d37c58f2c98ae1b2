// Near-repeat advisories for a precinct unit's area: `GET /api/v1/units/{unit}/advisories`
// (server-sent events named "near_repeat_advisory", id = advisory id), shown as a dismissible
// list. Dismissed ids and the last advisories are kept on the device, so a reload (offline too)
// shows the same list; advisories whose period of raised risk is over (on the server's clock) go.
//
// api.js's live() delivers unnamed messages only, and these events are named, so this module
// opens its own EventSource (same reconnect rules: the browser resumes with Last-Event-ID; after
// a refusal it reopens with ?after=<last id>).

import { t } from "../common/i18n.js";
import { dateTime, count } from "../common/format.js";
import { h, fill } from "../common/dom.js";
import { load, save } from "./store.js";
import { serverTime } from "./clock.js";

const KEEP = 50;

/**
 * Shows `unit`'s advisories in `root`. `addressOf(caseId)` gives the address when the terminal
 * knows the case. Returns `{close(), render()}`.
 */
export function startAdvisories(unit, root, { addressOf }) {
  const key = `advisories.${unit}`;
  const stored = load(key, { last_id: null, items: [], dismissed: [] });
  let source = null;
  let retry = null;
  let delay = 2000;
  let closed = false;
  const summary = h("summary", { class: "advisories-title" });
  const body = h("div", { class: "advisories-body" });
  const details = h("details", { class: "advisories", "data-testid": "advisories" }, summary, body);
  let userToggled = false;
  summary.addEventListener("click", () => {
    userToggled = true;
  });

  function keep() {
    stored.items = stored.items.slice(-KEEP);
    stored.dismissed = stored.dismissed.slice(-KEEP * 4);
    try {
      save(key, stored);
    } catch {
      // shown, not kept
    }
  }

  function open() {
    const after = stored.last_id != null ? `?after=${encodeURIComponent(stored.last_id)}` : "";
    source = new EventSource(`/api/v1/units/${encodeURIComponent(unit)}/advisories${after}`, { withCredentials: true });
    source.onopen = () => {
      delay = 2000;
    };
    source.addEventListener("near_repeat_advisory", (event) => {
      let advisory;
      try {
        advisory = JSON.parse(event.data);
      } catch {
        return;
      }
      if (stored.items.some((a) => a.id === advisory.id)) return;
      stored.items.push(advisory);
      if (event.lastEventId) stored.last_id = event.lastEventId;
      keep();
      render();
    });
    source.onerror = () => {
      if (closed || source.readyState !== EventSource.CLOSED) return;
      retry = setTimeout(() => {
        if (!closed) open();
      }, delay);
      delay = Math.min(delay * 2, 60_000);
    };
  }

  function dismiss(id) {
    stored.dismissed.push(id);
    keep();
    render();
  }

  function render() {
    const now = serverTime().getTime();
    const dismissed = new Set(stored.dismissed);
    const shown = stored.items
      .filter((a) => !dismissed.has(a.id) && !(Date.parse(a.at_risk_until) < now))
      .sort((a, b) => b.id - a.id);
    root.hidden = false;
    if (!details.isConnected) fill(root, details);
    // Open while there are a few, until the user opens or closes it themselves.
    if (!userToggled) details.open = shown.length > 0 && shown.length <= 3;
    summary.textContent = t("advisories.title", { n: count(shown.length) });
    fill(
      body,
      shown.length
        ? h(
            "ul",
            { class: "advisory-list" },
            shown.map((a) =>
              h(
                "li",
                { class: "advisory", "data-testid": `advisory-${a.id}` },
                h(
                  "div",
                  { class: "advisory-text" },
                  h(
                    "p",
                    { class: "advisory-main" },
                    t("advisories.item", {
                      offence: t(`offence.${a.offence}`),
                      place: addressOf(a.case_id) || t("advisories.case", { id: a.case_id.slice(0, 8) }),
                      until: dateTime(a.at_risk_until),
                    }),
                  ),
                  h(
                    "p",
                    { class: "advisory-detail muted" },
                    t("advisories.detail", {
                      n: count(a.nearby_thefts),
                      expected: Number(a.expected).toFixed(1),
                      p: Number(a.p) < 0.001 ? "< 0.001" : Number(a.p).toFixed(3),
                    }),
                  ),
                ),
                h("button", { type: "button", class: "btn btn-secondary", "data-testid": "advisory-dismiss", onclick: () => dismiss(a.id) }, t("advisories.dismiss")),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("advisories.none")),
    );
  }

  window.addEventListener("online", () => {
    if (!closed && source?.readyState === EventSource.CLOSED) {
      clearTimeout(retry);
      open();
    }
  });

  render();
  open();
  return {
    render,
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}
