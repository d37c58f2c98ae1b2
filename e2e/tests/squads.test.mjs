// The squads at work: every property and scene team and two precincts have their terminals open
// (one browser context each: a phone per person); the dispatcher files a report at the console; the
// three units it goes to get the task live, the others never see it; the precinct acknowledges and
// the console shows it; the scene team loses its network, taps "en route", reloads the page while
// offline, comes back, and the command lands exactly once.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { LOOP, Run, SOON, apiAs, caseOf, openTerminals, signIn, unitsOf, waitForText, waitUntil } from "../lib/qc.mjs";

const run = new Run("squads");
let admin;
let roster;
/** unit id -> { name, context, page } */
const terminals = new Map();
let console_;
let caseId;
let assigned; // { precinct, property, scene }
let filedAt;
let queuedCommand;

const card = (page, kind) => page.locator(`article[data-testid="task-${caseId}-${kind}"]`);
const anyCardOfCase = (page) => page.locator(`[data-testid^="task-${caseId}-"]`);
const boardChip = (kind) =>
  console_.page.locator(`[data-testid="case-row"][data-case-id="${caseId}"] [data-testid="task-chip"][data-kind="${kind}"]`);
const events = async (type) => (await caseOf(admin, caseId)).timeline.filter((e) => e.event_type === type);

