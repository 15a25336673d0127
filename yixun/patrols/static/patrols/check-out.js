/* Ending a duty before its shift's end asks first, in a dialog: the server says what ending now
   credits (the same words as the page shown without script). Without signal the dialog says it
   in general terms. Once confirmed, the form goes to duty.js's outbox with confirm=1. Loaded
   before duty.js, so that this listener runs first and holds the form back until confirmed. */
(function () {
  "use strict";

  function ask(form, dialog) {
    var text = dialog.querySelector("[data-text]");
    text.textContent = text.getAttribute("data-offline-text");
    if (!navigator.onLine) { dialog.showModal(); return; }
    var body = new URLSearchParams(new FormData(form));
    body.set("at", new Date().toISOString());
    body.delete("key"); // a question, not the check-out: its key is kept for the real one
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (result) {
      if (result.answer.ok) { location.reload(); return; } // the shift had ended: it is done
      if (result.answer.lines) {
        text.textContent = "";
        result.answer.lines.forEach(function (line) {
          var p = document.createElement("span");
          p.textContent = line;
          text.appendChild(p);
          text.appendChild(document.createElement("br"));
        });
      } else if (result.answer.message) {
        text.textContent = result.answer.message;
      }
      dialog.showModal();
    }).catch(function () { dialog.showModal(); });
  }

  document.querySelectorAll("form[data-check-out]").forEach(function (form) {
    var dialog = form.nextElementSibling;
    var confirm = form.querySelector("input[name=confirm]");
    form.addEventListener("submit", function (event) {
      if (confirm.value === "1") return; // confirmed: duty.js sends it
      if (new Date(form.getAttribute("data-ends-at")) <= new Date()) { confirm.value = "1"; return; }
      event.preventDefault();
      event.stopImmediatePropagation();
      ask(form, dialog);
    }, true);
    dialog.querySelector("[data-keep]").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector("[data-end]").addEventListener("click", function () {
      dialog.close();
      confirm.value = "1";
      form.requestSubmit();
    });
  });
})();
