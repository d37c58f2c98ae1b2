// The squad terminal's service worker (registered by /assets/js/terminal/terminal.js with scope
// /terminal, so it controls the terminal only and never the other pages).
//
// - The app shell (the page, its scripts and styles, the shared modules, the icons, the manifest)
//   is served cache first, so the terminal opens and reloads without a network. Each cached
//   answer is refreshed in the background when the network is there, so a deployed change is
//   picked up on the next load; a change to this list or to the caching rules bumps VERSION,
//   and the old caches are deleted when the new worker activates.
// - /api/ is never cached and never answered from here: commands, feeds and case state always go
//   to the server (the page keeps its own copies, and its outbox, on the device).

const VERSION = "qc-terminal-v1";
const PREFIX = "qc-terminal-";

const SHELL = [
  "/terminal",
  "/manifest.webmanifest",
  "/assets/css/base.css",
  "/assets/css/terminal.css",
  "/assets/js/common/i18n.js",
  "/assets/js/common/api.js",
  "/assets/js/common/session.js",
  "/assets/js/common/format.js",
  "/assets/js/common/dom.js",
  "/assets/js/common/strings.js",
  "/assets/js/terminal/terminal.js",
  "/assets/js/terminal/strings.js",
  "/assets/js/terminal/store.js",
  "/assets/js/terminal/outbox.js",
  "/assets/js/terminal/tasks.js",
  "/assets/js/terminal/cards.js",
  "/assets/js/terminal/forms.js",
  "/assets/js/terminal/formkit.js",
  "/assets/js/terminal/taskstate.js",
  "/assets/js/terminal/pings.js",
  "/assets/js/terminal/advisories.js",
  "/assets/js/terminal/clock.js",
  "/assets/js/terminal/statusbar.js",
  "/assets/js/terminal/alert.js",
  "/assets/js/terminal/toast.js",
  "/assets/js/terminal/problems.js",
  "/assets/icons/icon.svg",
  "/assets/icons/icon-192.png",
  "/assets/icons/icon-512.png",
  "/assets/icons/icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      // One by one: a file that is missing must not keep the rest out of the cache.
      .then((cache) => Promise.all(SHELL.map((path) => store(cache, path))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page sends the URLs it loaded (modules the shared ones import included) to be cached.
self.addEventListener("message", (event) => {
  if (event.data?.type !== "cache" || !Array.isArray(event.data.urls)) return;
  const paths = event.data.urls.filter(cacheable);
  event.waitUntil(caches.open(VERSION).then((cache) => Promise.all(paths.map((path) => has(cache, path).then((found) => found || store(cache, path))))));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // network only
  const key = request.mode === "navigate" && url.pathname.startsWith("/terminal") ? "/terminal" : url.pathname;
  if (!cacheable(key)) return;
  event.respondWith(cacheFirst(event, key));
});

function cacheable(path) {
  return typeof path === "string" && (path === "/terminal" || path === "/manifest.webmanifest" || path.startsWith("/assets/")) && !path.startsWith("/api/");
}

async function cacheFirst(event, key) {
  const cache = await caches.open(VERSION);
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) {
    event.waitUntil(store(cache, key)); // refresh for next time; failures (offline) are fine
    return cached;
  }
  const response = await fetch(event.request.mode === "navigate" ? key : event.request);
  if (response.ok && response.type === "basic") {
    event.waitUntil(cache.put(key, response.clone()));
  }
  return response;
}

async function has(cache, path) {
  return Boolean(await cache.match(path, { ignoreSearch: true }));
}

async function store(cache, path) {
  try {
    const response = await fetch(path, { cache: "no-cache", credentials: "same-origin" });
    if (response.ok && response.type === "basic") await cache.put(path, response);
  } catch {
    // offline or missing: keep what is cached
  }
}
