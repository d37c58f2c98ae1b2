// The status bar under the top bar: link state (live / reconnecting / offline), the outbox count,
// position pings and the sound switch. Big, high-contrast, always visible (sticky).

import { t } from "../common/i18n.js";
import { h, fill } from "../common/dom.js";
import { unlockSound } from "./alert.js";
import * as outbox from "./outbox.js";

export function createStatusBar(root) {
  let link = "reconnecting";
  let box = { count: 0, pausedForSignIn: false, sending: null, retryAt: 0 };
  let position = "off";
  let sound = false;
  let signedOut = false;

  const linkEl = h("span", { class: "link-state", "data-testid": "link-state", role: "status" });
  const countEl = h("span", { class: "outbox-number", "data-testid": "outbox-count" });
  const countText = h("span", { class: "outbox-text" });
  const outboxEl = h("span", { class: "outbox", "data-testid": "outbox" }, countEl, " ", countText);
  const positionEl = h("span", { class: "position-state", "data-testid": "position-state" });
  const soundButton = h("button", {
    type: "button",
    class: "btn btn-sound",
    "data-testid": "sound-toggle",
    onclick: async () => {
      sound = await unlockSound();
      draw();
    },
  });
  const signIn = h("a", { class: "btn btn-primary signin-link", href: "/login?next=/terminal", "data-testid": "sign-in-again" });
  const alert = h("div", { class: "statusbar-alert", role: "alert" });
  fill(root, h("div", { class: "statusbar-row" }, linkEl, outboxEl, positionEl, soundButton), alert);

  function effectiveLink() {
    return navigator.onLine === false ? "offline" : link;
  }

  function draw() {
    const state = effectiveLink();
    linkEl.dataset.state = state;
    linkEl.textContent = t(`link.${state}`);
    document.body.dataset.link = state;

    countEl.textContent = String(box.count);
    outboxEl.dataset.count = String(box.count);
    outboxEl.classList.toggle("has-queued", box.count > 0);
    countText.textContent = t("outbox.label");

    positionEl.dataset.state = position;
    positionEl.textContent = t(
      { on: "position.on", denied: "position.denied", unsupported: "position.unsupported" }[position] || "position.off",
    );

    soundButton.hidden = sound;
    if (!soundButton.firstChild) soundButton.append(speakerIcon());
    soundButton.setAttribute("aria-label", t("sound.enable"));
    soundButton.title = t("sound.enable");

    const paused = box.pausedForSignIn || signedOut;
    if (paused) {
      signIn.textContent = t("outbox.sign_in");
      fill(alert, h("span", {}, t("outbox.paused_signin", { n: box.count })), " ", signIn);
    } else if (box.held) {
      fill(alert, h("span", { "data-testid": "outbox-held" }, t("outbox.held", { n: box.held, units: box.heldUnits.join(", ") })));
    } else {
      fill(alert);
    }
    alert.hidden = !paused && !box.held;
  }

  window.addEventListener("online", draw);
  window.addEventListener("offline", draw);
  window.addEventListener("qc:language", draw);
  draw();

  return {
    setLink(state) {
      link = state;
      draw();
    },
    setOutbox(next) {
      box = next || outbox.state();
      draw();
    },
    setPosition(state) {
      position = state;
      draw();
    },
    setSound(on) {
      sound = on;
      draw();
    },
    setSignedOut(value) {
      signedOut = value;
      draw();
    },
  };
}

/** A muted-speaker icon (SVG built in the DOM: no inline markup, no emoji font needed). */
function speakerIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "26");
  svg.setAttribute("height", "26");
  svg.setAttribute("aria-hidden", "true");
  const shapes = [
    ["path", { d: "M3 9h4l5-4v14l-5-4H3z", fill: "currentColor" }],
    ["path", { d: "M16 9l5 6M21 9l-5 6", stroke: "currentColor", "stroke-width": "2.4", "stroke-linecap": "round", fill: "none" }],
  ];
  for (const [tag, attrs] of shapes) {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
