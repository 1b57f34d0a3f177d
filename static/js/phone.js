// Phone intake: incremental caller search and a call-duration timer.
// No inline script (CSP); works without JavaScript through the plain forms.
(function () {
  "use strict";

  var search = document.querySelector("[data-caller-search]");
  if (search) {
    var results = document.getElementById("caller-results");
    var composing = false;
    var timer = null;
    var latest = 0;
    var run = function () {
      var query = search.value.trim();
      var ticket = ++latest;
      if (!query) { results.innerHTML = ""; return; }
      fetch(search.dataset.callerSearch + "?q=" + encodeURIComponent(query), {
        headers: { "X-Requested-With": "fetch" }, credentials: "same-origin"
      }).then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (ticket === latest) { results.innerHTML = html; } });
    };
    // Never search in the middle of Japanese IME composition; search when it ends.
    search.addEventListener("compositionstart", function () { composing = true; });
    search.addEventListener("compositionend", function () { composing = false; run(); });
    search.addEventListener("input", function (event) {
      if (composing || event.isComposing) { return; }
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    });
  }

  var duration = document.querySelector("[data-call-timer]");
  var toggle = document.querySelector("[data-timer-toggle]");
  if (duration && toggle) {
    var parts = duration.value.split(":");
    var elapsed = (parseInt(parts[0], 10) || 0) * 60 + (parseInt(parts[1], 10) || 0);
    var running = true;
    var show = function () {
      var seconds = elapsed % 60;
      duration.value = Math.floor(elapsed / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    };
    setInterval(function () { if (running) { elapsed += 1; show(); } }, 1000);
    duration.addEventListener("input", function () { running = false; toggle.textContent = toggle.dataset.labelStart; });
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      running = !running;
      toggle.textContent = running ? toggle.dataset.labelStop : toggle.dataset.labelStart;
    });
  }
})();
