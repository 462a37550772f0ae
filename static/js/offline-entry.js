// Paper forms typed in on a tablet without a connection (cards/entry.html).
//
// Opt-in per device and per page: "Keep this page on this device" registers the entry page's
// service worker (/cohorts/offline-sw.js), which keeps a copy of the page and its styles and
// scripts. From then on, a form is not sent by the browser: it is stored in this device's
// IndexedDB with an id made here, and the queue is sent to the server as soon as it can be (at
// once when online, when the connection returns, every 30 seconds). The server answers each form
// by its id, so one sent twice is entered once. A form the server refuses (a void card, a typo
// in the number, answered already) is listed with the reason under "Not entered", never dropped
// silently. "Leave quickly" and logging out delete the queue and the copies (quick-exit.js and
// the log-out's Clear-Site-Data header).
(function () {
  "use strict";
  var form = document.querySelector("form[data-sync]");
  var panel = document.getElementById("offline-panel");
  if (!form || !panel || !("indexedDB" in window) || !("serviceWorker" in navigator) || !window.crypto ||
      !crypto.randomUUID) { return; }
  panel.hidden = false;

  var syncUrl = form.getAttribute("data-sync");
  var pageUrl = window.location.pathname;
  var KEPT = "amicus-offline-pages";
  var status = document.getElementById("offline-status");
  var problems = document.getElementById("offline-problems");
  var keepButton = document.getElementById("offline-keep");
  var stopButton = document.getElementById("offline-stop");
  var text = panel.dataset;
  var token = (form.querySelector("input[name=csrf_token]") || {}).value || "";
  var sending = false;

  function keptPages() {
    try { return JSON.parse(localStorage.getItem(KEPT) || "[]"); } catch (e) { return []; }
  }
  function isKept() { return keptPages().indexOf(pageUrl) !== -1; }
  function setKept(on) {
    var pages = keptPages().filter(function (p) { return p !== pageUrl; });
    if (on) { pages.push(pageUrl); }
    if (pages.length) { localStorage.setItem(KEPT, JSON.stringify(pages)); } else { localStorage.removeItem(KEPT); }
  }

  // --- IndexedDB: "queue" (forms to send) and "problems" (forms the server refused) ------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("amicus-offline", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("queue", {keyPath: "id"});
        request.result.createObjectStore("problems", {keyPath: "id"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function all(name) {
    return store(name, "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return r.sync === syncUrl; });
    });
  }

  // --- What the page shows ----------------------------------------------------------------------
  function show() {
    keepButton.hidden = isKept();
    stopButton.hidden = !isKept();
    return Promise.all([all("queue"), all("problems")]).then(function (found) {
      var waiting = found[0].length;
      status.textContent = isKept() ? text.waiting.replace("%(n)s", String(waiting)) +
        (navigator.onLine ? "" : " " + text.offline) : "";
      problems.innerHTML = "";
      found[1].forEach(function (row) {
        var item = document.createElement("li");
        item.textContent = text.refused.replace("%(card)s", row.card).replace("%(reason)s", row.message);
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "secondary small";
        dismiss.textContent = text.dismiss;
        dismiss.addEventListener("click", function () {
          store("problems", "readwrite", function (s) { s.delete(row.id); }).then(show);
        });
        item.appendChild(document.createTextNode(" "));
        item.appendChild(dismiss);
        problems.appendChild(item);
      });
      problems.hidden = !found[1].length;
    });
  }

  // --- Sending the queue --------------------------------------------------------------------------
  function post(batch) {
    return fetch(syncUrl, {
      method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({entries: batch.map(function (r) {
        return {id: r.id, card: r.card, answers: r.answers, kind: r.kind};
      })})
    });
  }
  function freshToken() {
    return fetch(syncUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("json") === -1) { throw new Error("signed out"); }
      return r.json();
    }).then(function (data) { token = data.csrf_token; });
  }
  function settle(batch, results) {
    var byId = {};
    batch.forEach(function (r) { byId[r.id] = r; });
    return store("queue", "readwrite", function (queue) {
      results.forEach(function (result) { if (byId[result.id]) { queue.delete(result.id); } });
    }).then(function () {
      var refused = results.filter(function (r) { return r.outcome === "refused" && byId[r.id]; });
      if (!refused.length) { return; }
      return store("problems", "readwrite", function (s) {
        refused.forEach(function (r) {
          s.put({id: r.id, sync: syncUrl, card: byId[r.id].card, message: r.message});
        });
      });
    });
  }
  function send() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    var finished = function () { sending = false; return show(); };
    var round = function (retried) {
      return all("queue").then(function (queue) {
        if (!queue.length) { return; }
        var batch = queue.slice(0, Number(panel.dataset.batch) || 50);
        return post(batch).then(function (response) {
          if (response.status === 400 && !retried) {  // the token is older than a new log-in
            return freshToken().then(function () { return round(true); });
          }
          if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") === -1) {
            throw new Error("not sent: " + response.status);
          }
          return response.json().then(function (data) {
            return settle(batch, data.results || []);
          }).then(function () { return round(false); });
        });
      });
    };
    return round(false).then(finished, finished);  // offline or signed out: the queue stays
  }

  // --- The form: stored on the device first, then sent --------------------------------------------
  form.addEventListener("submit", function (event) {
    if (!isKept()) { return; }  // not kept on this device: the browser sends the form as usual
    event.preventDefault();
    // Typed from paper (the entry page): each box's digits. Answered on the tablet (data-kind
    // "answered"): the values chosen, a list for "tick all that apply".
    var answers = {};
    var data = new FormData(form);
    data.forEach(function (_value, name) {
      if (name.indexOf("i-") !== 0 || name in answers) { return; }
      var values = data.getAll(name).map(String);
      var many = form.querySelector("input[type=checkbox][name='" + name.replace(/'/g, "") + "']");
      answers[name] = many ? values : values[0];
    });
    var card = form.querySelector("input[name=card]").value.trim();
    if (!card) { form.querySelector("input[name=card]").focus(); return; }
    var row = {id: crypto.randomUUID(), sync: syncUrl, card: card, answers: answers, at: Date.now(),
               kind: form.getAttribute("data-kind") || "typed"};
    store("queue", "readwrite", function (s) { s.put(row); }).then(function () {
      var saved = document.getElementById("offline-saved");
      if (!saved) {
        saved = document.createElement("p");
        saved.id = "offline-saved";
        saved.className = "flash flash-success";
        saved.setAttribute("role", "status");
        form.parentNode.insertBefore(saved, form);
      }
      saved.textContent = form.getAttribute("data-saved") || "";
      saved.hidden = !saved.textContent;
      form.reset();
      Array.prototype.forEach.call(form.querySelectorAll("input[name=card], input[type=text][name^='i-'], " +
                                                         "input:not([type])[name^='i-'], textarea[name^='i-']"),
                                   function (input) { input.value = ""; });
      form.querySelector("input[name=card]").focus();
      return show();
    }).then(send);
  });

  keepButton.addEventListener("click", function () {
    navigator.serviceWorker.register(panel.dataset.worker, {scope: "/cohorts/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      setKept(true);
      var urls = [pageUrl].concat(Array.prototype.map.call(
        document.querySelectorAll("link[rel=stylesheet][href^='/'], script[src^='/']"),
        function (el) { return el.getAttribute("href") || el.getAttribute("src"); }));
      return new Promise(function (resolve) {
        navigator.serviceWorker.addEventListener("message", function kept(event) {
          if (event.data && event.data.type === "kept") {
            navigator.serviceWorker.removeEventListener("message", kept);
            resolve();
          }
        });
        registration.active.postMessage({type: "keep", urls: urls});
      });
    }).then(function () {
      status.setAttribute("data-ready", "true");
      return show();
    });
  });

  stopButton.addEventListener("click", function () {
    all("queue").then(function (queue) {
      if (queue.length) {
        status.textContent = text.notEmpty.replace("%(n)s", String(queue.length));
        return;
      }
      setKept(false);
      if (navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "forget", urls: [pageUrl]});
      }
      return show();
    });
  });

  window.addEventListener("online", function () { show().then(send); });
  window.addEventListener("offline", show);
  setInterval(function () { if (navigator.onLine) { send(); } }, 30000);
  show().then(function () { if (isKept()) { return send(); } });
})();
