// Times, ages, durations and money in the current language (docs/console.md, "format.js").

import { language } from "./i18n.js";

const UNITS = {
  en: { d: "d", h: "h", min: "min", s: "s", sep: " " },
  "zh-CN": { d: "天", h: "小时", min: "分", s: "秒", sep: "" },
};

function units() {
  return UNITS[language()] || UNITS.en;
}

function toDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** "14:05:32" (`seconds: false`: "14:05"), local time; "" for null. */
export function clockTime(value, { seconds = true } = {}) {
  if (value == null) return "";
  const options = { hour: "2-digit", minute: "2-digit", hour12: false };
  if (seconds) options.second = "2-digit";
  return toDate(value).toLocaleTimeString(language(), options);
}

/** "06-01 14:05" (or "2024-06-01 14:05" in another year; `seconds` adds ":32"), local time; "" for null. */
export function dateTime(value, { seconds = false } = {}) {
  if (value == null) return "";
  const date = toDate(value);
  const options = { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };
  if (seconds) options.second = "2-digit";
  if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return date.toLocaleString(language(), options);
}

/** A `datetime-local` input's value for `date` (local time, to the minute). */
export function localInputValue(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "45 s", "3 min 20 s", "1 h 05 min", "2 d 3 h" (zh-CN: "3分20秒", "1小时05分"): two units at most. */
export function duration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return "";
  const u = units();
  const total = Math.max(0, Math.floor(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const part = (n, unit) => `${n}${u.sep}${u[unit]}`;
  const join = (...parts) => parts.join(u.sep ? " " : "");
  if (d > 0) return join(part(d, "d"), part(h, "h"));
  if (h > 0) return join(part(h, "h"), part(String(m).padStart(2, "0"), "min"));
  if (m > 0) return join(part(m, "min"), part(String(s).padStart(2, "0"), "s"));
  return part(s, "s");
}

/** How long ago `since` was, as a duration, at `now`. */
export function age(since, now = Date.now()) {
  if (since == null) return "";
  return duration((now - toDate(since).getTime()) / 1000);
}

/** Cents as money, "$1,234.50" (the roster's cities are American: dollars). */
export function money(cents, currency = "USD") {
  if (cents == null) return "";
  return new Intl.NumberFormat(language(), { style: "currency", currency }).format(cents / 100);
}

/** A count in the current language's digits and grouping. */
export function count(n) {
  return new Intl.NumberFormat(language()).format(n);
}
