// Who is signed in, the page header, sign-out (docs/console.md, "session.js").

import { api, goToLogin } from "./api.js";
import { h, fill } from "./dom.js";
import { applyTranslations, language, languageSwitch, register, t } from "./i18n.js";
import { strings } from "./strings.js";

register(strings);

/** Where each role starts. */
export const HOME = { dispatcher: "/console", squad: "/terminal", analyst: "/dashboard", admin: "/console" };

/** A promise that never settles: the page is being left. */
const leaving = () => new Promise(() => {});

/**
 * The signed-in user, if their role is in `roles`. Not signed in: to `/login?next=`. Another role:
 * a message in the page with a way out; the promise then never settles.
 */
export async function requireSession(roles) {
  let session;
  try {
    session = await api("GET", "/api/v1/session", undefined, { redirectOn401: false });
  } catch (error) {
    if (error.status === 401) {
      goToLogin();
      return leaving();
    }
    throw error;
  }
  if (!roles.includes(session.role)) {
    showDenied(session, roles);
    return leaving();
  }
  return session;
}

function showDenied(session, roles) {
  const render = () => {
    const body = t("common.denied_body", {
      roles: roles.map((r) => t(`role.${r}`)).join(language() === "zh-CN" ? "、" : ", "),
      name: session.display_name || session.username,
      role: t(`role.${session.role}`),
    });
    fill(
      main,
      h(
        "section",
        { class: "panel denied", role: "alert", "data-testid": "role-denied" },
        h("h2", { text: t("common.denied_title") }),
        h("p", { text: body }),
        h(
          "div",
          { class: "actions" },
          HOME[session.role]
            ? h("a", { class: "button primary", href: HOME[session.role], text: t("common.go_to_my_page") })
            : null,
          h("button", { type: "button", class: "button", onclick: signOut, text: t("common.sign_out") }),
        ),
      ),
    );
  };
  // The page's own content never shows: just the header and the message.
  const main = h("main", { id: "main" });
  document.body.replaceChildren(main);
  topBar(session, "common.denied_title");
  render();
  window.addEventListener("qc:language", render);
}

/**
 * The page header: title, who is signed in (and their unit), the language switch, sign-out.
 * It replaces the page's `<header data-topbar>` if there is one, else goes first in `<body>`.
 */
export function topBar(session, titleKey) {
  const who = h(
    "span",
    { class: "topbar-user", "data-testid": "topbar-user" },
    h("span", { class: "topbar-name" }),
    h("span", { class: "badge" }),
    session.unit ? h("span", { class: "badge unit", text: session.unit }) : null,
  );
  const title = h("h1", { class: "topbar-title", "data-i18n": titleKey, "data-testid": "page-title" });
  const header = h(
    "header",
    { class: "topbar", "data-topbar": true },
    h(
      "a",
      { class: "brand", href: "/", "aria-label": "Quickclear" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }),
      h("span", { "data-i18n": "common.app" }),
    ),
    title,
    h(
      "div",
      { class: "topbar-end" },
      who,
      languageSwitch(),
      h("button", {
        type: "button",
        class: "button quiet",
        "data-testid": "sign-out",
        "data-i18n": "common.sign_out",
        onclick: signOut,
      }),
    ),
  );
  const update = () => {
    who.querySelector(".topbar-name").textContent = session.display_name || session.username;
    who.querySelector(".badge").textContent = t(`role.${session.role}`);
    document.title = `${t(titleKey)} · ${t("common.app")}`;
    applyTranslations(header);
  };
  update();
  window.addEventListener("qc:language", update);
  const placeholder = document.querySelector("header[data-topbar]");
  if (placeholder) placeholder.replaceWith(header);
  else document.body.prepend(header);
  return header;
}

/** Ends the session, then goes to `/login`. */
export async function signOut() {
  try {
    await api("DELETE", "/api/v1/session", undefined, { redirectOn401: false });
  } catch {
    // Signed out already, or the server is away: the sign-in page is still the right place.
  }
  location.assign("/login?signed_out=1");
}
