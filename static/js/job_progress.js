// A background job's progress bar (a monthly report, a data export): asks the job's JSON every
// data-interval ms until it is done or failed, then shows the link the JSON's data-result-field names.
// The server renders the first state itself (and the page refreshes itself in <noscript>), so
// without JavaScript the page still works. No inline script (CSP).
(function () {
  "use strict";

  var region = document.querySelector("[data-job-url]");
  if (!region || !window.fetch) { return; }
  var bar = region.querySelector("progress");
  var state = region.querySelector("[data-job-state]");
  var link = region.querySelector("[data-job-link]");
  var hint = region.querySelector(".no-js-hint");
  var interval = parseInt(region.dataset.interval, 10) || 1000;
  var resultField = region.dataset.resultField;
  if (hint) { hint.hidden = true; }

  var label = function (data) {
    var text = region.dataset["label" + data.state.charAt(0).toUpperCase() + data.state.slice(1)] || "";
    text = text.replace("{done}", data.done).replace("{total}", data.total);
    return data.message ? text + " " + data.message : text;
  };

  var show = function (data) {
    bar.max = Math.max(data.total, 1);
    bar.value = data.state === "done" ? bar.max : data.done;
    bar.removeAttribute("aria-busy");
    var text = label(data);
    // A live region: touch it only when it changed, or it is read out at every poll.
    if (state.textContent !== text) { state.textContent = text; }
    if (resultField && data[resultField]) {
      link.querySelector("a").href = data[resultField];
      link.hidden = false;
    }
    return data.state === "queued" || data.state === "running";
  };

  var poll = function () {
    fetch(region.dataset.jobUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (!data || show(data)) { setTimeout(poll, interval); } })
      .catch(function () { setTimeout(poll, interval * 2); /* offline for a moment: try again */ });
  };
  poll();
}());