describe("squads: terminals, live and offline", () => {
  before(async () => {
    await run.start();
    admin = await apiAs("admin");
    roster = await admin.get("/api/v1/roster");
  });

  after(async () => {
    await admin?.dispose();
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  test("the squads on duty sign in on their phones and their terminals go live", { timeout: 120_000 }, async () => {
    await run.step("terminals", async () => {
      const ofKind = (kind) => roster.units.filter((u) => u.kind === kind).map((u) => u.id);
      const precincts = ofKind("precinct");
      assert.ok(precincts.includes("D001") && precincts.length > 1, "the demo roster has District 1 and others");
      // District 1 (where the theft happens), another district, and every property and scene team:
      // dispatch picks the least-loaded team, so which one gets the task is known only afterwards.
      const units = ["D001", precincts.find((id) => id !== "D001"), ...ofKind("property"), ...ofKind("scene")];
      assert.ok(ofKind("property").length >= 2 && ofKind("scene").length >= 2, "several property and scene teams");

      for (const [unit, person] of await openTerminals(run, roster, units)) terminals.set(unit, person);
      for (const [unit, { page }] of terminals) {
        await waitForText(page.getByTestId("topbar-user"), unit);
        await page.locator('[data-testid="position-state"][data-state="on"]').waitFor({ timeout: 30_000 });
      }
      // A mark in each page: still there later means the page was never reloaded in between.
      for (const { page } of terminals.values()) await page.evaluate(() => (window.qcE2eSameDocument = true));
      await run.shot(terminals.get("D001").page, "terminal-D001-live");
    });
  });

  test("the dispatcher files a report at the console", { timeout: 90_000 }, async () => {
    await run.step("file", async () => {
      console_ = await run.person("console");
      const { page } = console_;
      await signIn(page, "dispatcher");
      await page.getByTestId("report-form").waitFor({ state: "visible", timeout: 30_000 });
      await page.getByTestId("intake-offence").selectOption("purse_snatching");
      await page.getByTestId("intake-lat").fill(String(LOOP.lat));
      await page.getByTestId("intake-lng").fill(String(LOOP.lng));
      await page.getByTestId("intake-address").fill("Union Station, Canal St entrance");
      await page.getByTestId("item-description").first().fill("Handbag");
      await page.getByTestId("item-value").first().fill("140");
      await page.getByTestId("intake-reporter-name").fill("Mei Lin");
      await page.getByTestId("intake-reporter-phone").fill("+1 312 555 0199");
      filedAt = Date.now();
      await page.getByTestId("intake-submit").click();
      const filed = page.getByTestId("filed-case");
      await waitForText(filed, "Case filed");
      caseId = await filed.getAttribute("data-case-id");
      assert.match(caseId, /^[0-9a-f-]{36}$/);
      assigned = unitsOf(await waitUntil("the case to be dispatched", async () => {
        const view = await caseOf(admin, caseId);
        return view.tasks.length === 3 && view;
      }));
      assert.equal(assigned.precinct, "D001");
      console.log(`case ${caseId} went to ${JSON.stringify(assigned)}`);
    });
  });

  test("the three units it went to get the task live, without a reload; no other unit sees it", { timeout: 90_000 }, async () => {
    await run.step("live", async () => {
      const seen = {};
      await Promise.all(
        Object.entries(assigned).map(async ([kind, unit]) => {
          const { page } = terminals.get(unit);
          await card(page, kind).waitFor({ state: "visible", timeout: SOON });
          seen[unit] = Date.now() - filedAt;
          assert.equal(await page.evaluate(() => window.qcE2eSameDocument), true, `${unit}'s terminal was reloaded`);
          assert.equal(await card(page, kind).getAttribute("data-status"), "assigned");
          await waitForText(card(page, kind).getByTestId("task-address"), "Union Station");
        }),
      );
      console.log(`task on the terminals after (ms): ${JSON.stringify(seen)}`);
      for (const unit of Object.values(assigned)) {
        await run.shot(terminals.get(unit).page, `terminal-${unit}-task-arrived`);
      }

      // Every other terminal is live too (so it would have had it by now) and shows nothing of it.
      const mine = new Set(Object.values(assigned));
      for (const [unit, { page }] of terminals) {
        if (mine.has(unit)) continue;
        await page.locator('[data-testid="link-state"][data-state="live"]').waitFor();
        assert.equal(await anyCardOfCase(page).count(), 0, `${unit}'s terminal shows the case`);
      }
      const other = [...terminals.keys()].find((unit) => unit !== "D001" && unit.startsWith("D"));
      await run.shot(terminals.get(other).page, `terminal-${other}-not-shown`);

      // And the server refuses another unit what its page does not show.
      const { context } = terminals.get(other);
      const feed = await context.request.get("/api/v1/units/D001/feed", { timeout: 10_000 });
      assert.equal(feed.status(), 403, "another unit's feed");
      const view = await context.request.get(`/api/v1/cases/${caseId}`, { timeout: 10_000 });
      assert.equal(view.status(), 403, "a case of another unit");
    });
  });

  test("the precinct acknowledges; the console's board shows it acknowledged, live", { timeout: 60_000 }, async () => {
    await run.step("acknowledge", async () => {
      const { page } = terminals.get(assigned.precinct);
      const task = card(page, "precinct");
      await task.getByTestId("action-acknowledge").click();
      await waitUntil("the precinct card to read acknowledged", async () => (await task.getAttribute("data-status")) === "acknowledged");
      await waitUntil("the board's precinct chip to turn acknowledged", async () => (await boardChip("precinct").getAttribute("data-status")) === "acknowledged");
      await waitForText(page.getByTestId("outbox-count"), /^0$/);
      assert.equal(await boardChip("property").getAttribute("data-status"), "assigned");
      assert.equal((await events("TaskAcknowledged")).length, 1);
      await run.shot(page, "terminal-precinct-acknowledged");
      await run.shot(console_.page, "console-board-acknowledged");
    });
  });

  test("the scene team goes offline, taps en route, reloads, comes back: it lands exactly once", { timeout: 120_000 }, async () => {
    const unit = () => assigned.scene;
    const person = () => terminals.get(unit());

    await run.step("offline", async () => {
      const { page, context } = person();
      // The page must be able to reload offline: the service worker controls it and holds the shell.
      await waitUntil(
        "the service worker to control the terminal and cache what it loaded",
        () =>
          page.evaluate(async () => {
            if (!navigator.serviceWorker.controller) return false;
            const name = (await caches.keys()).find((key) => key.startsWith("qc-terminal-"));
            if (!name) return false;
            const cache = await caches.open(name);
            const loaded = performance
              .getEntriesByType("resource")
              .map((entry) => new URL(entry.name))
              .filter((url) => url.origin === location.origin && !url.pathname.startsWith("/api/"))
              .map((url) => url.pathname);
            for (const path of ["/terminal", ...loaded]) if (!(await cache.match(path, { ignoreSearch: true }))) return false;
            return true;
          }),
        { timeout: 30_000 },
      );

      await context.setOffline(true);
      await page.locator('[data-testid="link-state"][data-state="offline"]').waitFor();
      await card(page, "scene").getByTestId("action-en_route").click();
      await waitForText(page.getByTestId("outbox-count"), /^1$/, { what: "the outbox to hold the command" });
      await card(page, "scene").getByTestId("task-queued").waitFor();
      await run.shot(page, "terminal-scene-offline-queued");
      assert.equal((await events("TaskEnRoute")).length, 0, "nothing reached the server while offline");
    });

    await run.step("reload offline", async () => {
      const { page } = person();
      const queued = await page.evaluate(() => JSON.parse(localStorage.getItem("qc.terminal.outbox") || "[]"));
      assert.equal(queued.length, 1);
      assert.equal(queued[0].action, "en_route");
      await page.reload({ waitUntil: "load" });
      await card(page, "scene").waitFor({ state: "visible" });
      await page.locator('[data-testid="link-state"][data-state="offline"]').waitFor();
      await waitForText(page.getByTestId("outbox-count"), /^1$/, { what: "the outbox to still hold the command after the reload" });
      await run.shot(page, "terminal-scene-reloaded-offline");
      assert.equal((await events("TaskEnRoute")).length, 0, "nothing reached the server while offline");
      queuedCommand = queued[0].command_id;
    });

    await run.step("back online", async () => {
      const { page, context } = person();
      await context.setOffline(false);
      await waitForText(page.getByTestId("outbox-count"), /^0$/, { timeout: 30_000, what: "the outbox to empty once online" });
      await waitUntil("the scene card to read en route", async () => (await card(page, "scene").getAttribute("data-status")) === "en_route", { timeout: 30_000 });
      await page.locator('[data-testid="link-state"][data-state="live"]').waitFor({ timeout: 30_000 });
      await waitUntil("the board's scene chip to turn en route", async () => (await boardChip("scene").getAttribute("data-status")) === "en_route");
      await run.shot(page, "terminal-scene-back-online");
      await run.shot(console_.page, "console-board-en-route");

      const enRoute = await events("TaskEnRoute");
      assert.equal(enRoute.length, 1, "exactly one TaskEnRoute");
      assert.equal(enRoute[0].data.task, "scene");
      assert.equal(enRoute[0].data.unit, unit());
      assert.equal(enRoute[0].causation_id, queuedCommand, "the event is the queued command's");
      // Still once after the terminal re-read the case (a late duplicate would show here).
      await page.reload({ waitUntil: "load" });
      await card(page, "scene").waitFor({ state: "visible" });
      await page.locator('[data-testid="link-state"][data-state="live"]').waitFor({ timeout: 30_000 });
      await waitForText(page.getByTestId("outbox-count"), /^0$/);
      assert.equal((await events("TaskEnRoute")).length, 1, "still exactly one TaskEnRoute");
    });
  });

  test("no page threw an error", () => {
    assert.deepEqual(run.pageErrors, []);
  });
});
