// The sign-in page: username and password, then `next` or the role's page.

import { api } from "../common/api.js";
import { duration } from "../common/format.js";
import { applyTranslations, languageSwitch, register, t } from "../common/i18n.js";
import { HOME } from "../common/session.js";
import { strings } from "../common/strings.js";

register(strings);

const form = document.getElementById("login-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const submit = document.getElementById("login-submit");
const errorBox = document.getElementById("login-error");
const notice = document.getElementById("login-notice");
const params = new URLSearchParams(location.search);
let errorKey = null;
let errorParams = {};

/** `next` if it is a page of this site (never another origin, never back to /login). */
function destination(role) {
  const next = params.get("next");
  if (next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") && !next.startsWith("/login")) {
    return next;
  }
  return HOME[role] || "/";
}

function showError(key, values = {}) {
  errorKey = key;
  errorParams = values;
  errorBox.hidden = !key;
  errorBox.textContent = key ? t(key, values) : "";
}

function refusal(error) {
  if (error.status === 401) return ["login.wrong"];
  if (error.status === 429) {
    return error.retryAfter
      ? ["login.rate_limited", { wait: duration(error.retryAfter) }]
      : ["login.rate_limited_soon"];
  }
  if (error.status === 422 || error.status === 400) return ["login.missing"];
  if (error.status === 0) return ["common.network_error"];
  return ["common.server_error", { status: error.status }];
}

async function signIn(event) {
  event.preventDefault();
  if (!username.value.trim() || !password.value) {
    showError("login.missing");
    (username.value.trim() ? password : username).focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = t("login.signing_in");
  showError(null);
  try {
    const session = await api(
      "POST",
      "/api/v1/session",
      { username: username.value.trim(), password: password.value },
      { redirectOn401: false },
    );
    location.assign(destination(session?.role));
  } catch (error) {
    showError(...refusal(error));
    password.value = "";
    password.focus();
    submit.disabled = false;
    submit.textContent = t("login.submit");
  }
}

function translate() {
  applyTranslations();
  document.title = `${t("page.login")} · ${t("common.app")}`;
  if (errorKey) showError(errorKey, errorParams);
  if (!submit.disabled) submit.textContent = t("login.submit");
}

document.getElementById("language").append(languageSwitch());
window.addEventListener("qc:language", translate);
form.addEventListener("submit", signIn);
if (params.has("signed_out")) {
  notice.hidden = false;
  notice.dataset.i18n = "login.signed_out";
}
translate();

// Already signed in (a bookmark to /login, a second tab): straight on.
api("GET", "/api/v1/session", undefined, { redirectOn401: false })
  .then((session) => {
    if (session?.role && !params.has("signed_out")) location.replace(destination(session.role));
  })
  .catch(() => {});
