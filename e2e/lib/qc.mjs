// What every end-to-end test shares: the server under test, the browser (Debian's chromium driven
// by playwright-core), signing in as a person does, API reads on the side, polling waits and
// screenshots.
//
// scripts/e2e starts a fresh `quickclear up` and sets:
//   QC_E2E_BASE_URL     the server, e.g. http://127.0.0.1:41234 (127.0.0.1: a secure context, so
//                       the terminal's service worker runs)
//   QC_E2E_SCREENSHOTS  where screenshots go (target/e2e-screenshots)
//   QC_E2E_CHROMIUM     the browser (default /usr/bin/chromium)
// Nothing here skips: a missing variable, browser or server is an error.

import { chromium, request } from "playwright-core";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the end-to-end tests with scripts/e2e (it starts the server and sets it)`);
  }
  return value;
}

export const BASE_URL = required("QC_E2E_BASE_URL").replace(/\/$/, "");
export const SCREENSHOTS = required("QC_E2E_SCREENSHOTS");
export const CHROMIUM = process.env.QC_E2E_CHROMIUM || "/usr/bin/chromium";
/** The demo accounts' password (infra/users/demo.toml, written in the README). */
export const PASSWORD = "quickclear-demo";
/** Inside District 1 (233 S Wacker Dr). */
export const LOOP = { lat: 41.8789, lng: -87.6359, address: "233 S Wacker Dr" };

/** How long a person waits for something that should happen "at once" (the machine may be busy). */
export const SOON = 15_000;

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Polls `fn` until it returns something truthy (returned), or fails after `timeout` ms saying `what`. */
export async function waitUntil(what, fn, { timeout = SOON, interval = 150 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? ` (last error: ${last.message})` : last === undefined ? "" : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`waited ${timeout / 1000} s for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Waits until the locator's text matches `expected` (string: contained; RegExp: matches); returns the text. */
export async function waitForText(locator, expected, { timeout = SOON, what } = {}) {
  const matches = (text) => (expected instanceof RegExp ? expected.test(text) : text.includes(expected));
  let seen = "";
  try {
    return await waitUntil(
      what || `${locator} to read ${expected}`,
      async () => {
        seen = (await locator.first().innerText({ timeout: 1_000 })).trim();
        return matches(seen) && seen;
      },
      { timeout },
    );
  } catch (error) {
    error.message += ` — it reads ${JSON.stringify(seen)}`;
    throw error;
  }
}

/** Waits until `locator` matches exactly `n` elements. */
export async function waitForCount(locator, n, { timeout = SOON, what } = {}) {
  return waitUntil(what || `${locator} to count ${n}`, async () => (await locator.count()) === n || null, { timeout });
}

/**
 * One area's run: a browser, the people using it (a context and page each), screenshots named
 * `<area>-<nn>-<step>.png`, and the page errors seen.
 */
export class Run {
  constructor(area) {
    this.area = area;
    this.browser = null;
    this.people = [];
    this.shots = [];
    this.pageErrors = [];
    this.counter = 0;
    this.broken = null;
    mkdirSync(SCREENSHOTS, { recursive: true });
  }

