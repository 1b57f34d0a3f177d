// Knowledge-base suggestions on the portal's new-ticket page, and the article page's part in them.
// No inline script (CSP).
//
// New-ticket page ([data-kb-suggest]): 400 ms after the subject or the description last
// changed, ask the server for up to three articles and list them in a polite live region
// below the description. Focus never moves. Nothing is asked while a Japanese IME
// composition is open (input events then carry isComposing); the committed text arrives
// with compositionend, which asks once. Suggestions open in the same tab: the draft (text
// and choices, not files) is kept in sessionStorage and put back when the staff member
// returns to an empty form, and dropped when the form is sent.
//
// Article page ([data-kb-solved]): when the article was opened from a suggestion, the typed
// subject goes with "この記事で解決しました", and the draft is dropped: no ticket is needed.
(function () {
  "use strict";

  var DRAFT_KEY = "helpdesk.kb.newTicketDraft";
  var DELAY = 400;

  var storage = (function () {
    try {
      var s = window.sessionStorage;
      s.setItem("helpdesk.kb.probe", "1");
      s.removeItem("helpdesk.kb.probe");
      return s;
    } catch (e) {
      return null; // storage disabled: suggestions still work, the draft is simply not kept
    }
  })();

  var readDraft = function () {
    if (!storage) { return null; }
    try { return JSON.parse(storage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
  };
  var dropDraft = function () { if (storage) { storage.removeItem(DRAFT_KEY); } };

  // --- the article page -------------------------------------------------------------------------
  var solved = document.querySelector("[data-kb-solved]");
  if (solved) {
    var source = solved.querySelector("input[name=source]");
    var fromSuggestion = source && source.value === "suggestion";
    var draft = readDraft();
    var subjectInput = solved.querySelector("[data-kb-draft-subject]");
    if (fromSuggestion && draft && subjectInput) { subjectInput.value = (draft.subject || "").slice(0, 200); }
    solved.addEventListener("submit", function () { if (fromSuggestion) { dropDraft(); } });
  }

  // --- the new-ticket page ----------------------------------------------------------------------
  var form = document.querySelector("[data-kb-suggest]");
  if (!form || !window.fetch) { return; }
  var subject = form.querySelector("[name=subject]");
  var description = form.querySelector("[name=description]");
  var box = form.querySelector("[data-kb-suggestion-box]");
  var list = form.querySelector("[data-kb-suggestion-list]");
  if (!subject || !description || !box || !list) { return; }
  var url = form.getAttribute("data-suggest-url");

  var timer = null;
  var composing = false;
  var lastQuery = "";
  var inFlight = null;

  var choiceNames = ["type", "impact", "urgency", "service"];

  var saveDraft = function () {
    if (!storage) { return; }
    var draft = { subject: subject.value, description: description.value, choices: {} };
    choiceNames.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field) { draft.choices[name] = field.value; }
    });
    if (!draft.subject.trim() && !draft.description.trim()) { dropDraft(); return; }
    try { storage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (e) { /* full: not kept */ }
  };

  var restoreDraft = function () {
    var draft = readDraft();
    // Only into an empty form: a form sent back with errors keeps what the server returned.
    if (!draft || subject.value || description.value) { return false; }
    subject.value = draft.subject || "";
    description.value = draft.description || "";
    Object.keys(draft.choices || {}).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field || !draft.choices[name]) { return; }
      if (field instanceof RadioNodeList) {
        Array.prototype.forEach.call(field, function (radio) { radio.checked = radio.value === draft.choices[name]; });
      } else if ("value" in field) {
        field.value = draft.choices[name];
      }
    });
    return true;
  };

  var shown = "";

  var render = function (items) {
    // The same articles again: leave the list alone, so nothing is announced twice or moves under the pointer.
    var key = items.map(function (item) { return item.id; }).join(",");
    if (key === shown) { return; }
    shown = key;
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      link.addEventListener("click", saveDraft);
      li.appendChild(link);
      if (item.snippet) {
        var snippet = document.createElement("p");
        snippet.className = "kb-snippet";
        snippet.textContent = item.snippet;
        li.appendChild(snippet);
      }
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  };

  var ask = function () {
    timer = null;
    if (composing) { return; }
    var text = subject.value.trim() + "\n" + description.value.trim();
    if (text === lastQuery) { return; }
    lastQuery = text;
    if (text.trim().length < 2) { render([]); return; }
    if (inFlight && inFlight.abort) { inFlight.abort(); }
    inFlight = window.AbortController ? new AbortController() : null;
    window.fetch(url + "?q=" + encodeURIComponent(text.slice(0, 2000)), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: inFlight ? inFlight.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      render((data && data.items) || []);
    }).catch(function () {
      // Offline, signed out or aborted by a newer request: suggestions are a help, never a hurdle.
    });
  };

  var schedule = function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, DELAY);
  };

  [subject, description].forEach(function (field) {
    field.addEventListener("compositionstart", function () { composing = true; });
    field.addEventListener("compositionend", function () {
      composing = false;
      saveDraft();
      schedule();
    });
    field.addEventListener("input", function (event) {
      if (composing || event.isComposing) { return; }
      saveDraft();
      schedule();
    });
  });
  form.addEventListener("change", saveDraft);
  form.addEventListener("submit", dropDraft);

  if (restoreDraft() || subject.value || description.value) { schedule(); }
})();
