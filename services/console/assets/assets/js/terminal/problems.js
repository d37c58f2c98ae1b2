// A refusal (problem+json, RFC 9457) in words: the page's own sentence for the known slugs, the
// server's detail otherwise, and every field error of an invalid request.

import { t } from "../common/i18n.js";

export function slug(problem) {
  return String(problem?.type || "").split("/").pop();
}

export function describeProblem(problem) {
  if (!problem) return t("problem.generic", { status: "?" });
  const key = `problem.${slug(problem)}`;
  let text = t(key);
  if (text === key) {
    text = problem.detail || problem.title || t("problem.generic", { status: problem.status ?? "?" });
  } else if (problem.detail && slug(problem) !== "invalid-request") {
    text = `${text} (${problem.detail})`;
  }
  if (Array.isArray(problem.errors) && problem.errors.length) {
    text += ` ${problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`;
  } else if (slug(problem) === "invalid-request" && problem.detail) {
    text += ` ${problem.detail}`;
  }
  return text;
}
