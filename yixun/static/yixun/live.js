/* Live parts of a page, pushed instead of polled.

   An element follows topics with data-live="tips duty" (and, optionally, one object with
   data-live-ref="42"); when the server pushes a change of one of them, the element gets the
   htmx event "yixun:live", on which it fetches itself again (hx-get, hx-trigger="yixun:live"),
   after data-live-delay ms at most (250 by default).
   The server sends only changes this person may see; the element fetches what it shows
   through the page's own view. When push is unavailable (no EventSource, or the server
   answers that it does not push), an element with data-live-poll="5" is fetched every 5 s
   instead, as it was before push. window.yixunLive says which is in use. */
(function () {
  var followers = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
  if (!followers.length || !window.htmx) { return; }
  var script = document.currentScript || document.querySelector("script[data-live-url]");
  var state = window.yixunLive = { connected: false, polling: false };
  var topics = {};
  followers.forEach(function (el) {
    el.dataset.live.split(/\s+/).forEach(function (t) { if (t) { topics[t] = true; } });
  });
  var pending = new Map();

  function fire(el) {
    // Several changes in a moment make one fetch. A part that many pages show at once (the
    // homes) waits a random while up to data-live-delay ms, so that they do not all ask at once.
    if (pending.has(el)) { return; }
    var most = parseInt(el.dataset.liveDelay, 10) || 250;
    var wait = most > 250 ? most / 2 + Math.random() * most / 2 : most;
    pending.set(el, setTimeout(function () {
      pending.delete(el);
      var now = document.getElementById(el.id) || el; // swapped meanwhile: the new one
      htmx.trigger(now, "yixun:live");
    }, wait));
  }

  function changed(topic, ref) {
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var follows = el.dataset.live.split(/\s+/).indexOf(topic) >= 0;
      if (follows && (!el.dataset.liveRef || ref === undefined || el.dataset.liveRef === String(ref))) { fire(el); }
    });
  }

  var timers = [];
  function poll() {
    if (state.polling) { return; }
    state.polling = true;
    document.querySelectorAll("[data-live-poll]").forEach(function (el) {
      var seconds = Math.max(2, parseInt(el.dataset.livePoll, 10) || 15);
      timers.push(setInterval(function () { fire(el); }, seconds * 1000));
    });
  }
  function stopPolling() {
    timers.forEach(clearInterval);
    timers = [];
    state.polling = false;
  }

  if (!window.EventSource) { poll(); return; }
  var url = script.dataset.liveUrl + "?topics=" + encodeURIComponent(Object.keys(topics).join(","));
  if (script.dataset.liveSince) { url += "&since=" + encodeURIComponent(script.dataset.liveSince); }
  var source = new EventSource(url, { withCredentials: true });
  source.addEventListener("open", function () {
    state.connected = true;
    stopPolling();
  });
  source.addEventListener("change", function (e) {
    var data = JSON.parse(e.data);
    changed(data.topic, data.ref);
  });
  source.addEventListener("reset", function () {
    Object.keys(topics).forEach(function (t) { changed(t); });
  });
  source.addEventListener("error", function () {
    state.connected = false;
    // Closed for good (the server does not push, or refused): ask now and then instead. While
    // the browser reconnects by itself, it sends Last-Event-ID and is sent what it missed.
    if (source.readyState === EventSource.CLOSED) { poll(); }
  });
})();
