// The hovered and the selected cell, shared by the map, the cell table, the weekly matrix and the
// emerging hot spots: whichever shows a cell highlights it when another one points at it.

export function createLink() {
  let hovered = null;
  let selected = null;
  const listeners = new Set();
  const emit = (source) => {
    for (const fn of listeners) fn({ hovered, selected, source });
  };
  return {
    get hovered() { return hovered; },
    get selected() { return selected; },
    /** `h3` or null; `source` names who pointed ("map", "table", "trend", "emerging"). */
    hover(h3, source) {
      if (hovered === h3) return;
      hovered = h3;
      emit(source);
    },
    /** Selects `h3`, or clears the selection when it is already selected (or null). */
    select(h3, source) {
      selected = selected === h3 ? null : h3;
      emit(source);
    },
    clear() {
      hovered = null;
      selected = null;
      emit("clear");
    },
    on(fn) {
      listeners.add(fn);
    },
  };
}
