// The certificate ZIP page: follow the job's progress, then reload to show the download link.
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") return;
  var bar = document.getElementById("batch-progress");
  var count = document.getElementById("batch-count");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.total) { bar.max = s.total; }
        bar.value = s.done;
        count.textContent = s.done + " / " + s.total;
        if (s.status === "done" || s.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
