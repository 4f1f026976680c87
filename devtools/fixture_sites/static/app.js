// Vitrine: the JavaScript-rendered fixture site. The HTML shell holds no ad content; this script fetches
// it from the JSON API and builds the DOM with textContent only (ad text is untrusted, never innerHTML).
(function () {
  "use strict";
  var app = document.getElementById("app");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function ready() { document.body.dataset.ready = "1"; }

  function fail(message) {
    app.appendChild(el("p", { "class": "error" }, message));
    ready();
  }

  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    });
  }

  function listing(page) {
    getJSON("/api/ads?page=" + page).then(function (data) {
      data.items.forEach(function (item) {
        var card = el("div", { "class": "card", "data-ad-id": item.id });
        card.appendChild(el("a", { "class": "card-link", "href": "/ad/" + encodeURIComponent(item.id) }, item.title));
        app.appendChild(card);
      });
      if (data.page < data.pages) {
        app.appendChild(el("a", { "class": "next", "href": "/?page=" + (data.page + 1) }, "Next"));
      }
      ready();
    }).catch(function (err) { fail("Could not load ads (" + err.message + ")"); });
  }

  function detail(id) {
    getJSON("/api/ads/" + encodeURIComponent(id)).then(function (ad) {
      var section = el("section", { "class": "ad-detail", "data-ad-id": ad.id });
      section.appendChild(el("h2", { "class": "title" }, ad.title));
      section.appendChild(el("time", { "datetime": ad.posted_at }, ad.posted_at.replace("T", " ").replace("Z", "")));
      section.appendChild(el("span", { "class": "place" }, ad.city));
      section.appendChild(el("div", { "class": "text" }, ad.text));
      ad.photos.forEach(function (src) { section.appendChild(el("img", { "class": "pic", "src": src })); });
      app.appendChild(section);
      ready();
    }).catch(function (err) { fail("Could not load this ad (" + err.message + ")"); });
  }

  var match = window.location.pathname.match(/^\/ad\/([A-Za-z0-9_-]+)$/);
  if (match) {
    detail(match[1]);
  } else {
    var page = parseInt(new URLSearchParams(window.location.search).get("page") || "1", 10);
    listing(isNaN(page) || page < 1 ? 1 : page);
  }
})();
