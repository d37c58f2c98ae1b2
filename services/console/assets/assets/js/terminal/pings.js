// Position pings: every 30 s while the page is open, the device's position goes to
// `POST /api/v1/units/{unit}/positions` as `{pings: [{at, lat, lng}]}` (services/hotspots).
//
// Policy: buffered best effort, not the command outbox. A ping is written to a small device buffer
// ("qc.terminal.pings.<unit>", the newest 500 kept: the server's batch limit) and the whole buffer
// is sent as one batch; a network error or 5xx keeps it for the next tick, a 2xx or a 4xx empties
// what was sent (a 4xx batch would never be accepted). The server drops duplicates, so a batch sent
// twice is harmless. Pings never block or delay task commands and are not counted as "queued".
// No geolocation, or permission denied: no pings, and the status bar says so.

import { api } from "../common/api.js";
import { load, save } from "./store.js";
import { serverTime } from "./clock.js";

const EVERY_MS = 30_000;
const MAX_PINGS = 500;

/**
 * Starts pinging for `unit`; `onState("on" | "denied" | "unsupported" | "off")`.
 * Returns `{stop()}`.
 */
export function startPings(unit, onState) {
  const key = `pings.${unit}`;
  let timer = null;
  let stopped = false;
  let sending = false;

  if (!("geolocation" in navigator)) {
    onState("unsupported");
    return { stop() {} };
  }

  function buffer() {
    return load(key, []);
  }

  function keep(list) {
    try {
      save(key, list.slice(-MAX_PINGS));
    } catch {
      // a full device loses pings, never commands
    }
  }

  async function send() {
    if (sending || navigator.onLine === false) return;
    const batch = buffer();
    if (!batch.length) return;
    sending = true;
    try {
      await api("POST", `/api/v1/units/${encodeURIComponent(unit)}/positions`, { pings: batch }, {
        redirectOn401: false,
      });
      forget(batch);
    } catch (error) {
      const status = typeof error?.status === "number" ? error.status : 0;
      if (status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) {
        console.warn("position pings refused", error?.problem || error);
        forget(batch);
      }
    } finally {
      sending = false;
    }
  }

  function forget(batch) {
    const sent = new Set(batch.map((p) => `${p.at}|${p.lat}|${p.lng}`));
    keep(buffer().filter((p) => !sent.has(`${p.at}|${p.lat}|${p.lng}`)));
  }

  function tick() {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        if (stopped) return;
        onState("on");
        const list = buffer();
        list.push({
          at: serverTime(position.timestamp || Date.now()).toISOString(),
          lat: round(position.coords.latitude),
          lng: round(position.coords.longitude),
        });
        keep(list);
        send();
      },
      (error) => {
        if (stopped) return;
        if (error.code === error.PERMISSION_DENIED) {
          onState("denied");
          stop();
        } else {
          onState("off");
          send(); // no fix this time; still deliver what is buffered
        }
      },
      { enableHighAccuracy: true, maximumAge: 15_000, timeout: 20_000 },
    );
  }

  function stop() {
    stopped = true;
    clearInterval(timer);
  }

  window.addEventListener("online", send);
  tick();
  timer = setInterval(tick, EVERY_MS);
  return { stop };
}

function round(x) {
  return Math.round(x * 1e6) / 1e6;
}
