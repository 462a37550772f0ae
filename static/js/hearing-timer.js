// The clerk's countdown for the oral hearing: start a speaker or a rebuttal, pause, reset.
(function () {
  "use strict";
  var box = document.getElementById("hearing-timer");
  if (!box) { return; }
  var clock = document.getElementById("timer-clock");
  var status = document.getElementById("timer-status");
  var left = 0, end = null, tick = null;

  function show(seconds) {
    var s = Math.max(0, Math.round(seconds));
    clock.textContent = ("0" + Math.floor(s / 60)).slice(-2) + ":" + ("0" + (s % 60)).slice(-2);
    clock.classList.toggle("timer-low", s <= 60);
  }
  function step() {
    var remaining = (end - Date.now()) / 1000;
    show(remaining);
    if (remaining <= 0) {
      clearInterval(tick); tick = null; end = null; left = 0;
      status.textContent = box.getAttribute("data-msg-over");
    }
  }
  function run(seconds) {
    clearInterval(tick);
    status.textContent = "";
    end = Date.now() + seconds * 1000;
    step();
    tick = setInterval(step, 250);
  }
  box.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var minutes = button.getAttribute("data-minutes");
    var action = button.getAttribute("data-action");
    if (minutes) { run(parseInt(minutes, 10) * 60); }
    else if (action === "pause") {
      if (tick) { left = (end - Date.now()) / 1000; clearInterval(tick); tick = null; }
      else if (left > 0) { run(left); }
    } else if (action === "reset") {
      clearInterval(tick); tick = null; left = 0; status.textContent = ""; show(0);
    }
  });
})();
