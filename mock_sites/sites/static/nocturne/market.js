// Nocturne market: fetch one page of listings with this page load's token and render it.
// Every value from the API is set with textContent (never innerHTML).
(function () {
  "use strict";
  var app = document.getElementById("app");

  function meta(name) {
    return document.querySelector('meta[name="' + name + '"]').getAttribute("content");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fact(list, label, className, value) {
    if (value === null || value === undefined) return;
    list.append(el("dt", null, label), el("dd", className, value));
  }

  function card(listing) {
    var article = el("article", "listing-card");
    article.setAttribute("data-listing-id", listing.id);
    article.append(el("h3", "listing-title", listing.title));
    var by = el("p", "listing-by", "by ");
    var vendor = el("a", "vendor-link", listing.vendor);
    vendor.setAttribute("href", listing.vendor_url);
    by.append(vendor);
    article.append(by, el("span", "listing-category", listing.category),
                   el("span", "listing-price", listing.price));
    var facts = el("dl", "listing-shipping");
    fact(facts, "Ships from", "ships-from", listing.ships_from);
    fact(facts, "Ships to", "ships-to", listing.ships_to);
    fact(facts, "Excludes", "excludes", listing.excludes);
    article.append(facts);
    return article;
  }

  function render(data) {
    var grid = el("section", "listing-grid");
    data.listings.forEach(function (listing) { grid.append(card(listing)); });
    var pager = el("nav", "pager", "Page " + data.page + " of " + data.pages + " ");
    pager.setAttribute("data-page", data.page);
    pager.setAttribute("data-pages", data.pages);
    if (data.page < data.pages) {
      var next = el("a", "next", "Next");
      next.setAttribute("rel", "next");
      next.setAttribute("href", "/market?page=" + (data.page + 1));
      pager.append(next);
    }
    app.replaceChildren(el("p", "market-rate", data.rate), grid, pager);
    if (!data.listings.length) app.insertBefore(el("p", "market-empty", "No listings today."), grid);
    app.removeAttribute("aria-busy");
    app.setAttribute("data-ready", "1");
  }

  function fail(error) {
    app.replaceChildren(el("p", "market-error", "Could not load the market: " + error.message));
    app.removeAttribute("aria-busy");
    app.setAttribute("data-error", error.message);
  }

  fetch("/api/listings?page=" + encodeURIComponent(meta("nocturne-page")), {
    headers: { "X-Nocturne-Token": meta("nocturne-token"), "Accept": "application/json" },
    credentials: "same-origin"
  }).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(render).catch(fail);
})();
