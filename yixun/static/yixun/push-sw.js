// Bulletins' browser notifications (served at /push-sw.js, so its scope is the whole site).
// The payload is JSON that Yixun encrypted for this browser alone:
// {title, body, url, tag, why, stop, stop_label}.
// A correction comes with the same tag and replaces the notification it corrects.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var message = {};
  try { message = event.data ? event.data.json() : {}; } catch (e) { message = {}; }
  var title = message.title || "义巡";
  // Every message says why it came and how to stop it: the reason under the text, and a
  // button that opens the stop page (for a member, their bulletin settings).
  var body = [message.body, message.why].filter(Boolean).join("\n");
  event.waitUntil(self.registration.showNotification(title, {
    body: body,
    tag: message.tag || undefined,
    renotify: Boolean(message.tag),
    actions: message.stop ? [{ action: "stop", title: message.stop_label || "Stop" }] : [],
    data: { url: message.url || "/inbox/", stop: message.stop || "" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var target = new URL((event.action === "stop" && data.stop) || data.url || "/inbox/", self.location.origin);
  // Only a page of this site: a payload is Yixun's own, but a notification never leads away.
  if (target.origin !== self.location.origin) target = new URL("/inbox/", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (pages) {
    for (var i = 0; i < pages.length; i++) {
      if (pages[i].url === target.href && "focus" in pages[i]) return pages[i].focus();
    }
    return self.clients.openWindow(target.href);
  }));
});
