// The team's submission editor: saves as she types, counts words, keeps the version it started
// from so that a teammate's simultaneous changes are never overwritten (the form works without this).
// When a teammate saved since, the server keeps her text aside and answers 409 with the team's
// text: both are shown at once ("Two texts") and she merges; only then does the editor start from
// the teammate's version, so no save replaces text she has not seen.
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
  var panel = document.getElementById("conflict");
  var mine = document.getElementById("conflict-mine");
  var theirs = document.getElementById("conflict-theirs");
  var theirVersion = null;  // the team's version while a conflict waits to be merged
  if (!text || text.readOnly) { return; }

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function say(value) { if (status) { status.textContent = value; } }
  // As courses/cases/services.py count_words: each Chinese, Japanese or Korean character, plus
  // each word of other scripts (letters and digits, joined by ' or -); punctuation is no word.
  var CJK = "\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff\\u{20000}-\\u{2fa1f}";
  var CJK_CHARACTER = new RegExp("[" + CJK + "]", "gu");
  var LETTER = "(?:(?![" + CJK + "])[\\p{L}\\p{N}])";
  var WORD = new RegExp(LETTER + "+(?:['\u2019-]" + LETTER + "+)*", "gu");
  function words(value) {
    return (value.match(CJK_CHARACTER) || []).length + (value.match(WORD) || []).length;
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
        say(msg("saved"));
      } else if (result.body.conflict) {
        showConflict(result.body, data.get("text"));
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

  function showConflict(body, sent) {
    // Her editor keeps starting from the old version, so that her next saves update the text
    // kept aside, until she chooses how to merge.
    theirVersion = body.their_version;
    say(body.error);
    document.getElementById("conflict-message").textContent = body.error;
    mine.value = sent;
    theirs.value = body.their_text;
    document.getElementById("conflict-actions").hidden = false;
    if (panel.hidden) { panel.hidden = false; panel.scrollIntoView({ block: "nearest" }); }
  }

  function merged(value) {
    // She has seen the team's text: her editor now starts from its version.
    if (theirVersion === null) { return; }
    text.value = value;
    version.value = theirVersion;
    theirVersion = null;
    panel.hidden = true;
    count();
    text.focus();
    save();
  }

  if (panel) {
    document.getElementById("conflict-both").addEventListener("click", function () {
      merged(theirs.value + "\n\n" + text.value);
    });
    document.getElementById("conflict-keep-mine").addEventListener("click", function () { merged(text.value); });
    document.getElementById("conflict-take-theirs").addEventListener("click", function () { merged(theirs.value); });
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
