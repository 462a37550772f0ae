// The service worker of the paper-form entry page (cards/entry.html, static/js/offline-entry.js).
// Served as /cohorts/entry-sw.js. It keeps only what a trainer chose to keep on this device: the
// entry pages she opted in and the site's own styles and scripts they use. Network first: online,
// she always gets the page fresh (and the copy kept is refreshed); offline, the copy is shown.
// Nothing of other pages is kept. "Leave quickly" and logging out delete the copies.
"use strict";

var CACHE = "amicus-entry-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.map(function (url) {
        return fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
          if (response.ok) { return cache.put(url, response); }
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
    var key = new URL(request.url);
    key.search = "";
    return cache.match(key.href).then(function (kept) {
      if (!kept) { return fetch(request); }  // not kept: the network as usual
      return fetch(request).then(function (response) {
        if (response.ok && request.mode === "navigate") { cache.put(key.href, response.clone()); }
        return response;
      }, function () {
        return kept;  // offline: the copy kept on this device
      });
    });
  }));
});
