// How fast the squads work and what they bring back (GET /api/v1/stats/operations): time to
// dispatch, to acknowledge, to scene; cases by channel; property reported, recovered, returned.

import { api } from "../common/api.js";
import { count, duration, money } from "../common/format.js";
import { t } from "../common/i18n.js";
import { h, fill } from "./dom.js";
import { amountRows, histogram } from "./charts.js";
import { pct } from "./fmt.js";
import { daysIn } from "./period.js";
import { problemText, table } from "./ui.js";

const $ = (id) => document.getElementById(id);
const TIMES = [
  ["dispatch", "time_to_dispatch"],
  ["acknowledge", "time_to_acknowledge"],
  ["scene", "time_to_scene"],
];
const CHANNELS = ["dispatcher", "doorplate", "alarm"];

/** A short axis label of a bucket bound in seconds: 30 s, 5 min, 2 h. */
function short(secs) {
  if (secs < 60) return t("dash.u_s", { n: secs });
  if (secs < 3600) return t("dash.u_min", { n: secs / 60 });
  return t("dash.u_h", { n: secs / 3600 });
}

export function createOperations(ctx) {
  let data = null;
  let error = null;
  let controller = null;

  async function update() {
    controller?.abort();
    controller = new AbortController();
    try {
      data = await ctx.track(api("GET", `/api/v1/stats/operations?${ctx.query()}`, undefined, { signal: controller.signal }));
      error = null;
    } catch (e) {
      if (e.name === "AbortError") return;
      error = e;
      data = null;
    }
    render();
  }

  function render() {
    if (error) {
      for (const id of ["kpi-cases", "kpi-dispatch", "kpi-scene", "kpi-returned"]) $(id).textContent = "—";
      fill($("chart-dispatch"), h("p", { class: "error", role: "alert", text: problemText(error) }));
      return;
    }
    if (!data) return;
    const f = ctx.filters;
    $("kpi-cases").textContent = count(data.cases);
    $("kpi-cases-note").textContent = t("dash.cases_note", {
      days: count(daysIn(f.from, f.to)),
      where: f.precinct || t("dash.citywide"),
    });
    for (const [key, field] of [["dispatch", "time_to_dispatch"], ["scene", "time_to_scene"]]) {
      const d = data[field];
      $(`kpi-${key}`).textContent = d.p50_secs === null ? "—" : duration(d.p50_secs);
      $(`kpi-${key}-note`).textContent = d.p90_secs === null ? "" : t("dash.p90_is", { p90: duration(d.p90_secs) });
    }
    const p = data.property;
    $("kpi-returned").textContent = money(p.returned_cents);
    $("kpi-returned-note").textContent = p.reported_cents
      ? t("dash.returned_note", { share: pct(p.returned_cents / p.reported_cents), reported: money(p.reported_cents) })
      : t("dash.nothing_reported");

    for (const [key, field] of TIMES) renderTimes(key, data[field]);
    renderChannels();
    renderProperty();
  }

  function renderTimes(key, d) {
    $(`stat-${key}`).textContent = d.count
      ? t("dash.dist_line", { n: count(d.count), p50: duration(d.p50_secs), p90: duration(d.p90_secs) })
      : t("dash.dist_none");
    let previous = 0;
    const buckets = d.buckets.map((b) => {
      const from = previous;
      previous = b.le_secs;
      const range = b.le_secs === null
        ? t("dash.range_over", { from: duration(from) })
        : from === 0 ? t("dash.range_upto", { to: duration(b.le_secs) }) : t("dash.range", { from: duration(from), to: duration(b.le_secs) });
      const share = d.count ? pct(b.count / d.count) : "—";
      return {
        label: b.le_secs === null ? `>${short(from)}` : short(b.le_secs),
        range,
        count: b.count,
        share,
        title: `${range}: ${count(b.count)} (${share})`,
      };
    });
    const chart = histogram({
      buckets,
      ariaLabel: t("dash.hist_aria", {
        what: t(`dash.time_to_${key}`),
        n: count(d.count),
        p50: d.p50_secs === null ? "—" : duration(d.p50_secs),
        p90: d.p90_secs === null ? "—" : duration(d.p90_secs),
      }),
    });
    fill($(`chart-${key}`), chart);
    fill($(`table-${key}`), table({
      caption: t(`dash.time_to_${key}`),
      columns: [
        { label: t("dash.col_time"), text: (b) => b.range },
        { label: t("dash.col_count"), num: true, text: (b) => count(b.count) },
        { label: t("dash.col_share"), num: true, text: (b) => b.share },
      ],
      rows: buckets,
    }));
  }

  function renderChannels() {
    const total = CHANNELS.reduce((sum, c) => sum + (data.by_channel[c] || 0), 0);
    const items = CHANNELS.map((c) => {
      const n = data.by_channel[c] || 0;
      return {
        label: t(`channel.${c}`),
        value: n,
        text: `${count(n)} · ${total ? pct(n / total, 0) : "—"}`,
        cls: `ch-${c}`,
      };
    });
    fill($("chart-channel"), amountRows({
      items,
      ariaLabel: t("dash.channel_aria", { list: items.map((i) => `${i.label} ${i.text}`).join("; ") }),
    }));
    fill($("table-channel"), table({
      caption: t("dash.by_channel"),
      columns: [
        { label: t("dash.col_channel"), text: (i) => i.label },
        { label: t("dash.col_count"), num: true, text: (i) => i.text },
      ],
      rows: items,
    }));
  }

  function renderProperty() {
    const p = data.property;
    const items = [
      ["reported", p.reported_cents],
      ["recovered", p.recovered_cents],
      ["returned", p.returned_cents],
    ].map(([key, cents]) => ({
      label: t(`dash.property_${key}`),
      value: cents,
      text: money(cents),
      cls: `prop-${key}`,
      title: `${t(`dash.property_${key}`)}: ${money(cents)}${p.reported_cents ? ` (${pct(cents / p.reported_cents)})` : ""}`,
    }));
    fill($("chart-property"), amountRows({
      items,
      ariaLabel: t("dash.property_aria", { list: items.map((i) => `${i.label} ${i.text}`).join("; ") }),
    }));
    fill($("table-property"), table({
      caption: t("dash.property"),
      columns: [
        { label: t("dash.col_what"), text: (i) => i.label },
        { label: t("dash.col_value"), num: true, text: (i) => i.text },
      ],
      rows: items,
    }));
  }

  return { update, render };
}
