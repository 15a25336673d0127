// The "Get browser notifications" button: a member's (bulletins/_push.html), or the public's
// (bulletins/_push_follow.html, whose data-form names the form whose ticked areas and kinds
// this browser follows; pressing it again changes them). A browser without Web Push (WeChat's
// built-in one among them) keeps the buttons hidden and shows the note instead.
(function () {
  var box = document.querySelector("[data-push]");
  if (!box) return;
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");
  var status = box.querySelector("[data-push-status]");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    box.querySelector("[data-push-none]").hidden = false;
    return;
  }
  // The page's CSRF token, as htmx sends it (base.html's hx-headers).
  var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";

  function say(text) { status.textContent = text || ""; }
  var form = box.getAttribute("data-form") ? document.querySelector(box.getAttribute("data-form")) : null;
  function show(subscribed) { on.hidden = subscribed && !form; off.hidden = !subscribed; }

  function ticked(name) {
    if (!form) return [];
    return Array.prototype.map.call(form.querySelectorAll("input[name='" + name + "']:checked"), function (input) { return input.value; });
  }
  function withChoices(posted) {
    if (!form) return posted;
    posted.areas = ticked("areas").map(Number);
    posted.kinds = ticked("kinds");
    return posted;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, subscription) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(subscription)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) throw new Error(answer.message || box.getAttribute("data-failed"));
        return answer;
      });
    });
  }

  var ready = navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: "/" });

  ready.then(function (registration) { return registration.pushManager.getSubscription(); })
    .then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { show(false); });

  on.addEventListener("click", function () {
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error(box.getAttribute("data-denied"));
      return ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-key"))
      });
    }).then(function (subscription) {
      return post(box.getAttribute("data-subscribe"), withChoices(subscription.toJSON()));
    }).then(function (answer) { show(true); say(answer.message); })
      .catch(function (error) { say(error.message || box.getAttribute("data-failed")); })
      .then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    ready.then(function (registration) { return registration.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) return { message: "" };
        var posted = subscription.toJSON();
        return subscription.unsubscribe().then(function () { return post(box.getAttribute("data-unsubscribe"), posted); });
      }).then(function (answer) { show(false); say(answer.message); })
      .catch(function (error) { say(error.message || box.getAttribute("data-failed")); })
      .then(function () { off.disabled = false; });
  });
})();
