// The server's clock, as the device can tell it. The demo runs on a fast simulated clock
// (`GET /api/v1/roster` -> settings.clock {now, speed}); real deployments run at speed 1 and the
// mapping then also absorbs the device's clock drift. Times the terminal writes (position pings,
// trajectory points) are on this clock, so the server never sees them "in the future".

import { load, save } from "./store.js";

let mapping = load("clock", null); // {server: ms, device: ms, speed}

/** Records the server clock read from the roster's settings.clock. */
export function setServerClock(clock) {
  const server = Date.parse(clock?.now);
  if (!Number.isFinite(server)) return;
  const speed = Number(clock.speed) > 0 ? Number(clock.speed) : 1;
  mapping = { server, device: Date.now(), speed };
  try {
    save("clock", mapping);
  } catch {
    // kept in memory only
  }
}

/** The server time at device time `deviceMs` (default: now), as a Date. */
export function serverTime(deviceMs = Date.now()) {
  if (!mapping) return new Date(deviceMs);
  return new Date(mapping.server + (deviceMs - mapping.device) * mapping.speed);
}

/** The device time at which the server clock shows `date` (for countdowns). */
export function deviceTime(date) {
  const ms = typeof date === "number" ? date : Date.parse(date);
  if (!mapping) return ms;
  return mapping.device + (ms - mapping.server) / mapping.speed;
}

export function speed() {
  return mapping?.speed ?? 1;
}
