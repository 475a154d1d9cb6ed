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
