// Ticket workspace presence: which other agents have this ticket open, and who is typing.
// A heartbeat every few seconds (data-interval, ms) answers the list; the server renders
// the first list itself, so without JavaScript the page is right when it loads.
// No inline script (CSP). Typing during Japanese IME composition counts as typing.
(function () {
  "use strict";

  var region = document.querySelector("[data-presence-url]");
  if (!region || !window.fetch) { return; }
  var list = region.querySelector("[data-presence-list]");
  var interval = parseInt(region.dataset.interval, 10) || 10000;
  var idleAfter = parseInt(region.dataset.typingIdle, 10) || 5000;
  var typing = false;
  var idleTimer = null;
  var pollTimer = null;
  var shown = list.textContent.trim();

  var render = function (others) {
    var items = others.map(function (other) {
      var item = document.createElement("li");
      item.className = other.typing ? "presence-typing" : "presence-viewing";
      item.textContent = (other.typing ? region.dataset.typing : region.dataset.viewing)
        .replace("{name}", other.name);
      return item;
    });
    var text = items.map(function (item) { return item.textContent; }).join("\n");
    // The list is a live region: touch it only when it changed, or it is read out every poll.
    if (text === shown) { return; }
    shown = text;
    list.replaceChildren.apply(list, items);
  };

  var beat = function (leaving) {
    clearTimeout(pollTimer);
    var request = fetch(region.dataset.presenceUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(leaving),
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": region.dataset.csrf
      },
      body: JSON.stringify({ typing: typing })
    });
    if (leaving) { return; }
    request.then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data.others); } })
      .catch(function () { /* offline for a moment: the next beat tries again */ })
      .then(function () { pollTimer = setTimeout(beat, interval); });
  };

  var typed = function (event) {
    var form = event.target.closest && event.target.closest("[data-presence-typing]");
    if (!form || event.target.tagName !== "TEXTAREA") { return; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { typing = false; beat(); }, idleAfter);
    if (!typing) { typing = true; beat(); }
  };
  document.addEventListener("input", typed);
  document.addEventListener("compositionstart", typed);
  document.addEventListener("compositionupdate", typed);
  document.addEventListener("submit", function (event) {
    if (!event.target.closest("[data-presence-typing]") || !typing) { return; }
    clearTimeout(idleTimer);
    typing = false;
    beat(true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { beat(); }
  });
  beat();
})();
