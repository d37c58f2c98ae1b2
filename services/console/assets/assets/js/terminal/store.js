// Device storage for the terminal: JSON in localStorage under "qc.terminal.*".
//
// localStorage is synchronous, so a write has reached the device before the next line runs: the
// outbox relies on that ("persisted before it is sent"). A refused write (quota, private mode)
// throws `StorageError` so callers can say so instead of pretending it was kept.

const PREFIX = "qc.terminal.";

export class StorageError extends Error {}

export function load(key, fallback) {
  try {
    const text = localStorage.getItem(PREFIX + key);
    return text == null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch (error) {
    throw new StorageError(`cannot keep ${key} on this device: ${error.message}`);
  }
}

export function remove(key) {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    // nothing kept, nothing to remove
  }
}

/** Calls `fn()` when another tab of this origin changes `key`. */
export function onOtherTabChange(key, fn) {
  window.addEventListener("storage", (event) => {
    if (event.key === PREFIX + key) fn();
  });
}
