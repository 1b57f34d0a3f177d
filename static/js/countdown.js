// Acknowledgement deadlines count down while the page stays open.
// Each [data-due] element holds the deadline (ISO 8601) and two phrasings from the server,
// in the reader's language: data-left ("残り{n}分") and data-over ("期限超過 {n}分").
// The server renders the first text itself, so without JavaScript the page is right when it loads.
// No inline script (CSP).
(function () {
  "use strict";

  var clocks = document.querySelectorAll("[data-due]");
  if (!clocks.length) { return; }

  var tick = function () {
    var now = Date.now();
    clocks.forEach(function (clock) {
      var minutes = Math.floor((Date.parse(clock.dataset.due) - now) / 60000);
      var overdue = minutes < 0;
      var template = overdue ? clock.dataset.over : clock.dataset.left;
      clock.textContent = template.replace("{n}", String(Math.abs(minutes)));
      clock.classList.toggle("overdue", overdue);
    });
  };

  tick();
  window.setInterval(tick, 30000);
}());
