// Resolving cases from the console releases every unit on them: two reports in District 1; on the
// first the precinct acknowledges and records an arrest on its terminal, and the dispatcher clears
// it by arrest through the case's Resolve form; the second is refused a clearance by arrest (none
// recorded) and a closure without a reason, then closed administratively as a duplicate. The board
// drops both from "Open" and lists them under "Resolved", the API has the right status and
// clearance, and each unit's terminal that held one of their tasks sees it withdrawn, live.
//
// Also: the browser's language is the default. A browser set to Simplified Chinese gets the sign-in
// page, the console and the terminal in Chinese without touching the language switch.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { LOOP, PHONE, Run, apiAs, caseOf, openTerminals, signIn, squadUser, unitsOf, waitForCount, waitForText, waitUntil } from "../lib/qc.mjs";


describe("resolve: clearing or closing a case releases every unit on it", () => {
  const run = new Run("resolve");
  let admin;
  let dispatcherApi;
  let roster;
  let console_;
  /** unit id -> { name, context, page } */
  const terminals = new Map();
  /** The two cases: { id, units: {precinct, property, scene} } */
  const arrested = {};
  const duplicate = {};
  let openBefore;

  const boardRow = (caseId) => console_.page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`);
  const card = (page, caseId, kind) => page.locator(`article[data-testid="task-${caseId}-${kind}"]`);
  const doneRow = (page, caseId, kind) => page.locator(`[data-testid="done-list"] [data-testid="task-${caseId}-${kind}"]`);
  const events = async (caseId, type) => (await caseOf(admin, caseId)).timeline.filter((e) => e.event_type === type);
  const openCount = async () => {
    const text = await waitForText(console_.page.getByTestId("count-open"), /^\d+ open$/);
    return Number(text.split(" ")[0]);
  };

  /** Opens the terminal's "Finished and withdrawn" list, as the squad member would to look. */
  async function openDoneList(page) {
    const details = page.locator("#done details");
    if (!(await details.evaluate((el) => el.open))) await page.locator("#done-summary").click();
    await page.getByTestId("done-list").waitFor({ state: "visible" });
  }

  /** Every terminal that held a task of `which` shows it withdrawn for `reason`, and no card of it. */
  async function withdrawnEverywhere(which, reason, step) {
    for (const [kind, unit] of Object.entries(which.units)) {
      const { page } = terminals.get(unit);
      await doneRow(page, which.id, kind).waitFor({ state: "attached" });
      await openDoneList(page);
      await waitForText(doneRow(page, which.id, kind), `Withdrawn: ${reason}`, { what: `${unit}'s ${kind} task to read withdrawn (${reason})` });
      await waitForCount(card(page, which.id, kind), 0, { what: `${unit}'s ${kind} card of the case to leave the open tasks` });
      assert.equal(await doneRow(page, which.id, kind).getAttribute("data-status"), "done");
      assert.equal(await page.evaluate(() => window.qcE2eSameDocument), true, `${unit}'s terminal was reloaded`);
    }
    for (const unit of new Set(Object.values(which.units))) {
      await run.shot(terminals.get(unit).page, `terminal-${unit}-${step}`);
    }
  }

  before(async () => {
    await run.start();
    admin = await apiAs("admin");
    dispatcherApi = await apiAs("dispatcher");
    roster = await admin.get("/api/v1/roster");
  });

  after(async () => {
    await dispatcherApi?.dispose();
    await admin?.dispose();
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  test("two reports in District 1 are dispatched; the units they went to have them on their terminals", { timeout: 120_000 }, async () => {
    await run.step("file and open terminals", async () => {
      const file = (address, offence, item) =>
        dispatcherApi.report({
          occurred: { at: new Date(Date.now() - 10 * 60_000).toISOString() },
          location: { ...LOOP, address },
          offence,
          description: `e2e resolve: ${item} taken`,
          items: [{ description: item, value_cents: 4500 }],
        });
      arrested.id = (await file("Ogilvie Center, Madison St doors", "pickpocketing", "Phone")).case_id;
      duplicate.id = (await file("Ogilvie Center, Canal St doors", "pickpocketing", "Phone (same call again)")).case_id;
      for (const which of [arrested, duplicate]) {
        which.units = unitsOf(
          await waitUntil(`case ${which.id} to be dispatched`, async () => {
            const view = await caseOf(admin, which.id);
            return view.tasks.length === 3 && view;
          }),
        );
        assert.equal(which.units.precinct, "D001");
      }
      console.log(`cleared by arrest: ${arrested.id} ${JSON.stringify(arrested.units)}; closed: ${duplicate.id} ${JSON.stringify(duplicate.units)}`);

      const units = new Set([...Object.values(arrested.units), ...Object.values(duplicate.units)]);
      for (const [unit, person] of await openTerminals(run, roster, [...units])) terminals.set(unit, person);
      for (const [unit, { page }] of terminals) {
        for (const which of [arrested, duplicate]) {
          for (const [kind, holder] of Object.entries(which.units)) {
            if (holder !== unit) continue;
            await card(page, which.id, kind).waitFor({ state: "visible", timeout: 30_000 });
            assert.equal(await card(page, which.id, kind).getAttribute("data-status"), "assigned");
          }
        }
        // A mark in each page: still there later means the withdrawal came live, without a reload.
        await page.evaluate(() => (window.qcE2eSameDocument = true));
      }
      await run.shot(terminals.get("D001").page, "terminal-D001-two-tasks");
    });
  });

  test("the precinct acknowledges the first case and records an arrest on its terminal", { timeout: 60_000 }, async () => {
    await run.step("arrest", async () => {
      const { page } = terminals.get("D001");
      const task = card(page, arrested.id, "precinct");
      await task.getByTestId("action-acknowledge").click();
      await waitUntil("the precinct card to read acknowledged", async () => (await task.getAttribute("data-status")) === "acknowledged");
      await task.getByTestId("action-arrest").click();
      const form = task.getByTestId("form-arrest");
      await form.locator('textarea[name="note"]').fill("Arrested on the Madison St platform");
      await run.shot(page, "terminal-D001-arrest-form");
      await task.getByTestId("submit-arrest").click();
      await waitForText(page.getByTestId("outbox-count"), /^0$/, { what: "the outbox to send the arrest" });
      const arrests = await waitUntil("the arrest to be in the case log", async () => {
        const found = await events(arrested.id, "ArrestMade");
        return found.length > 0 && found;
      });
      assert.equal(arrests.length, 1, "exactly one ArrestMade");
      assert.equal(arrests[0].data.unit, "D001");
      assert.equal(arrests[0].data.note, "Arrested on the Madison St platform");
      // Still open: recording an arrest does not resolve the case.
      assert.equal((await caseOf(admin, arrested.id)).status, "open");
      await run.shot(page, "terminal-D001-arrest-recorded");
    });
  });

  test("the dispatcher clears the first case by arrest from the board's Resolve button", { timeout: 90_000 }, async () => {
    await run.step("clear by arrest", async () => {
      console_ = await run.person("console");
      const { page } = console_;
      await signIn(page, "dispatcher");
      await page.getByTestId("report-form").waitFor({ state: "visible", timeout: 30_000 });
      await waitForText(page.getByTestId("board-link"), /live/i, { what: "the board's live link" });
      assert.equal(await page.getByTestId("board-filter-status").inputValue(), "open", "the board shows open cases by default");
      await boardRow(arrested.id).waitFor({ state: "visible" });
      await boardRow(duplicate.id).waitFor({ state: "visible" });
      openBefore = await openCount();
      await page.evaluate(() => (window.qcE2eSameDocument = true));
      await run.shot(page, "board-two-open");

      await boardRow(arrested.id).getByTestId("case-resolve").click();
      const dialog = page.getByTestId("case-dialog");
      await dialog.waitFor({ state: "visible" });
      await waitForText(dialog.getByTestId("case-id"), arrested.id);
      const form = dialog.getByTestId("resolve-form");
      await form.waitFor({ state: "visible" });
      await waitForText(form.locator("[data-arrest-hint]"), "A unit has recorded an arrest.");
      await form.getByTestId("resolve-cleared_by_arrest").check();
      assert.equal(await form.getByTestId("resolve-reason").isHidden(), true, "no reason is asked for a clearance by arrest");
      await run.shot(page, "resolve-by-arrest-chosen");
      await form.getByTestId("resolve-submit").click();

      await waitForText(dialog.getByTestId("resolve-done"), "The case is cleared; its units are released.");
      await waitForCount(dialog.getByTestId("resolve-form"), 0, { what: "the resolution form to go once the case is cleared" });
      await waitUntil("the dialog's timeline to list the clearance", async () => (await dialog.locator('[data-testid="timeline-event"][data-event-type="CaseCleared"]').count()) === 1);
      await run.shot(page, "resolve-cleared");

      const view = await caseOf(admin, arrested.id);
      assert.equal(view.status, "cleared");
      assert.deepEqual(view.clearance, { by: "arrest" });
      assert.ok(view.resolved_at, "the case has a resolved_at");
      for (const task of view.tasks) {
        assert.equal(task.status, "released", `the ${task.kind} task is released`);
        assert.ok(task.finished_at, `the ${task.kind} task has a finished_at`);
      }
      const cleared = view.timeline.filter((e) => e.event_type === "CaseCleared");
      assert.equal(cleared.length, 1, "exactly one CaseCleared");
      assert.equal(cleared[0].actor.kind, "dispatcher");

      await page.getByTestId("case-close").click();
      await dialog.waitFor({ state: "hidden" });
      await waitForCount(boardRow(arrested.id), 0, { what: "the cleared case to leave the board's open cases" });
      await waitForText(page.getByTestId("count-open"), `${openBefore - 1} open`);
      await boardRow(duplicate.id).waitFor({ state: "visible" });
      assert.equal(await page.evaluate(() => window.qcE2eSameDocument), true, "the console was reloaded");
      await run.shot(page, "board-cleared-gone-from-open");
    });
  });

  test("every unit that held a task of the cleared case sees it withdrawn, live", { timeout: 60_000 }, async () => {
    await run.step("withdrawn (cleared)", async () => {
      await withdrawnEverywhere(arrested, "case cleared", "withdrawn-cleared");
      // The other case's tasks are untouched.
      for (const [kind, unit] of Object.entries(duplicate.units)) {
        const { page } = terminals.get(unit);
        assert.equal(await card(page, duplicate.id, kind).getAttribute("data-status"), "assigned", `${unit}'s ${kind} task of the other case`);
      }
    });
  });

  test("the dispatcher closes the second case administratively, with a reason, from its details", { timeout: 90_000 }, async () => {
    await run.step("close", async () => {
      const { page } = console_;
      await boardRow(duplicate.id).getByTestId("case-details").click();
      const dialog = page.getByTestId("case-dialog");
      await dialog.waitFor({ state: "visible" });
      await waitForText(dialog.getByTestId("case-id"), duplicate.id);
      const form = dialog.getByTestId("resolve-form");
      await form.waitFor({ state: "visible" });
      await waitForText(form.locator("[data-arrest-hint]"), "No arrest recorded yet.");

      // No arrest on this case: the server refuses the clearance, and the page says why.
      await form.getByTestId("resolve-cleared_by_arrest").check();
      await form.getByTestId("resolve-submit").click();
      await waitForText(form.getByTestId("resolve-error"), "No arrest has been recorded on this case");
      assert.equal((await caseOf(admin, duplicate.id)).status, "open", "the refused clearance changed nothing");
      await run.shot(page, "resolve-refused-no-arrest");

      // A closure needs its reason: refused in the page.
      await form.getByTestId("resolve-closed_administratively").check();
      await form.getByTestId("resolve-reason").waitFor({ state: "visible" });
      await form.getByTestId("resolve-submit").click();
      await waitForText(form.getByTestId("resolve-error"), "Give the reason.");
      assert.equal(await form.getByTestId("resolve-reason").getAttribute("aria-invalid"), "true");
      await run.shot(page, "resolve-refused-no-reason");

      // The quick reason fills it in.
      await form.locator('button[data-i18n="resolve.reason_duplicate"]').click();
      assert.equal(await form.getByTestId("resolve-reason").inputValue(), "Duplicate report");
      await form.getByTestId("resolve-submit").click();
      await waitForText(dialog.getByTestId("resolve-done"), "The case is closed; its units are released.");
      await waitForCount(dialog.getByTestId("resolve-form"), 0, { what: "the resolution form to go once the case is closed" });
      await waitUntil("the dialog's timeline to list the closure", async () => (await dialog.locator('[data-testid="timeline-event"][data-event-type="CaseClosed"]').count()) === 1);
      await run.shot(page, "resolve-closed");

      const view = await caseOf(admin, duplicate.id);
      assert.equal(view.status, "closed");
      assert.equal(view.clearance, null, "an administrative closure is not a clearance");
      assert.equal(view.closure_reason, "Duplicate report");
      assert.ok(view.resolved_at, "the case has a resolved_at");
      for (const task of view.tasks) assert.equal(task.status, "released", `the ${task.kind} task is released`);
      assert.equal(view.timeline.filter((e) => e.event_type === "CaseClosed").length, 1, "exactly one CaseClosed");
      assert.equal(view.timeline.filter((e) => e.event_type === "CaseCleared").length, 0, "no CaseCleared");

      await page.getByTestId("case-close").click();
      await dialog.waitFor({ state: "hidden" });
      await waitForCount(boardRow(duplicate.id), 0, { what: "the closed case to leave the board's open cases" });
      await waitForText(page.getByTestId("count-open"), `${openBefore - 2} open`);
      await run.shot(page, "board-closed-gone-from-open");

      // Under "Resolved (24 h)" both are listed with their status, and neither can be resolved again.
      await page.getByTestId("board-filter-status").selectOption("resolved");
      for (const [which, status, words] of [
        [arrested, "cleared", "Cleared"],
        [duplicate, "closed", "Closed"],
      ]) {
        await boardRow(which.id).waitFor({ state: "visible" });
        assert.equal(await boardRow(which.id).getAttribute("data-status"), status);
        await waitForText(boardRow(which.id).getByTestId("case-status"), words);
        assert.equal(await boardRow(which.id).getByTestId("case-resolve").count(), 0, "no Resolve button on a resolved case");
      }
      await run.shot(page, "board-resolved");
      await page.getByTestId("board-filter-status").selectOption("open");
    });
  });

  test("every unit that held a task of the closed case sees it withdrawn, live", { timeout: 60_000 }, async () => {
    await run.step("withdrawn (closed)", async () => {
      await withdrawnEverywhere(duplicate, "case closed", "withdrawn-closed");
      // Nothing is left open on either case on any terminal, and the terminals are still live.
      for (const [unit, { page }] of terminals) {
        await page.locator('[data-testid="link-state"][data-state="live"]').waitFor();
        assert.equal(await page.locator(`article[data-testid^="task-${arrested.id}-"], article[data-testid^="task-${duplicate.id}-"]`).count(), 0, `${unit} still shows a card`);
      }
    });
  });

  test("no page threw an error", () => {
    assert.deepEqual(run.pageErrors, []);
  });
});

