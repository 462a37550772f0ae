// Quick exit: leave for a neutral site and replace this page in the history, so "Back" does not
// return here. The link works without JavaScript too (then the page stays in the history).
// Pressing Escape twice within a second does the same.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  // What this device kept for offline use (static/js/offline-entry.js): the queued forms, the
  // kept pages, the service worker. Deleted before leaving; leaving never waits more than 300 ms.
  function forget() {
    var work = [];
    try {
      localStorage.removeItem("amicus-offline-pages");  // static/js/offline-entry.js
      localStorage.removeItem("amicus-offline-courses");  // static/js/reader.js
    } catch (e) { /* storage blocked */ }
    if (window.indexedDB) {
      work.push(new Promise(function (done) {
        var request = indexedDB.deleteDatabase("amicus-offline");
        request.onsuccess = request.onerror = request.onblocked = done;
      }));
      work.push(new Promise(function (done) {
        var request = indexedDB.deleteDatabase("amicus-reader");
        request.onsuccess = request.onerror = request.onblocked = done;
      }));
    }
    if (window.caches) {
      work.push(caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return caches.delete(key); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      work.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.race([Promise.all(work), new Promise(function (done) { setTimeout(done, 300); })]);
  }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.innerHTML = "";
    var go = function () { window.location.replace(link.href); };
    forget().then(go, go);
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
