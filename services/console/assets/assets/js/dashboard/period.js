// Dates as the API reads them: `YYYY-MM-DD` is midnight UTC, windows are [from, to), weeks are
// ISO weeks (`2016-W05`, Monday to Sunday). The page shows `to` inclusive and sends the next day.

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a Date, in UTC. */
export function ymd(date) {
  return date.toISOString().slice(0, 10);
}

/** The Date (UTC midnight) of `YYYY-MM-DD`, or null. */
export function parseYmd(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text || "")) return null;
  const d = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function addDays(text, n) {
  const d = parseYmd(text);
  return d ? ymd(new Date(d.getTime() + n * DAY_MS)) : text;
}

/** The ISO week of a Date (UTC), `2016-W05`. */
export function isoWeek(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the week's Thursday decides its year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** `YYYY-MM-DD` of the Monday of an ISO week (`2016-W05`), or null. */
export function weekMonday(week) {
  const m = /^(\d{4})-W(\d{2})$/.exec(week || "");
  if (!m) return null;
  const jan4 = new Date(Date.UTC(Number(m[1]), 0, 4));
  const monday1 = jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * DAY_MS;
  return ymd(new Date(monday1 + (Number(m[2]) - 1) * 7 * DAY_MS));
}

/** The ISO weeks that overlap [from, to] (both `YYYY-MM-DD`, `to` inclusive), oldest first. */
export function weeksIn(from, to) {
  const start = parseYmd(from);
  const end = parseYmd(to);
  if (!start || !end || start > end) return [];
  const weeks = [];
  let monday = parseYmd(weekMonday(isoWeek(start)));
  while (monday <= end) {
    weeks.push(isoWeek(monday));
    monday = new Date(monday.getTime() + 7 * DAY_MS);
  }
  return weeks;
}

/**
 * The span of the data: from the Monday of the first week with a report to the last day with one
 * (the last week's Sunday, or the service's today when that is earlier). `weeks` are the
 * clearance groups by week; `now` the service clock (RFC 3339) if known.
 */
export function dataSpan(weeks, now) {
  const ids = weeks.map((g) => g.group).filter((w) => weekMonday(w)).sort();
  const today = now ? ymd(new Date(now)) : null;
  if (!ids.length) {
    const end = today || ymd(new Date());
    return { from: addDays(end, -27), to: end, empty: true };
  }
  const from = weekMonday(ids[0]);
  let to = addDays(weekMonday(ids[ids.length - 1]), 6);
  if (today && today < to && today >= from) to = today;
  return { from, to, empty: false };
}

/** A span of the last `days` days up to `span.to`, not before `span.from`. */
export function lastDays(span, days) {
  const from = addDays(span.to, -(days - 1));
  return { from: from < span.from ? span.from : from, to: span.to };
}

/** The days between two `YYYY-MM-DD`, inclusive. */
export function daysIn(from, to) {
  const a = parseYmd(from);
  const b = parseYmd(to);
  return a && b ? Math.round((b - a) / DAY_MS) + 1 : 0;
}
