// The team's submission editor: saves as she types, counts words, keeps the version it started
// from so that a teammate's simultaneous changes are never overwritten (the form works without this).
(function () {
  "use strict";
  var form = document.getElementById("case-editor");
  if (!form || !window.fetch || !window.FormData) { return; }
  var text = document.getElementById("text");
  var status = document.getElementById("save-status");
  var counter = document.getElementById("word-count");
  var version = form.querySelector("input[name=version]");
  var max = parseInt(form.getAttribute("data-max-words"), 10);
  var url = form.getAttribute("data-autosave-url");
  var timer = null, inFlight = false, again = false, dirty = false;
  if (!text || text.readOnly) { return; }

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function say(value) { if (status) { status.textContent = value; } }
  function words(value) {
    var cjk = value.match(/[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/g) || [];
    var other = value.match(/[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+/g) || [];
    return cjk.length + other.length;
  }
  function count() {
    var n = words(text.value);
    counter.textContent = n + " " + msg("words") + (max ? " / " + max : "");
    counter.classList.toggle("error", !!max && n > max);
  }

  function save() {
    dirty = false;
    if (inFlight) { again = true; return; }
    inFlight = true;
    say(msg("saving"));
    var data = new FormData(form);
    data.set("action", "save");
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Amicus-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        version.value = result.body.version;
        say(result.body.conflict ? result.body.error : msg("saved"));
      } else {
        say(result.body.error);
      }
    }).catch(function () {
      say(msg("offline"));
    }).then(function () {
      inFlight = false;
      if (again) { again = false; save(); }
    });
  }

  text.addEventListener("input", function () {
    dirty = true;
    count();
    clearTimeout(timer); timer = setTimeout(save, 1500);
  });
  window.addEventListener("pagehide", function () {
    if (dirty && navigator.sendBeacon) {
      var data = new FormData(form); data.set("action", "save");
      navigator.sendBeacon(url, data); dirty = false;
    }
  });
})();
