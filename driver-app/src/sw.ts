/// <reference lib="webworker" />
/**
 * Caches the app shell only, so the app opens with no signal. The verify API, sign-in and tokens are never
 * cached or answered from here: those requests pass straight through to the network.
 */
export type {};

declare const self: ServiceWorkerGlobalScope;
/** Replaced at build time by a hash of the shell's files, so a new build replaces the old cache. */
declare const SHELL_VERSION: string;

const CACHE = `driver-app-shell-${SHELL_VERSION}`;
const SHELL = ['./', 'index.html', 'app.js', 'app.css', 'config.json', 'icon.svg'];
const shellUrls = new Set(SHELL.map((path) => new URL(path, self.registration.scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  url.search = '';
  // Only GETs of the shell's own files; the OAuth callback (`./?code=…`) is served the cached shell too.
  if (event.request.method !== 'GET' || !shellUrls.has(url.href)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(url.href, copy));
        }
        return response;
      })
      .catch(async () => (await caches.match(url.href)) ?? Response.error()),
  );
});
