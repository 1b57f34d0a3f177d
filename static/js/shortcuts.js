// Console keyboard shortcuts; the "?" sheet (#shortcut-sheet) lists them. The page loads
// this only for people who keep shortcuts on (profile), and everything it does is also
// reachable by mouse and Tab. No inline script (CSP).
//
// A shortcut never fires while focus is in a field, with Ctrl/Alt/Meta held, or during IME
// composition (Japanese input): keydowns inside a composition carry isComposing or
// keyCode 229, and composition is tracked as well, because the Enter that commits a
// conversion still reaches keydown in some browsers.
(function () {
  "use strict";

  var sheet = document.getElementById("shortcut-sheet");
  if (!sheet || typeof sheet.showModal !== "function") { return; }

  var composing = false;
  var afterG = false;
  var gTimer = null;
  var selected = -1;
  var returnFocus = null;

  document.addEventListener("compositionstart", function () { composing = true; }, true);
  document.addEventListener("compositionend", function () {
    // Let a keydown queued behind compositionend still count as composing.
    setTimeout(function () { composing = false; }, 0);
  }, true);

  var isField = function (element) {
    if (!element || element === document.body) { return false; }
    if (element.isContentEditable) { return true; }
    return ["INPUT", "TEXTAREA", "SELECT"].indexOf(element.tagName) !== -1;
  };

  var rows = function () {
    return Array.prototype.slice.call(document.querySelectorAll("[data-shortcut-row]"));
  };

  var current = function () {
    var all = rows();
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("[data-shortcut-row]") : null;
    return row ? all.indexOf(row) : Math.min(selected, all.length - 1);
  };

  var select = function (index) {
    var all = rows();
    if (!all.length) { return false; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("is-selected", i === selected); });
    var link = all[selected].querySelector("a[href]");
    if (link) { link.focus(); } // scrolls it into view; screen readers read the ticket number
    return true;
  };

  var openSelected = function () {
    var row = rows()[selected];
    var link = row && row.querySelector("a[href]");
    if (!link) { return false; }
    window.location.assign(link.href);
    return true;
  };

  var target = function (name) { return document.querySelector('[data-shortcut="' + name + '"]'); };

  var focusField = function (name) {
    var element = target(name);
    if (!element) { return false; }
    var field = isField(element) ? element : element.querySelector("textarea, input:not([type=hidden])");
    if (!field) { return false; }
    field.focus();
    return true;
  };

  var openSheet = function () {
    returnFocus = document.activeElement;
    sheet.showModal();
    sheet.focus(); // the dialog itself, so its name is read first, not its first link
    return true;
  };
  sheet.addEventListener("close", function () {
    if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-shortcut-open]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", openSheet);
  });

  var actions = {
    j: function () { return select(current() + 1); },
    k: function () { return select(Math.max(current(), 1) - 1); },
    o: openSelected,
    Enter: function () {
      // Enter keeps its own meaning everywhere but on the selected ticket (or nothing).
      var active = document.activeElement;
      var row = rows()[selected];
      if (active && active !== document.body && !(row && row.contains(active))) { return false; }
      return openSelected();
    },
    x: function () {
      var row = rows()[selected];
      var box = row && row.querySelector("input[type=checkbox]");
      if (!box) { return false; }
      box.click();
      return true;
    },
    "/": function () { return focusField("search"); },
    r: function () { return focusField("reply"); },
    n: function () { return focusField("note"); },
    a: function () {
      var button = target("assign-me");
      if (!button) { return false; }
      button.click();
      return true;
    },
    "?": openSheet
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (composing || event.isComposing || event.keyCode === 229) { return; }
    if (sheet.open || isField(event.target) || isField(document.activeElement)) { return; }
    if (afterG) {
      afterG = false;
      clearTimeout(gTimer);
      if (event.key === "q") {
        event.preventDefault();
        window.location.assign(sheet.dataset.queueUrl);
      }
      return;
    }
    if (event.key === "g") {
      afterG = true;
      gTimer = setTimeout(function () { afterG = false; }, 1500);
      return;
    }
    var action = Object.prototype.hasOwnProperty.call(actions, event.key) ? actions[event.key] : null;
    if (action && action()) { event.preventDefault(); }
  });
})();
