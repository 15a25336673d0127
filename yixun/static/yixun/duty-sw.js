/* The duty page's service worker: the page and its assets come from the network when there is
   one, and from the last copy kept here when there is not, so that a volunteer who reloads or
   reopens the page without signal can still check in and log; what they enter waits in the
   outbox (duty.js) until the network returns. Only GETs of the duty page and static files. */
const CACHE = "yixun-duty-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname !== "/duty/" && !url.pathname.startsWith("/static/")) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() =>
        // Django varies its pages on Cookie and Accept-Language, which a kept copy cannot match.
        caches.match(request, { ignoreVary: true }).then((kept) => kept || Response.error())
      )
  );
});
