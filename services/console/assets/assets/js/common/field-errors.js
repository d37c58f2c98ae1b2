// Field errors next to their fields (the console's report form and the residents' report page):
// the server's problem+json `errors` (`{field, message}`: `occurred`, `location.lat`,
// `items[2].description`, `reporter.phone`, ...) and the form's own checks. A slot is an element
// with `data-error-for="<field>"`; the inputs that point at it with `aria-describedby`, the ids in
// its `data-marks` and the radios named in its `data-marks-group` get `aria-invalid`. Each message
// is kept as a function, so a language switch re-words what is on display.

/**
 * The field errors of one form. `messages` words the server's messages in the page's language:
 * `[pattern, (match) => text]` pairs, the first match wins, and a message none matches is shown as
 * it came.
 */
export function createFieldErrors(messages) {
  const shown = new Set();

  function fieldMessage(message) {
    for (const [pattern, words] of messages) {
      const match = pattern.exec(message || "");
      if (match) return words(match);
    }
    return message || "";
  }

  /** Hides every field error under `root`. */
  function clearErrors(root) {
    for (const slot of root.querySelectorAll("[data-error-for]")) hide(slot);
    for (const input of root.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute("aria-invalid");
    shown.clear();
  }

  /**
   * Shows `errors` — the server's `{field, message}`, or the page's own `{field, words}` /
   * `{row, key, words}` (an item row), `words` being a function giving the text — and returns those
   * without a slot and the first marked input.
   */
  function showErrors(root, errors, itemRows = []) {
    const leftOver = [];
    for (const error of errors) {
      const slot = slotFor(root, error, itemRows);
      if (!slot) {
        leftOver.push(error);
        continue;
      }
      const words = error.words || (() => fieldMessage(error.message));
      slot.words = [...(slot.words || []), words];
      render(slot);
      shown.add(slot);
      for (const input of targets(slot)) input.setAttribute("aria-invalid", "true");
    }
    return { leftOver, first: root.querySelector('[aria-invalid="true"]') };
  }

  /** Once a marked field is edited, its error goes: the user is fixing it. */
  function clearErrorOf(input) {
    if (input?.getAttribute?.("aria-invalid") !== "true") return;
    for (const slot of [...shown]) {
      const marked = targets(slot);
      if (!marked.includes(input)) continue;
      for (const other of marked) other.removeAttribute("aria-invalid");
      hide(slot);
      shown.delete(slot);
    }
  }

  /** Whether any field error is on display. */
  const anyShown = () => shown.size > 0;

  /** Re-words the errors on display (after a language switch). */
  function retranslateErrors() {
    for (const slot of shown) render(slot);
  }

  return { clearErrors, showErrors, clearErrorOf, anyShown, retranslateErrors };
}

function hide(slot) {
  slot.hidden = true;
  slot.textContent = "";
  slot.words = [];
}

function render(slot) {
  slot.textContent = slot.words.map((words) => words()).join(" ");
  slot.hidden = false;
}

function slotFor(root, error, itemRows) {
  if (error.row) return error.row.querySelector(`[data-error-for="${error.key}"]`);
  const item = /^items\[(\d+)\]\.(\w+)$/.exec(error.field || "");
  if (item) return itemRows[Number(item[1])]?.querySelector(`[data-error-for="${item[2]}"]`) || null;
  return root.querySelector(`[data-error-for="${CSS.escape(error.field || "")}"]`);
}

function targets(slot) {
  const marked = (slot.dataset.marks || "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id));
  const described = [...document.querySelectorAll(`[aria-describedby~="${slot.id}"]`)].filter(
    (el) => el.tagName !== "FIELDSET",
  );
  const group = slot.dataset.marksGroup ? [...document.getElementsByName(slot.dataset.marksGroup)] : [];
  return [...marked, ...described, ...group].filter((el) => el && !el.closest("[hidden]"));
}
