// The new-task cue: a short two-tone beep (WebAudio) and a vibration.
//
// Browsers start audio only after the user has touched the page, so the AudioContext is created or
// resumed on the first tap anywhere (and by the status bar's sound button).

let context = null;

function audio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!context) context = new Context();
  return context;
}

/** Call from a user gesture: makes later beeps audible. Resolves to whether sound is on. */
export async function unlockSound() {
  const ctx = audio();
  if (!ctx) return false;
  if (ctx.state === "suspended") {
    try {
      await ctx.resume();
    } catch {
      return false;
    }
  }
  return ctx.state === "running";
}

export function soundReady() {
  return context?.state === "running";
}

/** Unlocks on the first tap or key press anywhere. */
export function unlockOnFirstGesture(onUnlocked) {
  const handler = async () => {
    if (await unlockSound()) {
      window.removeEventListener("pointerdown", handler, true);
      window.removeEventListener("keydown", handler, true);
      onUnlocked?.();
    }
  };
  window.addEventListener("pointerdown", handler, true);
  window.addEventListener("keydown", handler, true);
}

export function beep() {
  const ctx = context;
  if (!ctx || ctx.state !== "running") return;
  const start = ctx.currentTime + 0.01;
  [880, 1320, 880].forEach((frequency, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = frequency;
    const t0 = start + i * 0.18;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0);
    osc.stop(t0 + 0.16);
  });
}

export function vibrate() {
  try {
    navigator.vibrate?.([200, 100, 200, 100, 400]);
  } catch {
    // not on this device
  }
}

/** Both cues, at most once per 1.5 s however many tasks arrive together. */
let last = 0;
export function newTaskCue() {
  const now = Date.now();
  if (now - last < 1500) return;
  last = now;
  beep();
  vibrate();
}
