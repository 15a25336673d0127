/* The duty page keeps working without signal. A form marked data-offline is not posted
   directly: it goes into an outbox kept in this phone's storage, with its idempotency key and
   the time it was filled in, and the outbox is sent, in order, whenever the network is there.
   A resend after a lost answer is harmless: the server finds the record by its key. */
(function () {
  "use strict";
  var STORE = "yixun.duty.outbox";
  var sending = false;

  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(STORE, JSON.stringify(items)); }

  function show() {
    var items = load();
    var box = document.getElementById("outbox");
    var list = document.getElementById("outbox-list");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "queued");
      li.textContent = item.label + " · " + new Date(item.at).toLocaleTimeString();
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
    document.getElementById("network").hidden = navigator.onLine;
  }

  function problem(text) {
    var li = document.createElement("li");
    li.className = "error";
    li.textContent = text;
    document.getElementById("sync-problems").appendChild(li);
  }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function remove(id) {
    save(load().filter(function (item) { return item.id !== id; }));
  }

  function typing() {
    return Array.prototype.some.call(
      document.querySelectorAll("form[data-offline] textarea, form[data-offline] input[type=text]"),
      function (input) { return input.value.trim() !== ""; });
  }

  async function flush() {
    if (sending || !navigator.onLine) return;
    sending = true;
    var sentSome = false;
    try {
      // One at a time, in order; the outbox is re-read after each answer, so what the
      // volunteer queues meanwhile (or in another tab) is never overwritten.
      var item;
      while ((item = load()[0])) {
        var response;
        try {
          response = await fetch(item.url, {
            method: "POST",
            body: new URLSearchParams(item.fields),
            credentials: "same-origin",
            redirect: "manual", // a signed-out session answers with a redirect: not a success
            headers: { "Accept": "application/json", "X-CSRFToken": csrf() },
          });
        } catch (e) {
          break; // still no network: keep everything, try again later
        }
        if (response.type === "opaqueredirect" || response.status === 0) {
          problem(item.label + ": " + document.getElementById("outbox").getAttribute("data-signed-out"));
          break; // kept: it is sent once the volunteer signs in again
        }
        if (response.status >= 500) break; // the server's trouble: keep it and retry
        var answer = {};
        try { answer = await response.json(); } catch (e) { /* not JSON */ }
        if (!response.ok || !answer.ok) {
          // Refused (too far, a bad value): never dropped silently. The volunteer is told,
          // with what they entered, so that it can be entered again as it should be.
          var entered = item.fields.filter(function (pair) {
            return !/(^|-)(key|at|prefix|csrfmiddlewaretoken)$/.test(pair[0]) && pair[1];
          }).map(function (pair) { return pair[1]; }).join(" · ");
          problem(item.label + ": " + (answer.message || response.status) + (entered ? " — " + entered : ""));
        }
        remove(item.id);
        sentSome = true;
      }
    } finally {
      sending = false;
      show();
    }
    if (sentSome && load().length === 0 && !document.querySelector("#sync-problems li") && !typing()) {
      location.reload(); // show what was recorded, unless the volunteer is typing the next one
    }
  }

  function queue(form, fields) {
    var items = load();
    items.push({ id: uuid4(), url: form.action, fields: fields, label: form.getAttribute("data-offline"), at: new Date().toISOString() });
    save(items);
    // A fresh key for the next thing entered with this form.
    var key = form.querySelector("input[name$=key]");
    if (key) key.value = uuid4();
    show();
    flush();
  }

  function collect(form) {
    var now = new Date().toISOString();
    form.querySelectorAll("input[name=at], input[data-at]").forEach(function (input) { input.value = now; });
    return Array.from(new FormData(form).entries()).filter(function (pair) { return typeof pair[1] === "string"; });
  }

  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.hasAttribute("data-position")) {
        if (!navigator.geolocation) { problem(form.getAttribute("data-no-position")); return; }
        navigator.geolocation.getCurrentPosition(function (position) {
          form.querySelector("input[name=latitude]").value = position.coords.latitude.toFixed(6);
          form.querySelector("input[name=longitude]").value = position.coords.longitude.toFixed(6);
          queue(form, collect(form));
        }, function () { problem(form.getAttribute("data-no-position")); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
        return;
      }
      queue(form, collect(form));
      form.querySelectorAll("textarea, input[type=text]").forEach(function (input) { input.value = ""; });
    });
  });
  // A page kept by the service worker shows the keys it was first shown with: every form gets
  // fresh ones now, so that nothing entered after a reload is taken for a resend.
  document.querySelectorAll("form[data-offline] input[name$=key]").forEach(function (input) { input.value = uuid4(); });
  if ("serviceWorker" in navigator) {
    var outbox = document.getElementById("outbox");
    navigator.serviceWorker.register(outbox.getAttribute("data-worker"), { scope: outbox.getAttribute("data-scope") })
      .then(keep).catch(function () {});
  }
  // Keep this page and what it loads, for the service worker to give back without signal.
  function keep() {
    if (!window.caches || !navigator.onLine) return;
    var assets = Array.prototype.map.call(document.querySelectorAll("script[src], link[rel=stylesheet]"),
      function (element) { return element.src || element.href; });
    caches.open("yixun-duty-v1").then(function (cache) {
      return cache.addAll([location.pathname].concat(assets));
    }).then(function () { document.documentElement.setAttribute("data-kept", "1"); }).catch(function () {});
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 15000);
  show();
  flush();
})();
