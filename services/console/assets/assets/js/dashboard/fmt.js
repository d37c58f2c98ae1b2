// Shares and plain numbers in the current language (times, money and counts: common/format.js).

import { language } from "../common/i18n.js";

/** 0.314 -> "31.4%" (`digits` after the point); "—" for null. */
export function pct(share, digits = 1) {
  if (share === null || share === undefined || Number.isNaN(share)) return "—";
  return new Intl.NumberFormat(language(), {
    style: "percent",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(share);
}

/** A number with at most `digits` decimals; "—" for null. */
export function num(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return new Intl.NumberFormat(language(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

/** Hours of the day as ranges: [12, 13, 14, 18] -> "12–15, 18–19" (hours are UTC, as the API's). */
export function hourRanges(hours) {
  const sorted = [...new Set(hours.filter((h) => h >= 0 && h < 24))].sort((a, b) => a - b);
  const ranges = [];
  for (const hour of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === hour) last[1] = hour + 1;
    else ranges.push([hour, hour + 1]);
  }
  return ranges.map(([a, b]) => `${String(a).padStart(2, "0")}–${String(b).padStart(2, "0")}`).join(", ");
}
