// The resident: no account, a phone, the QR code on a door plate. The page names the plate's
// address (or says the plate is unknown, or that it must wait), refuses a wrong phone number next
// to its field, and files the report; an answer lost on the way and a double tap on "send" file
// one case, which the dispatcher then reads with the door-plate channel and the plate's place.
// Also in Simplified Chinese, from the browser's language, and back with the switch.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Run, apiAs, caseOf, waitForText, waitUntil } from "../lib/qc.mjs";

const run = new Run("resident");
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true };
/** A plate of the demo roster (crates/roster/src/demo.rs) no other test files reports from. */
const PLATE = "DP-0003";
const REPORTS = `**/api/v1/doorplates/${PLATE}/reports`;
let dispatcher;
let plate;
let resident;
let caseId;
const posts = [];

const url = (id) => `/report?plate=${encodeURIComponent(id)}`;

describe("resident: the door-plate report page", () => {
  before(async () => {
    await run.start();
    dispatcher = await apiAs("dispatcher");
    const roster = await dispatcher.get("/api/v1/roster");
    plate = roster.doorplates.find((p) => p.id === PLATE);
    assert.ok(plate, `the demo roster has door plate ${PLATE}`);
  });

  after(async () => {
    await dispatcher?.dispose();
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  test("an unknown door plate is answered in the page, in the browser's language (Chinese)", async () => {
    await run.step("unknown plate", async () => {
      const { page } = await run.person("resident-zh", { ...PHONE, locale: "zh-CN" });
      await page.goto(url("DP-9999"));
      await waitForText(page.getByTestId("plate-state"), "门牌 DP-9999 未在警方登记");
      assert.equal(await page.getByTestId("report-form").isHidden(), true, "no form for an unknown plate");
      assert.equal(await page.getByTestId("plate-place").isHidden(), true);
      assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
      assert.equal(new URL(page.url()).pathname, "/report", "no sign-in asked for");
      await run.shot(page, "unknown-plate-zh");
    });
  });

  test("in Chinese the page names the plate's address; the switch turns it to English", async () => {
    await run.step("chinese", async () => {
      const { page } = run.people.find((p) => p.name === "resident-zh");
      await page.goto(url(PLATE));
      await waitForText(page.getByTestId("plate-address"), plate.address);
      await waitForText(page.locator("h1"), "报告盗窃");
      await waitForText(page.getByTestId("report-offences"), "盗窃自行车");
      await waitForText(page.getByTestId("report-submit"), "提交报案");
      await run.shot(page, "form-zh");
      await page.getByTestId("language-switch").selectOption("en");
      await waitForText(page.locator("h1"), "Report a theft");
      await waitForText(page.getByTestId("report-offences"), "Bicycle theft");
      await waitForText(page.getByTestId("plate-id"), `Door plate ${PLATE}`);
      assert.equal(await page.title(), "Report a theft · Quickclear");
    });
  });

  test("a resident with no account opens the plate's page; a refusal to wait says how long", async () => {
    await run.step("open", async () => {
      resident = await run.person("resident", PHONE);
      const { page } = resident;
      page.on("request", (request) => {
        if (request.method() === "POST" && request.url().endsWith(`/api/v1/doorplates/${PLATE}/reports`)) posts.push(request);
      });
      // The first look-up is answered as a busy server would: 429 with Retry-After.
      await page.route(
        `**/api/v1/doorplates/${PLATE}`,
        (route) =>
          route.fulfill({
            status: 429,
            headers: { "Content-Type": "application/problem+json", "Retry-After": "42" },
            body: JSON.stringify({ type: "https://quickclear.dev/problems/rate-limited", title: "Too Many Requests", status: 429, detail: "too many" }),
          }),
        { times: 1 },
      );
      await page.goto(url(PLATE));
      await waitForText(page.getByTestId("plate-state"), "Try again in 42 s");
      assert.equal(await page.getByTestId("report-form").isHidden(), true);
      await run.shot(page, "plate-rate-limited");
      await page.getByTestId("plate-retry").click();
      await waitForText(page.getByTestId("plate-address"), plate.address);
      await page.getByTestId("report-form").waitFor({ state: "visible" });
      assert.equal(await page.getByTestId("plate-state").isHidden(), true);
      assert.equal(new URL(page.url()).pathname, "/report", "no sign-in asked for");
      const cookies = await resident.context.cookies();
      assert.equal(cookies.some((c) => c.name === "qc_session"), false, "the resident has no session");
      await run.shot(page, "form-open");
    });
  });

  test("the page's own checks and the server's field errors are shown next to their fields; nothing is filed", async () => {
    await run.step("refusals", async () => {
      const { page } = resident;
      await page.getByTestId("report-submit").click();
      await waitForText(page.locator("#offence-error"), "Choose what happened.");
      await waitForText(page.getByTestId("report-error"), "not sent");
      assert.equal(posts.length, 0, "nothing sent without an offence");

      await page.getByTestId("report-offence-bicycle_theft").check();
      await page.getByTestId("report-reporter-phone").fill("call me maybe");
      await page.getByTestId("report-submit").click();
      const phoneError = page.locator("#reporter-phone-error");
      await waitForText(phoneError, "Use digits, spaces and + - ( ) only");
      assert.equal(await page.getByTestId("report-reporter-phone").getAttribute("aria-invalid"), "true");
      assert.equal(await page.locator("#offence-error").isHidden(), true, "the offence's error went once it was chosen");
      assert.equal(await page.getByTestId("report-confirmation").isHidden(), true);
      assert.equal(posts.length, 1, "the server was asked once");
      await run.shot(page, "field-error-phone");
    });
  });

  test("the resident files the report; a lost answer and a double tap file one case", async () => {
    await run.step("fill", async () => {
      const { page } = resident;
      await page.getByTestId("report-reporter-phone").fill("+1 773 555 0199");
      assert.equal(await page.locator("#reporter-phone-error").isHidden(), true, "the error goes while it is fixed");
      assert.equal(await page.getByTestId("report-error").isHidden(), true, "and with the last error, the form's message");
      await page.getByTestId("report-reporter-name").fill("Lee Wong");
      await page.getByTestId("report-description").fill("Lock cut, bike taken from the rack by the door");
      await page.getByTestId("item-description").first().fill("Blue bicycle");
      await page.getByTestId("item-value").first().fill("450");
      await page.getByTestId("report-add-item").click();
      await page.getByTestId("item-description").nth(1).fill("D-lock");
      await page.getByTestId("item-value").nth(1).fill("39.99");
      await waitForText(page.getByTestId("report-items-total"), "$489.99");
      await run.shot(page, "form-filled");
    });

    let lost;
    await run.step("a lost answer", async () => {
      const { page } = resident;
      // The report reaches the server, but its answer never reaches the phone.
      await page.route(
        REPORTS,
        async (route) => {
          const response = await route.fetch();
          lost = { status: response.status(), body: await response.json() };
          await route.abort("connectionreset");
        },
        { times: 1 },
      );
      await page.getByTestId("report-submit").click();
      await waitForText(page.getByTestId("report-error"), "it will not be filed twice");
      assert.equal(lost.status, 201, `the server filed it: ${JSON.stringify(lost.body)}`);
      assert.equal(await page.getByTestId("report-confirmation").isHidden(), true);
      assert.equal(await page.getByTestId("report-submit").isEnabled(), true, "the resident can send again");
      await run.shot(page, "answer-lost");
    });

    await run.step("send again, with a double tap", async () => {
      const { page } = resident;
      const before = posts.length;
      const answered = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/${PLATE}/reports`));
      await page.getByTestId("report-submit").dblclick();
      const response = await answered;
      assert.equal(response.status(), 201);
      assert.equal(response.headers()["idempotent-replayed"], "true", "the server names the case it already has");
      const confirmation = page.getByTestId("report-confirmation");
      await confirmation.waitFor({ state: "visible" });
      await waitForText(confirmation, "Report received");
      caseId = await confirmation.getAttribute("data-case-id");
      assert.equal(caseId, lost.body.case_id, "the same case as the lost answer's");
      await waitForText(page.getByTestId("report-reference"), caseId.slice(0, 8));
      await waitForText(page.getByTestId("report-case-id"), caseId);
      await waitForText(page.getByTestId("report-done-body"), plate.address);
      assert.equal(await page.getByTestId("report-form").isHidden(), true);
      assert.equal(posts.length - before, 1, "the double tap sent one request");
      await run.shot(page, "confirmation");
    });
  });

  test("the dispatcher finds the one case, from the door plate, at the plate's place", async () => {
    await run.step("the case", async () => {
      const view = await caseOf(dispatcher, caseId);
      assert.equal(view.report.channel, "doorplate");
      assert.equal(view.report.source, PLATE);
      assert.equal(view.report.offence, "bicycle_theft");
      assert.equal(view.report.location.lat, plate.at.lat);
      assert.equal(view.report.location.lng, plate.at.lng);
      assert.equal(view.report.location.address, plate.address);
      assert.equal(view.report.description, "Lock cut, bike taken from the rack by the door");
      assert.deepEqual(view.report.items, [
        { description: "Blue bicycle", value_cents: 45000 },
        { description: "D-lock", value_cents: 3999 },
      ]);
      assert.deepEqual(view.report.reporter, { name: "Lee Wong", phone: "+1 773 555 0199" });
      const received = view.timeline.find((e) => e.event_type === "ReportReceived");
      assert.deepEqual(received.actor, { kind: "public", id: PLATE });
      // Dispatched like any report: three units.
      await waitUntil("the case to be dispatched to three units", async () => (await caseOf(dispatcher, caseId)).tasks.length === 3);

      // One case from this plate, whatever was retried.
      const fromPlate = await waitUntil("the case in the case list", async () => {
        const { cases } = await dispatcher.get("/api/v1/cases?limit=1000");
        const mine = cases.filter((c) => c.channel === "doorplate" && c.address === plate.address);
        return mine.some((c) => c.case_id === caseId) && mine;
      });
      assert.deepEqual(
        fromPlate.map((c) => c.case_id),
        [caseId],
        "exactly one case from the plate",
      );
    });
  });

  test("the resident can start another report, with a new form", async () => {
    await run.step("again", async () => {
      const { page } = resident;
      await page.getByTestId("report-again").click();
      await page.getByTestId("report-form").waitFor({ state: "visible" });
      assert.equal(await page.getByTestId("report-confirmation").isHidden(), true);
      assert.equal(await page.getByTestId("report-description").inputValue(), "");
      assert.equal(await page.getByTestId("report-offence-bicycle_theft").isChecked(), false);
      assert.deepEqual(run.pageErrors, [], "no script errors on the pages");
    });
  });
});
