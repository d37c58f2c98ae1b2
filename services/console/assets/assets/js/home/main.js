// `/`: a signed-in user goes to their role's page, anyone else to sign in.

import { api } from "../common/api.js";
import { applyTranslations, register } from "../common/i18n.js";
import { HOME } from "../common/session.js";
import { strings } from "../common/strings.js";

register(strings);
applyTranslations();

api("GET", "/api/v1/session", undefined, { redirectOn401: false })
  .then((session) => location.replace(HOME[session?.role] || "/login"))
  .catch(() => location.replace("/login"));