  async start() {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: scripts/e2e installs Debian's chromium`);
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 60_000 });
    return this;
  }

  /**
   * A person at their own device: a fresh browser context (cookies, storage, service workers);
   * `options` are more of Playwright's context options (geolocation, permissions, ...).
   */
  async person(name, { viewport = { width: 1280, height: 900 }, locale = "en-US", isMobile = false, ...options } = {}) {
    const context = await this.browser.newContext({ baseURL: BASE_URL, viewport, locale, isMobile, hasTouch: isMobile, ...options });
    context.setDefaultTimeout(SOON);
    context.setDefaultNavigationTimeout(30_000);
    const page = await context.newPage();
    page.on("pageerror", (error) => this.pageErrors.push(`${name} (${page.url()}): ${error.message}`));
    const person = { name, context, page };
    this.people.push(person);
    return person;
  }

  /** A screenshot of a page (full length) or of one element (a locator), as `<area>-<nn>-<step>.png`. */
  async shot(target, step) {
    this.counter += 1;
    const file = path.join(SCREENSHOTS, `${this.area}-${String(this.counter).padStart(2, "0")}-${step}.png`);
    const isPage = typeof target.goto === "function";
    await target.screenshot({ path: file, timeout: 30_000, ...(isPage ? { fullPage: true } : {}) });
    this.shots.push(file);
    return file;
  }

  /** Runs one step; after a failed step, later steps fail at once (never skipped silently). */
  async step(name, fn) {
    if (this.broken) throw new Error(`not run: the earlier step "${this.broken}" failed`);
    try {
      await fn();
    } catch (error) {
      this.broken = name;
      await this.failureShots(name);
      throw error;
    }
  }

  async failureShots(step) {
    const slug = step.replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 40);
    for (const { name, page } of this.people) {
      if (page.isClosed()) continue;
      const file = path.join(SCREENSHOTS, `${this.area}-FAILED-${slug}-${name}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        this.shots.push(file);
      } catch {
        // the page is gone: nothing to show
      }
    }
  }

  async close() {
    await this.browser?.close();
  }
}

/** Signs in through the sign-in page, as a person does; resolves once the role's page is loading. */
export async function signIn(page, username, password = PASSWORD, { next } = {}) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL((url) => url.pathname !== "/login", { timeout: 30_000 });
}

/** An API client signed in as `username` (for reading what the pages should show, and for set-up). */
export async function apiAs(username, password = PASSWORD) {
  const api = await request.newContext({ baseURL: BASE_URL, timeout: 30_000 });
  const signedIn = await api.post("/api/v1/session", { data: { username, password } });
  if (!signedIn.ok()) throw new Error(`sign-in as ${username}: HTTP ${signedIn.status()} ${await signedIn.text()}`);
  const call = async (method, url, data, headers = {}) => {
    const response = await api.fetch(url, { method, data, headers });
    const text = await response.text();
    if (!response.ok()) throw new Error(`${method} ${url} as ${username}: HTTP ${response.status()} ${text}`);
    return { status: response.status(), text, json: text ? JSON.parse(text) : null };
  };
  return {
    username,
    raw: api,
    get: async (url) => (await call("GET", url)).json,
    getText: async (url) => (await call("GET", url)).text,
    post: async (url, data, headers) => (await call("POST", url, data, headers)).json,
    /** Files a report as the API's clients do (a fresh Idempotency-Key each time). */
    report: (body) => call("POST", "/api/v1/reports", body, { "Idempotency-Key": randomUUID() }).then((r) => r.json),
    dispose: () => api.dispose(),
  };
}

/** The case as the API gives it to `api`'s user. */
export const caseOf = (api, caseId) => api.get(`/api/v1/cases/${caseId}`);

/** `{precinct: "D001", property: "PROP-2", scene: "SCENE-3"}` of a case view. */
export const unitsOf = (view) => Object.fromEntries(view.tasks.map((task) => [task.kind, task.unit]));

/** A squad member's username: the unit id in lower case (infra/users/demo.toml, [every_unit]). */
export const squadUser = (unit) => unit.toLowerCase();

/** A phone's screen, for the terminal pages. */
export const PHONE = { viewport: { width: 412, height: 915 }, isMobile: true };

/**
 * Signs in each unit's squad member on a phone of their own (which lets the terminal know where it
 * is: the unit's base) and waits until every terminal is live. A map from unit id to `run.person`.
 */
export async function openTerminals(run, roster, units) {
  const terminals = new Map();
  await Promise.all(
    units.map(async (unit) => {
      const { base } = roster.units.find((u) => u.id === unit);
      const person = await run.person(`terminal-${unit}`, { ...PHONE, geolocation: { latitude: base.lat, longitude: base.lng }, permissions: ["geolocation"] });
      terminals.set(unit, person);
      await signIn(person.page, squadUser(unit));
      assert.equal(new URL(person.page.url()).pathname, "/terminal", `${unit} lands on the terminal`);
    }),
  );
  for (const [unit, { page }] of terminals) {
    await page.locator(`body[data-unit="${unit}"]`).waitFor({ state: "attached", timeout: 30_000 });
    await page.locator('[data-testid="link-state"][data-state="live"]').waitFor({ timeout: 30_000 });
  }
  return terminals;
}
