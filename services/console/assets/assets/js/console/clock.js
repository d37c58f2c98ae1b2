// The server's clock. The demo runs on a fast simulated clock (`settings.clock` in /api/v1/roster),
// so ages and deadlines are measured by it, not by the wall clock.

let base = { server: Date.now(), local: Date.now(), speed: 1 };

/** Sets the clock from the roster's `settings.clock: {now, speed}` (absent: the wall clock). */
export function syncClock(clock) {
  const server = Date.parse(clock?.now);
  if (Number.isNaN(server)) return;
  base = { server, local: Date.now(), speed: Number(clock.speed) > 0 ? Number(clock.speed) : 1 };
}

/** The server's time now, in milliseconds since the epoch. */
export function serverNow() {
  return base.server + (Date.now() - base.local) * base.speed;
}

/** A `Date` on the server's clock, e.g. for the form's "now". */
export function serverDate() {
  return new Date(serverNow());
}

/** Real milliseconds between ticks that show whole seconds on the server's clock. */
export function tickMillis() {
  return Math.max(100, Math.round(1000 / base.speed));
}
