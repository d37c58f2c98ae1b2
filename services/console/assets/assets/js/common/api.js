// fetch with JSON and problem+json errors, and server-sent events (docs/console.md, "api.js").

/** A refusal from the API: `problem` is the problem+json body (`type`, `title`, `status`, `detail`, `errors`). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem || { status };
    /** Seconds from a `Retry-After` header (429, 503), or null. */
    this.retryAfter = retryAfter;
  }

  /** The problem type's slug (`no-arrest`, `invalid-request`, ...), or "" for a network failure. */
  get slug() {
    return String(this.problem.type || "")
      .split("/")
      .pop();
  }
}

/** Sends the browser to sign in, coming back here afterwards. */
export function goToLogin() {
  const here = location.pathname + location.search + location.hash;
  location.assign(`/login?next=${encodeURIComponent(here)}`);
}

/** JSON in and out, with the session cookie. Resolves to the body (`null` for 204); rejects with `ApiError`. */
export async function api(method, path, body, { idempotencyKey, signal, redirectOn401 = true } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { type: "network", title: "Network error", detail: error.message });
  }
  if (response.status === 401 && redirectOn401) goToLogin();
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const retryAfter = Number.parseInt(response.headers.get("Retry-After"), 10);
    const problem = parsed || { status: response.status, detail: text };
    throw new ApiError(response.status, problem, Number.isNaN(retryAfter) ? null : retryAfter);
  }
  return parsed;
}

/**
 * Server-sent events on `path`; `onMessage(data, event)` gets each message's parsed data and
 * `onState("live" | "reconnecting")` the link's state. The browser reconnects by itself (with
 * Last-Event-ID) after a dropped connection; when it gives up (an error answer, e.g. a restart or an
 * expired session) this opens a new one after a pause, resuming with `?after=<last id>`, and a
 * signed-out user is sent to sign in.
 */
export function live(path, onMessage, { onState = () => {} } = {}) {
  let source = null;
  let lastId = "";
  let retry = null;
  let delay = 1000;
  let closed = false;

  const open = () => {
    const url = lastId ? `${path}${path.includes("?") ? "&" : "?"}after=${encodeURIComponent(lastId)}` : path;
    source = new EventSource(url, { withCredentials: true });
    source.onopen = () => {
      delay = 1000;
      onState("live");
    };
    source.onerror = () => {
      onState("reconnecting");
      if (source.readyState !== EventSource.CLOSED || closed) return;
      retry = setTimeout(async () => {
        await api("GET", "/api/v1/session").catch(() => null);
        if (!closed) open();
      }, delay);
      delay = Math.min(delay * 2, 30000);
    };
    source.onmessage = (event) => {
      if (event.lastEventId) lastId = event.lastEventId;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      onMessage(data, event);
    };
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source.close();
    },
  };
}

/** A fresh UUID (v4), for command ids and idempotency keys. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; plain-HTTP control rooms get the same from getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