describe("language: the browser's language is the default", () => {
  const run = new Run("language");

  before(async () => {
    await run.start();
  });

  after(async () => {
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  /** A browser set to Simplified Chinese: the language switch is never touched. */
  async function chineseBrowser(name, options = {}) {
    const person = await run.person(name, { locale: "zh-CN", ...options });
    const languages = await person.page.evaluate(() => [...navigator.languages]);
    assert.equal(languages[0], "zh-CN", `navigator.languages is ${JSON.stringify(languages)}`);
    return person;
  }

  const stored = (page) => page.evaluate(() => localStorage.getItem("qc.lang"));

  test("a browser in Chinese gets the sign-in page and the console in Chinese", { timeout: 60_000 }, async () => {
    await run.step("console in Chinese", async () => {
      const { page } = await chineseBrowser("dispatcher-zh");
      await page.goto("/login");
      await waitForText(page.locator("h1"), "登录 Quickclear");
      await waitForText(page.getByTestId("login-submit"), "登录");
      assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
      assert.equal(await stored(page), null, "no language was chosen by hand");
      await run.shot(page, "login-zh-CN");

      await signIn(page, "dispatcher");
      assert.equal(new URL(page.url()).pathname, "/console");
      await page.getByTestId("report-form").waitFor({ state: "visible", timeout: 30_000 });
      await waitForText(page.getByTestId("page-title"), "接警台");
      await waitForText(page.getByTestId("board-link"), "实时", { what: "the board's live link in Chinese" });
      await waitForText(page.getByTestId("board-filter-status").locator('option[value="open"]'), "处理中");
      assert.equal(await page.getByTestId("language-switch").inputValue(), "zh-CN", "the switch shows the browser's language");
      assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
      assert.match(await page.title(), /接警台/);
      assert.equal(await stored(page), null, "no language was chosen by hand");
      await run.shot(page, "console-zh-CN");
    });
  });

  test("a squad member's phone in Chinese gets the terminal in Chinese", { timeout: 60_000 }, async () => {
    await run.step("terminal in Chinese", async () => {
      const { page } = await chineseBrowser("terminal-zh", PHONE);
      await signIn(page, squadUser("D002"));
      assert.equal(new URL(page.url()).pathname, "/terminal");
      await page.locator('body[data-unit="D002"]').waitFor({ state: "attached", timeout: 30_000 });
      await waitForText(page.getByTestId("page-title"), "民警终端");
      await page.locator('[data-testid="link-state"][data-state="live"]').waitFor({ timeout: 30_000 });
      await waitForText(page.getByTestId("link-state"), "在线");
      await waitForText(page.locator("#tasks h2"), "任务");
      assert.equal(await page.getByTestId("language-switch").inputValue(), "zh-CN");
      assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
      assert.equal(await stored(page), null, "no language was chosen by hand");
      await run.shot(page, "terminal-zh-CN");
    });
  });

  test("no page threw an error", () => {
    assert.deepEqual(run.pageErrors, []);
  });
});
