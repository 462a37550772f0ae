// Courses kept on this device for reading without a connection (issue #20; courses/offline.py).
//
// - The course page's panel (#reader-panel): "Keep this course on this device", with the size
//   shown first (GET /courses/<slug>/offline.json), and "Remove it from this device". Keeping
//   registers the service worker (/courses/offline-sw.js) and asks it to keep the course page,
//   the lessons, their images and the site's own files.
// - A lesson page of a kept course (#reader-lesson): offline, "Mark as complete" is kept on the
//   device (IndexedDB, "completions") and sent to the same address when she is back online;
//   marking complete twice changes nothing, so sending again is harmless.
// - The account page (#reader-kept): the courses kept on this device, each with "Remove".
// What is kept is listed in localStorage ("amicus-offline-courses": slug -> {title, urls}).
// "Leave quickly" (quick-exit.js) and logging out (Clear-Site-Data) delete all of it.
(function () {
  "use strict";
  var KEY = "amicus-offline-courses";
  if (!("serviceWorker" in navigator) || !("indexedDB" in window) || !window.crypto || !crypto.randomUUID) { return; }

  function kept() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; }
  }
  function save(all) {
    if (Object.keys(all).length) { localStorage.setItem(KEY, JSON.stringify(all)); } else { localStorage.removeItem(KEY); }
  }
  function token() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // --- IndexedDB: the completions waiting to be sent ------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("amicus-reader", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("completions", {keyPath: "id"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("completions", mode);
        var result = work(tx.objectStore("completions"));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function sendCompletions() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return store("readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return rows.reduce(function (chain, row) {
        return chain.then(function () {
          var body = new FormData();
          body.append("csrf_token", token());
          return fetch(row.url, {method: "POST", body: body, credentials: "same-origin"}).then(function (response) {
            // Sent when the site answered it (the lesson marked, or already); a log-in page or a
            // refused token keeps it for later.
            if (response.ok && response.url.indexOf("/login") === -1) {
              return store("readwrite", function (s) { s.delete(row.id); });
            }
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* offline again: kept for the next time */ });
  }

  // --- A lesson page of a kept course ---------------------------------------------------------
  var lesson = document.getElementById("reader-lesson");
  if (lesson && kept()[lesson.dataset.course]) {
    var form = lesson.querySelector("form[action$='/complete']");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) { return; }  // online: sent now, as always
        event.preventDefault();
        var row = {id: crypto.randomUUID(), url: form.getAttribute("action"), at: Date.now()};
        store("readwrite", function (s) { s.put(row); }).then(function () {
          var note = document.createElement("p");
          note.className = "done-note";
          note.setAttribute("role", "status");
          note.textContent = lesson.dataset.queued;
          form.replaceWith(note);
        });
      });
    }
  }

  // --- The course page's panel ----------------------------------------------------------------
  var panel = document.getElementById("reader-panel");
  if (panel) {
    panel.hidden = false;
    var slug = panel.dataset.course;
    var keep = document.getElementById("reader-keep");
    var remove = document.getElementById("reader-remove");
    var status = document.getElementById("reader-status");
    var manifest = null;
    var show = function () {
      var isKept = Boolean(kept()[slug]);
      keep.hidden = isKept;
      remove.hidden = !isKept;
      if (isKept) { status.textContent = panel.dataset.keptText; }
    };
    show();
    if (kept()[slug] && navigator.onLine) {
      // Kept already: keep what has opened since (a sequential course's next module).
      fetch(panel.dataset.manifest, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var all = kept();
          var before = (all[slug] || {}).urls || [];
          var added = data.urls.filter(function (url) { return before.indexOf(url) === -1; });
          if (!added.length) { return; }
          return navigator.serviceWorker.getRegistration("/courses/").then(function (registration) {
            if (!registration || !registration.active) { return; }
            registration.active.postMessage({type: "keep", urls: added});
            all[slug] = {title: data.title, urls: before.concat(added)};
            save(all);
          });
        }).catch(function () { /* offline: nothing new to keep */ });
    }
    if (!kept()[slug] && navigator.onLine) {
      fetch(panel.dataset.manifest, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          manifest = data;
          var kb = Math.max(1, Math.round(data.bytes / 1024));
          status.textContent = panel.dataset.sizeText.replace("%(kb)s", String(kb)) +
            (data.locked ? " " + panel.dataset.lockedText : "");
        }).catch(function () { /* shown without the size */ });
    }
    keep.addEventListener("click", function () {
      var ready = manifest ? Promise.resolve(manifest) :
        fetch(panel.dataset.manifest, {credentials: "same-origin"}).then(function (r) { return r.json(); });
      ready.then(function (data) {
        manifest = data;
        return navigator.serviceWorker.register(panel.dataset.worker, {scope: "/courses/"});
      }).then(function () { return navigator.serviceWorker.ready; }).then(function (registration) {
        return new Promise(function (resolve) {
          navigator.serviceWorker.addEventListener("message", function done(event) {
            if (event.data && event.data.type === "kept") {
              navigator.serviceWorker.removeEventListener("message", done);
              resolve();
            }
          });
          status.textContent = panel.dataset.keepingText;
          registration.active.postMessage({type: "keep", urls: manifest.urls});
        });
      }).then(function () {
        var all = kept();
        all[slug] = {title: manifest.title, urls: manifest.urls};
        save(all);
        show();
        status.setAttribute("data-ready", "true");
      });
    });
    remove.addEventListener("click", function () { forget(slug).then(show).then(function () {
      status.textContent = panel.dataset.removedText;
    }); });
  }

  function forget(courseSlug) {
    var all = kept();
    var urls = (all[courseSlug] || {}).urls || [];
    delete all[courseSlug];
    save(all);
    return navigator.serviceWorker.getRegistration("/courses/").then(function (registration) {
      if (registration && registration.active) { registration.active.postMessage({type: "forget", urls: urls}); }
      if (!Object.keys(all).length && registration) { return registration.unregister(); }
    });
  }

  // --- The account page: courses kept on this device ---------------------------------------------
  var list = document.getElementById("reader-kept");
  if (list) {
    var fill = function () {
      var all = kept();
      list.innerHTML = "";
      Object.keys(all).forEach(function (courseSlug) {
        var item = document.createElement("li");
        item.textContent = all[courseSlug].title + " ";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary small";
        button.textContent = list.dataset.removeText;
        button.addEventListener("click", function () { forget(courseSlug).then(fill); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.parentNode.hidden = !Object.keys(all).length;
    };
    fill();
  }

  window.addEventListener("online", sendCompletions);
  sendCompletions();
})();
