// The dispatcher: a wrong password is answered in the page; signed in, the console's form files a
// report (place from the map, then typed coordinates), and the case appears on the live board with
// its three tasks.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { LOOP, PASSWORD, Run, apiAs, caseOf, signIn, waitForCount, waitForText, waitUntil } from "../lib/qc.mjs";

const run = new Run("dispatcher");
let dispatcher;
let admin;
const reporter = { name: `Dana Okafor ${Date.now() % 100000}`, phone: "+1 312 555 0142" };
let caseId;

describe("dispatcher: sign-in and the console", () => {
  before(async () => {
    await run.start();
    dispatcher = await run.person("dispatcher");
    admin = await apiAs("admin");
  });

  after(async () => {
    await admin?.dispose();
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  test("a wrong password is answered in the page, and the dispatcher stays on the sign-in page", async () => {
    await run.step("wrong password", async () => {
      const { page } = dispatcher;
      await page.goto("/console");
      // Not signed in: the console sends the browser to sign in, and back here afterwards.
      await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/console");
      await page.getByTestId("login-username").fill("dispatcher");
      await page.getByTestId("login-password").fill("not-the-password");
      await page.getByTestId("login-submit").click();
      const error = page.getByTestId("login-error");
      await error.waitFor({ state: "visible" });
      await waitForText(error, "Wrong username or password.");
      assert.equal(await error.getAttribute("role"), "alert", "the error is announced (role=alert)");
      assert.equal(new URL(page.url()).pathname, "/login");
      assert.equal(await page.getByTestId("login-password").inputValue(), "", "the wrong password is cleared");
      await run.shot(page, "login-wrong-password");
    });
  });

  test("with the right password the dispatcher reaches the console", async () => {
    await run.step("sign in", async () => {
      const { page } = dispatcher;
      await page.getByTestId("login-username").fill("dispatcher");
      await page.getByTestId("login-password").fill(PASSWORD);
      await page.getByTestId("login-submit").click();
      await page.waitForURL((url) => url.pathname === "/console");
      await page.getByTestId("report-form").waitFor({ state: "visible" });
      await waitForText(page.getByTestId("page-title"), "Dispatcher console");
      await waitForText(page.getByTestId("topbar-user"), "Command center");
      await waitForText(page.getByTestId("board-link"), /live/i, { what: "the board's live link" });
      // A mark in the page: still there later means the board updated without a reload.
      await page.evaluate(() => (window.qcE2eSameDocument = true));
      await run.shot(page, "console-signed-in");
    });
  });

  test("a report without an offence is refused in the form, and nothing is filed", async () => {
    await run.step("empty form", async () => {
      const { page } = dispatcher;
      const rowsBefore = await page.getByTestId("case-row").count();
      await page.getByTestId("intake-submit").click();
      await page.locator("#offence-error").waitFor({ state: "visible" });
      await page.getByTestId("report-error").waitFor({ state: "visible" });
      assert.equal(await page.getByTestId("filed-case").isHidden(), true, "no case is shown as filed");
      assert.equal(await page.getByTestId("case-row").count(), rowsBefore, "no case was added to the board");
      await run.shot(page, "intake-refused-no-offence");
    });
  });

  test("the dispatcher files a report from the map and the keyboard; the board shows it with three tasks, live", async () => {
    await run.step("file a report", async () => {
      const { page } = dispatcher;
      await page.getByTestId("intake-offence").selectOption("pickpocketing");

      // A click on District 1 on the map sets the place...
      await page.locator('[data-testid="intake-map"] path[data-precinct="D001"]').click();
      await waitForText(page.getByTestId("intake-map-hint"), /District 1/, { what: "the map to say the place is in District 1" });
      const clicked = { lat: Number(await page.getByTestId("intake-lat").inputValue()), lng: Number(await page.getByTestId("intake-lng").inputValue()) };
      assert.ok(Math.abs(clicked.lat - 41.88) < 0.1 && Math.abs(clicked.lng + 87.63) < 0.1, `the map click gave ${JSON.stringify(clicked)}`);

      // ...and typed coordinates pin it exactly (pasting "lat, lng" into the latitude fills both).
      await page.getByTestId("intake-lat").fill(`${LOOP.lat}, ${LOOP.lng}`);
      await waitUntil("the longitude to be filled from the pasted pair", async () => (await page.getByTestId("intake-lng").inputValue()) === String(LOOP.lng));
      assert.equal(await page.getByTestId("intake-lat").inputValue(), String(LOOP.lat));
      await page.getByTestId("intake-address").fill(LOOP.address);
      await page.getByTestId("intake-description").fill("Wallet taken from a jacket on the escalator");
      await page.getByTestId("item-description").first().fill("Leather wallet");
      await page.getByTestId("item-value").first().fill("80");
      await page.getByTestId("intake-add-item").click();
      await waitForCount(page.getByTestId("item-row"), 2);
      await page.getByTestId("item-description").nth(1).fill("Transit card");
      await page.getByTestId("item-value").nth(1).fill("12.50");
      await waitForText(page.getByTestId("intake-items-total"), "$92.50");
      await page.getByTestId("intake-reporter-name").fill(reporter.name);
      await page.getByTestId("intake-reporter-phone").fill(reporter.phone);
      await run.shot(page, "intake-filled");

      await page.getByTestId("intake-submit").click();
      const filed = page.getByTestId("filed-case");
      await filed.waitFor({ state: "visible" });
      await waitForText(filed, "Case filed");
      caseId = await filed.getAttribute("data-case-id");
      assert.match(caseId, /^[0-9a-f-]{36}$/, "the filed card names the case");
      await waitForCount(filed.getByTestId("task-chip"), 3, { what: "the filed card to show the three tasks" });
      // The form is ready for the next call.
      assert.equal(await page.getByTestId("intake-reporter-name").inputValue(), "");
    });

    await run.step("the board", async () => {
      const { page } = dispatcher;
      const row = page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`);
      await row.waitFor({ state: "visible" });
      await waitForCount(row.getByTestId("task-chip"), 3, { what: "the board row to show three tasks" });
      const chips = await row.getByTestId("task-chip").evaluateAll((els) => els.map((el) => `${el.dataset.kind}:${el.dataset.status}`));
      assert.deepEqual(chips.sort(), ["precinct:assigned", "property:assigned", "scene:assigned"]);
      await waitForText(row, "D001");
      assert.equal(await page.evaluate(() => window.qcE2eSameDocument), true, "the console was reloaded");
      await run.shot(page, "board-case-filed");

      // What the server recorded is what was typed.
      const view = await caseOf(admin, caseId);
      assert.equal(view.report.precinct, "D001");
      assert.equal(view.report.offence, "pickpocketing");
      assert.equal(view.report.channel, "dispatcher");
      assert.deepEqual(view.report.items, [
        { description: "Leather wallet", value_cents: 8000 },
        { description: "Transit card", value_cents: 1250 },
      ]);
      assert.equal(view.report.location.lat, LOOP.lat);
      assert.equal(view.report.location.lng, LOOP.lng);
      assert.deepEqual(view.report.reporter, reporter);
      assert.equal(view.tasks.length, 3);
    });
  });

  test("the case's details show the report, the reporter and the timeline to the dispatcher", async () => {
    await run.step("details", async () => {
      const { page } = dispatcher;
      await page.locator(`[data-testid="case-row"][data-case-id="${caseId}"]`).getByTestId("case-details").click();
      const dialog = page.getByTestId("case-dialog");
      await dialog.waitFor({ state: "visible" });
      await waitForText(dialog.getByTestId("case-id"), caseId);
      await waitForText(dialog.getByTestId("case-report"), reporter.name);
      await waitForText(dialog.getByTestId("case-report"), reporter.phone);
      await waitUntil("the timeline to list the report", async () => (await dialog.locator('[data-testid="timeline-event"][data-event-type="ReportReceived"]').count()) === 1);
      await run.shot(page, "case-details");
      await page.getByTestId("case-close").click();
      await dialog.waitFor({ state: "hidden" });
    });
  });

  test("the dispatcher's page threw no errors", () => {
    assert.deepEqual(run.pageErrors, []);
  });
});
