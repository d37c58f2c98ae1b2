// Translations and the language switch (docs/console.md, "Shared modules").

const LANGUAGES = [
  ["en", "English"],
  ["zh-CN", "简体中文"],
];
const STORAGE_KEY = "qc.lang";
const dictionaries = { en: {}, "zh-CN": {} };
let current = initialLanguage();
document.documentElement.lang = current;

function initialLanguage() {
  const stored = safeStorage(() => localStorage.getItem(STORAGE_KEY));
  if (stored && dictionaries[stored]) return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of preferred) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith("zh")) return "zh-CN";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

// Private windows and locked-down browsers may refuse storage; the page still works.
function safeStorage(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Adds a page's strings: `{ en: { key: text }, "zh-CN": { key: text } }`. */
export function register(dict) {
  for (const [lang, entries] of Object.entries(dict)) {
    dictionaries[lang] = Object.assign(dictionaries[lang] || {}, entries);
  }
}

/** The text for `key` in the current language, `{name}` filled from `params`. */
export function t(key, params = {}) {
  const text = dictionaries[current]?.[key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!dictionaries[lang]) return;
  current = lang;
  safeStorage(() => localStorage.setItem(STORAGE_KEY, lang));
  document.documentElement.lang = lang;
  applyTranslations();
  window.dispatchEvent(new CustomEvent("qc:language", { detail: { language: lang } }));
}

/** Fills `[data-i18n]`, `[data-i18n-placeholder]`, `[data-i18n-title]`, `[data-i18n-aria-label]`. */
export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
}

/** A `<select>` of the languages, wired to `setLanguage`. */
export function languageSwitch() {
  const select = document.createElement("select");
  select.className = "language-switch";
  select.dataset.testid = "language-switch";
  select.setAttribute("aria-label", "Language / 语言");
  for (const [code, name] of LANGUAGES) {
    const option = new Option(name, code, false, code === current);
    option.lang = code;
    select.append(option);
  }
  select.addEventListener("change", () => setLanguage(select.value));
  window.addEventListener("qc:language", () => {
    select.value = current;
  });
  return select;
}
