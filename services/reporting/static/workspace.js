// Drafts on the complaint page: what a handler types in a form is kept in this tab's
// sessionStorage (not localStorage: the text may hold personal data, and it goes when the tab
// is closed) until the form is sent, restored after a reload, a template click or a visit to
// another page, and leaving the page with unsent text asks first.
(function () {
  "use strict";
  var page = document.querySelector("[data-drafts]");
  if (!page) { return; }
  var prefix = "klachten-draft:" + page.getAttribute("data-drafts") + ":";
  var dirty = false;
  var fields = document.querySelectorAll("form[id] textarea[name]");
  Array.prototype.forEach.call(fields, function (field) {
    var key = prefix + field.form.id + ":" + field.name;
    var saved = window.sessionStorage.getItem(key);
    // A template just chosen replaces the answer's text on purpose: not restored over it.
    var chosen = field.form.id === "respond" && /[?&]template=/.test(window.location.search);
    if (saved !== null && saved !== field.value && !chosen) {
      field.value = saved;
      var note = document.createElement("p");
      note.className = "hint draft-restored";
      note.textContent = page.getAttribute("data-restored");
      field.parentNode.insertBefore(note, field);
      dirty = true;
    }
    field.addEventListener("input", function () {
      window.sessionStorage.setItem(key, field.value);
      dirty = true;
    });
    field.form.addEventListener("submit", function () {
      Array.prototype.forEach.call(field.form.querySelectorAll("textarea[name]"), function (f) {
        window.sessionStorage.removeItem(prefix + field.form.id + ":" + f.name);
      });
      dirty = false;
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();

// Presence (services/reporting/workspace_presence.py): while the case page is open and visible,
// its small presence form is posted every ~20 s; the answer is the list of colleagues who have
// the complaint open, shown in place (announced politely when it changes). Without script the
// page still records its opening once; nothing here is needed to work the case.
(function () {
  "use strict";
  var form = document.getElementById("presence-form");
  var box = document.getElementById("presence");
  if (!form || !box || !window.fetch || !window.URLSearchParams) { return; }
  var every = (parseInt(form.getAttribute("data-beat"), 10) || 20) * 1000;
  function beat() {
    if (document.hidden) { return; }
    window.fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    }).then(function (answer) {
      return answer.ok ? answer.text() : null;
    }).then(function (html) {
      if (html !== null && box.innerHTML.trim() !== html.trim()) { box.innerHTML = html; }
    }).catch(function () { /* no presence for now; the next beat tries again */ });
  }
  window.setInterval(beat, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { beat(); }
  });
})();

// Notifications (services/reporting/workspace_notifications.py): the chrome's link gets the
// number of new ones, in the page's language, from /workspace/notifications/count.
(function () {
  "use strict";
  var bell = document.getElementById("bell-count");
  if (!bell || !window.fetch) { return; }
  var lang = document.documentElement.getAttribute("lang") === "en" ? "en" : "nl";
  window.fetch("/workspace/notifications/count?lang=" + lang, { credentials: "same-origin" })
    .then(function (answer) { return answer.ok ? answer.json() : null; })
    .then(function (found) {
      if (found) { bell.textContent = found.label ? " (" + found.label + ")" : ""; }
    })
    .catch(function () { /* the link still leads to the page */ });
})();
