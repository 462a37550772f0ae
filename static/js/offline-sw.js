// The service worker of the pages someone chose to keep on her device: the paper-form entry and
// tablet pages (static/js/offline-entry.js, served as /cohorts/offline-sw.js) and the courses kept
// for reading (static/js/reader.js, served as /courses/offline-sw.js). It keeps only the addresses
// a page asks it to keep, and the site's own styles and scripts they use. Network first: online,
// she always gets the page fresh (and the copy kept is refreshed); offline, the copy is shown.
// Nothing of other pages is kept. "Leave quickly" and logging out delete the copies.
"use strict";

var CACHE = "amicus-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.map(function (url) {
        // The header tells the site this is kept, not read (a lesson fetched here is not her place to resume).
        return fetch(url, {credentials: "same-origin", cache: "no-store",
                           headers: {"X-Amicus-Offline": "keep"}}).then(function (response) {
          if (response.ok && !response.redirected) { return cache.put(url, response); }
        });
      }));
    }).then(function () {
      if (event.source) { event.source.postMessage({type: "kept"}); }
    }));
  } else if (data.type === "forget" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.map(function (url) { return cache.delete(url); }));
    }));
  } else if (data.type === "forget-all") {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    var key = request.url;  // kept under its whole address: a lesson past its warning is another page
    return cache.match(key).then(function (kept) {
      if (!kept) { return fetch(request); }  // not kept: the network as usual
      return fetch(request).then(function (response) {
        if (response.ok && !response.redirected && request.mode === "navigate") { cache.put(key, response.clone()); }
        return response;
      }, function () {
        return kept;  // offline: the copy kept on this device
      });
    });
  }));
});
