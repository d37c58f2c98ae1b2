// The dispatcher console: the report form, the live board, case detail and resolution.

import { api, live } from "../common/api.js";
import { h, fill } from "../common/dom.js";
import { applyTranslations, register, t } from "../common/i18n.js";
import { requireSession, topBar } from "../common/session.js";
import { createBoard } from "./board.js";
import { serverNow, syncClock, tickMillis } from "./clock.js";
import { createDetail } from "./detail.js";
import { createFiledCard } from "./filed.js";
import { createIntake } from "./intake.js";
import { rosterNames } from "./labels.js";
import { problemText } from "./problems.js";
import { strings } from "./strings.js";

register(strings);
applyTranslations();

const $ = (id) => document.getElementById(id);
const status = $("console-status");

async function start() {
  const session = await requireSession(["dispatcher", "admin"]);
  topBar(session, "page.console");
  const [roster, precincts] = await Promise.all([
    api("GET", "/api/v1/roster"),
    api("GET", "/api/v1/roster/precincts.geojson"),
  ]);
  syncClock(roster.settings?.clock);
  const unitName = rosterNames(roster);

  fill(
    $("filter-precinct"),
    h("option", { value: "", "data-i18n": "board.all_precincts" }),
    (roster.precincts || []).map((p) => h("option", { value: p.id, text: `${p.id} · ${p.name}` })),
  );
  status.hidden = true;
  $("main").hidden = false;

  let detail;
  const openCase = (id, focusResolve) => detail.open(id, focusResolve);
  const board = createBoard(
    {
      list: $("board-list"),
      counts: $("board-counts"),
      more: $("board-more"),
      link: $("board-link"),
      precinct: $("filter-precinct"),
      status: $("filter-status"),
    },
    { unitName, now: serverNow, onOpen: openCase },
  );
  detail = createDetail(
    { dialog: $("case-dialog"), title: $("case-title"), body: $("case-body"), close: $("case-close") },
    { board, unitName },
  );
  const filed = createFiledCard($("filed"), { board, unitName, now: serverNow, onOpen: openCase });
  const intake = createIntake({
    roster,
    precincts,
    onFiled(accepted, offence) {
      board.markFresh(accepted.case_id);
      filed.show(accepted, offence);
    },
  });

  board.setLink("connecting");
  live("/api/v1/cases/live", (entry) => board.upsert(entry), { onState: (state) => board.setLink(state) });
  setInterval(() => {
    board.tick();
    filed.tick();
  }, tickMillis());
  applyTranslations();

  const linked = /^#case=([0-9a-f-]{36})$/i.exec(location.hash);
  if (linked) openCase(linked[1], false);
  else intake.focus();
}

start().catch((error) => {
  status.hidden = false;
  status.classList.add("form-error");
  delete status.dataset.i18n;
  fill(
    status,
    t("console.load_failed", { reason: problemText(error) }),
    " ",
    h("button", { type: "button", class: "button small", text: t("console.retry"), onclick: () => location.reload() }),
  );
});
