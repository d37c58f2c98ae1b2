// The analyst: thefts reported around the city (filed through the API, as other clients do) show
// in the dashboard's figures and on the hot-spot map; the analyst never sees who reported a theft;
// the page switches to Simplified Chinese.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Run, apiAs, caseOf, signIn, waitForText, waitUntil } from "../lib/qc.mjs";

const run = new Run("analyst");
let analyst;
let dispatcherApi;
let analystApi;
let privateCase;
const reporter = { name: `Rosa Privat ${Date.now() % 100000}`, phone: "+1 773 555 0177" };

// Thefts in several districts, so the map has several cells (Gi* needs at least two).
const PLACES = [
  [41.8827, -87.6233, "D001"],
  [41.8919, -87.6278, "D018"],
  [41.85, -87.65, "D012"],
  [41.9, -87.68, "D012"],
  [41.78, -87.63, "D003"],
  [41.95, -87.66, "D019"],
  [41.87, -87.72, "D011"],
  [41.8795, -87.63, "D001"],
];

describe("analyst: the dashboard", () => {
  before(async () => {
    await run.start();
    dispatcherApi = await apiAs("dispatcher");
    analystApi = await apiAs("analyst");
  });

  after(async () => {
    await dispatcherApi?.dispose();
    await analystApi?.dispose();
    await run.close();
    if (run.pageErrors.length) console.log(`page errors:\n  ${run.pageErrors.join("\n  ")}`);
  });

  test("thefts are reported around the city", async () => {
    await run.step("seed", async () => {
      const at = new Date(Date.now() - 2 * 3600_000).toISOString();
      for (const [i, [lat, lng, precinct]] of PLACES.entries()) {
        const accepted = await dispatcherApi.report({
          occurred: { at },
          location: { lat, lng, address: `${100 + i} E Test St` },
          offence: i % 2 ? "shoplifting" : "theft_from_vehicle",
          items: [{ description: "phone", value_cents: 30000 }],
          reporter: i === 0 ? reporter : null,
        });
        assert.equal(accepted.precinct, precinct, `${lat}, ${lng} is in ${precinct}`);
        if (i === 0) privateCase = accepted.case_id;
      }
      // The dispatcher does see the reporter: the analyst's check below is not vacuous.
      assert.deepEqual((await caseOf(dispatcherApi, privateCase)).report.reporter, reporter);
    });
  });

  test("the analyst signs in and the dashboard shows the cases in its figures and on the hot-spot map", { timeout: 90_000 }, async () => {
    await run.step("dashboard", async () => {
      const { page } = await run.person("analyst", { viewport: { width: 1400, height: 1000 } });
      analyst = page;
      await signIn(page, "analyst");
      assert.equal(new URL(page.url()).pathname, "/dashboard", "the analyst lands on the dashboard");
      await waitForText(page.getByTestId("page-title"), "Analyst dashboard");
      // The filters are in the URL once the page has loaded; the figures are for them.
      const params = await waitUntil("the filters in the URL", async () => {
        const url = new URL(page.url());
        return url.searchParams.get("from") && url.searchParams.get("to") && url.searchParams;
      });
      const to = new Date(`${params.get("to")}T00:00:00Z`);
      const query = new URLSearchParams({ from: params.get("from"), to: new Date(to.getTime() + 86_400_000).toISOString().slice(0, 10) });
      await waitForText(page.getByTestId("status"), /Updated/, { timeout: 30_000, what: "the dashboard to finish loading" });

      const ops = await analystApi.get(`/api/v1/stats/operations?${query}`);
      assert.ok(ops.cases >= PLACES.length, `the API counts ${ops.cases} cases`);
      await waitUntil(`the case count to read ${ops.cases}`, async () => {
        const shown = (await page.getByTestId("case-count").innerText()).replace(/[^\d]/g, "");
        return shown !== "" && Number(shown) === ops.cases;
      });
      // Clearance: no case is 24 hours old yet, and the page says so rather than inventing a share.
      await waitForText(page.locator("#kpi-24-note"), "No case's 24 h are over yet");
      await page.locator('[data-testid="clearance-weekly"] svg').first().waitFor({ state: "attached" });
      await waitForText(page.getByTestId("dispatch-p50"), /\d/, { what: "the median time to dispatch" });

      // The hot-spot map: every precinct outlined, and one cell per cell the API has.
      const map = page.getByTestId("hotspot-map");
      const precincts = await analystApi.get("/api/v1/roster/precincts.geojson");
      await waitUntil("the precinct outlines on the map", async () => (await map.locator("path[data-precinct]").count()) === precincts.features.length);
      const cells = await analystApi.get(`/api/v1/analytics/hotspots?${query}&res=${params.get("res") || 8}&format=geojson`);
      assert.ok(cells.features.length >= 2, `the API has ${cells.features.length} cells`);
      await waitUntil(`${cells.features.length} cells on the map`, async () => (await map.locator("path[data-cell]").count()) === cells.features.length);
      const box = await map.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 200, `the map is drawn at a readable size (${JSON.stringify(box)})`);
      await run.shot(page, "dashboard");
      await run.shot(map, "hotspot-map");
    });
  });

  test("the analyst never sees who reported a theft", { timeout: 60_000 }, async () => {
    await run.step("privacy", async () => {
      // The case as the API gives it to the analyst: no reporter anywhere in it.
      const view = await caseOf(analystApi, privateCase);
      assert.equal(view.report.reporter, null);
      const text = await analystApi.getText(`/api/v1/cases/${privateCase}`);
      assert.ok(!text.includes(reporter.name) && !text.includes(reporter.phone), "the analyst's case view names the reporter");
      // Nor in the dashboard.
      const html = await analyst.content();
      assert.ok(!html.includes(reporter.name) && !html.includes(reporter.phone), "the dashboard names the reporter");
      // The console's case view is not the analyst's page: it says so and shows nothing of the case.
      await analyst.goto(`/console#case=${privateCase}`);
      await analyst.getByTestId("role-denied").waitFor({ state: "visible" });
      const denied = await analyst.content();
      assert.ok(!denied.includes(reporter.name) && !denied.includes(reporter.phone), "the console shows the analyst the reporter");
      await run.shot(analyst, "console-denied");
    });
  });

  test("the dashboard switches to Simplified Chinese, and stays so after a reload", { timeout: 60_000 }, async () => {
    await run.step("language", async () => {
      const page = analyst;
      await page.goto("/dashboard");
      await waitForText(page.getByTestId("status"), /Updated/, { timeout: 30_000 });
      await page.getByTestId("language-switch").selectOption("zh-CN");
      await waitForText(page.getByTestId("page-title"), "研判看板");
      await waitForText(page.getByTestId("kpis"), "接报案件");
      assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
      await page.reload();
      await waitForText(page.getByTestId("page-title"), "研判看板");
      await waitForText(page.getByTestId("status"), /更新于/, { timeout: 30_000, what: "the status line in Chinese" });
      await waitUntil("the hot-spot map after the reload", async () => (await page.locator('[data-testid="hotspot-map"] path[data-cell]').count()) > 0);
      assert.match(await page.title(), /研判看板/);
      await run.shot(page, "dashboard-zh-CN");
    });
  });

  test("no page threw an error", () => {
    assert.deepEqual(run.pageErrors, []);
  });
});
