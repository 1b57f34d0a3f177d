// Supervisor dashboard: fetch a fresh body every minute (data-interval, ms) and swap it in.
// The server renders the whole page, so without JavaScript it is complete and the
// "update now" link reloads it. No inline script (CSP). Polling pauses while the tab is
// hidden and catches up when it is shown again; a failed fetch keeps the figures shown.
(function () {
  "use strict";

  var panel = document.querySelector("[data-dashboard-url]");
  if (!panel || !window.fetch) { return; }
  var interval = parseInt(panel.dataset.interval, 10) || 60000;
  var timer = null;
  var busy = false;

  var refresh = function () {
    clearTimeout(timer);
    if (busy) { return; }
    busy = true;
    fetch(panel.dataset.dashboardUrl, {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    })
      // A redirect means the session ended: leave the figures; a reload shows the sign-in page.
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        // A table someone opened stays open across refreshes.
        var summary = function (d) { return d.querySelector("summary").textContent; };
        var open = Array.prototype.map.call(panel.querySelectorAll("details[open]"), summary);
        panel.innerHTML = html;
        Array.prototype.forEach.call(panel.querySelectorAll("details"), function (d) {
          if (open.indexOf(summary(d)) !== -1) { d.open = true; }
        });
      })
      .catch(function () { /* offline for a moment: the next refresh tries again */ })
      .then(function () {
        busy = false;
        if (document.visibilityState !== "hidden") { timer = setTimeout(refresh, interval); }
      });
  };

  var reload = document.querySelector("[data-dashboard-reload]");
  if (reload) {
    reload.addEventListener("click", function (event) {
      event.preventDefault();
      refresh();
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); } else { clearTimeout(timer); }
  });
  timer = setTimeout(refresh, interval);
})();
