// Saves quiz answers on the server as they are given (the form also works without this).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var url = form.getAttribute("data-autosave-url");
  var timer = null, inFlight = false, again = false, dirty = false, leaving = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    dirty = false;
    if (leaving) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    say(msg("saving"));
    fetch(url, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Amicus-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      say(result.ok ? msg("saved") + " " + result.data.at : result.data.error);
    }).catch(function () {
      say(msg("offline"));
    }).then(function () {
      inFlight = false;
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("change", function () { clearTimeout(timer); save(); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") {
      dirty = true;
      clearTimeout(timer); timer = setTimeout(save, 800);
    }
  });
  // Submitting (either button) posts the whole form, what was typed last included, and no save
  // starts after it. A save still under way carries older values: arriving after the submit it
  // is refused (409: the attempt is submitted); arriving while she reads the confirmation page,
  // it is overwritten by that page's submit, which sends the confirmed answers again.
  form.addEventListener("submit", function () {
    leaving = true; dirty = false; clearTimeout(timer);
  });
  // Leaving the page with typing not yet sent: send it anyway.
  window.addEventListener("pagehide", function () {
    if (dirty && !leaving && navigator.sendBeacon) {
      var data = new FormData(form);
      data.append("autosave", "1");
      navigator.sendBeacon(url, data); dirty = false;
    }
  });
  // Back on this page from the browser's cache (after the confirmation page): saving resumes.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { leaving = false; } });

  var clock = document.getElementById("quiz-timer");
  if (clock) {
    var left = parseInt(clock.getAttribute("data-seconds-left"), 10);
    var end = Date.now() + left * 1000;
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      clock.textContent = msg("time-left") + " " + Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
      if (s > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
})();
