// Quick exit: leave for a neutral site and replace this page in the history, so "Back" does not
// return here. The link works without JavaScript too (then the page stays in the history).
// Pressing Escape twice within a second does the same.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.innerHTML = "";
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - last < 1000) { leave(event); }
    last = now;
  });
})();
