// Deadlines count down while the page stays open.
// Each [data-due] element holds the deadline (ISO 8601) and two phrasings from the server,
// in the reader's language: data-left ("残り{n}分") and data-over ("期限超過 {n}分").
// With data-format="clock" the phrasings take {t}, shown as h:mm:ss and updated every second
// (the P1 one-hour restoration countdown); otherwise {n} minutes, updated every 30 seconds.
// The server renders the first text itself, so without JavaScript the page is right when it loads.
// No inline script (CSP).
(function () {
  "use strict";

  var clocks = document.querySelectorAll("[data-due]");
  if (!clocks.length) { return; }

  var pad = function (n) { return (n < 10 ? "0" : "") + String(n); };
  var clockText = function (ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var hours = Math.floor(seconds / 3600);
    var rest = pad(Math.floor((seconds % 3600) / 60)) + ":" + pad(seconds % 60);
    return hours ? String(hours) + ":" + rest : rest;
  };

  var bySecond = false;
  var tick = function () {
    var now = Date.now();
    clocks.forEach(function (clock) {
      var ms = Date.parse(clock.dataset.due) - now;
      var overdue = ms < 0;
      var template = overdue ? clock.dataset.over : clock.dataset.left;
      if (clock.dataset.format === "clock") {
        bySecond = true;
        clock.textContent = template.replace("{t}", clockText(ms));
      } else {
        var minutes = Math.floor(ms / 60000);
        clock.textContent = template.replace("{n}", String(Math.abs(minutes)));
      }
      clock.classList.toggle("overdue", overdue);
      var box = clock.closest(".restoration-countdown");
      if (box) { box.classList.toggle("sla-breached", overdue); }
    });
  };

  tick();
  window.setInterval(tick, bySecond ? 1000 : 30000);
}());
