// The analyst dashboard: clearance against its target, response times, and where thefts cluster
// (hot spots, camera blind spots, patrol gaps and presence, emerging trends) for a period and a
// precinct. Filters live in the URL (?from=&to=&precinct=&res=) so a view can be shared; every
// figure comes from the API.

import { api } from "../common/api.js";
import { applyTranslations, register, t } from "../common/i18n.js";
import { requireSession, topBar } from "../common/session.js";
import { clockTime } from "../common/format.js";
import { strings } from "./strings.js";
import { addDays, dataSpan, lastDays, parseYmd } from "./period.js";
import { createClearance } from "./clearance.js";
import { createOperations } from "./operations.js";
import { createHotspots } from "./hotspots.js";
import { createTrends } from "./trends.js";
import { createEmerging } from "./emerging.js";

register(strings);

const ROLES = ["analyst", "dispatcher", "admin"];
const RESOLUTIONS = ["7", "8", "9"];

async function session() {
  try {
    return await requireSession(ROLES);
  } catch (error) {
    // A server without sign-in (no session route): its routes are open, so is this page.
    if (error.status === 404) return { username: "—", display_name: "—", role: "analyst", unit: null };
    throw error;
  }
}

/** Counts requests in flight and says so in the status line. */
function statusLine(element) {
  let busy = 0;
  let failed = 0;
  let lastKey = "";
  const show = () => {
    if (busy > 0) {
      element.textContent = t("dash.loading");
      element.className = "dash-status busy";
    } else if (failed > 0) {
      element.textContent = t("dash.some_failed");
      element.className = "dash-status error";
    } else if (lastKey) {
      element.textContent = t("dash.updated", { time: lastKey });
      element.className = "dash-status";
    }
  };
  window.addEventListener("qc:language", show);
  return {
    /** Wraps a promise: the line reads "Loading…" until every wrapped promise settles. */
    track(promise) {
      if (busy === 0) failed = 0;
      busy += 1;
      show();
      return promise.then(
        (v) => v,
        (e) => {
          if (e?.name !== "AbortError") failed += 1;
          throw e;
        },
      ).finally(() => {
        busy -= 1;
        if (busy === 0) lastKey = clockTime(new Date());
        show();
      });
    },
  };
}

async function start() {
  const who = await session();
  topBar(who, "page.dashboard");
  applyTranslations();

  const form = document.getElementById("filters");
  const status = statusLine(document.getElementById("status"));
  const [roster, precinctsGeo, weeks] = await status.track(Promise.all([
    api("GET", "/api/v1/roster"),
    api("GET", "/api/v1/roster/precincts.geojson"),
    api("GET", "/api/v1/stats/clearance?group_by=week"),
  ]));
  const span = dataSpan(weeks.groups || [], roster.settings?.clock?.now);
  const precincts = [...(roster.precincts || [])].sort((a, b) => a.id.localeCompare(b.id));
  const names = new Map(precincts.map((p) => [p.id, p.name]));

  const select = form.elements.precinct;
  for (const p of precincts) select.append(new Option(`${p.id} · ${p.name}`, p.id));

  // Filters: the URL's, else the whole span of the data.
  const url = new URLSearchParams(location.search);
  const filters = {
    from: parseYmd(url.get("from")) ? url.get("from") : span.from,
    to: parseYmd(url.get("to")) ? url.get("to") : span.to,
    precinct: names.has(url.get("precinct")) ? url.get("precinct") : "",
    res: RESOLUTIONS.includes(url.get("res")) ? url.get("res") : "8",
  };
  if (filters.from > filters.to) [filters.from, filters.to] = [span.from, span.to];

  const ctx = {
    roster,
    names,
    precinctsGeo,
    span,
    filters,
    target: roster.settings?.clearance_target ?? 0.35,
    track: status.track,
    /** The query string of the filters: `from`, `to` (the day after the last shown), `precinct`, `res`. */
    query({ precinct = true, res = false, from = filters.from, to = filters.to, extra = {} } = {}) {
      const q = new URLSearchParams({ from, to: addDays(to, 1) });
      if (precinct && filters.precinct) q.set("precinct", filters.precinct);
      if (res) q.set("res", filters.res);
      for (const [k, v] of Object.entries(extra)) q.set(k, v);
      return q.toString();
    },
    /** Sets the precinct filter (from a chart) as if picked in the form. */
    pickPrecinct(id) {
      select.value = select.value === id ? "" : id;
      changed();
    },
  };

  const sections = [createClearance(ctx), createOperations(ctx), createHotspots(ctx), createTrends(ctx), createEmerging(ctx)];

  const writeForm = () => {
    form.elements.from.value = filters.from;
    form.elements.to.value = filters.to;
    form.elements.from.min = "2000-01-01";
    select.value = filters.precinct;
    form.elements.res.value = filters.res;
  };
  const writeUrl = () => {
    const q = new URLSearchParams({ from: filters.from, to: filters.to, res: filters.res });
    if (filters.precinct) q.set("precinct", filters.precinct);
    history.replaceState(null, "", `${location.pathname}?${q}`);
  };
  const refresh = () => {
    writeUrl();
    for (const section of sections) section.update();
  };

  function changed() {
    const from = form.elements.from.value;
    const to = form.elements.to.value;
    if (!parseYmd(from) || !parseYmd(to) || from > to) {
      form.elements.to.setCustomValidity(t("dash.bad_period"));
      form.elements.to.reportValidity();
      return;
    }
    form.elements.to.setCustomValidity("");
    Object.assign(filters, { from, to, precinct: select.value, res: form.elements.res.value });
    refresh();
  }

  form.addEventListener("change", changed);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    changed();
  });
  for (const button of form.querySelectorAll("[data-preset]")) {
    button.addEventListener("click", async () => {
      const preset = button.dataset.preset;
      // The data grows while the page is open (the demo replays 2016 live): measure it again.
      try {
        const [again, clock] = await status.track(Promise.all([
          api("GET", "/api/v1/stats/clearance?group_by=week"),
          api("GET", "/api/v1/roster"),
        ]));
        Object.assign(span, dataSpan(again.groups || [], clock.settings?.clock?.now));
      } catch {
        // Keep the span measured at load.
      }
      const range = preset === "all" ? span : lastDays(span, Number(preset));
      form.elements.from.value = range.from;
      form.elements.to.value = range.to;
      changed();
    });
  }
  window.addEventListener("qc:language", () => {
    for (const section of sections) section.render();
  });

  writeForm();
  refresh();
}

start().catch((error) => {
  const main = document.getElementById("main");
  const p = document.createElement("p");
  p.className = "dash-fatal";
  p.setAttribute("role", "alert");
  p.textContent = error?.status === 0 || !error?.status
    ? t("common.network_error")
    : t("common.server_error", { status: error.status });
  main.prepend(p);
});
