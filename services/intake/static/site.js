// The pages' only script (no inline script: the Content-Security-Policy forbids it).
"use strict";

// A page with errors: move focus to their summary, so a screen reader reads it first.
var summary = document.getElementById("error-summary");
if (summary) summary.focus();

var complaintForm = document.getElementById("complaint-form");
if (complaintForm) {
  // Before a slow upload that would be refused: say so at once; the text stays where it is.
  complaintForm.addEventListener("submit", function (event) {
    var form = event.target, input = document.getElementById("f-attachments");
    var total = Number(form.dataset.keptBytes);
    for (var i = 0; i < input.files.length; i++) total += input.files[i].size;
    if (total <= Number(form.dataset.maxBytes)) return;
    event.preventDefault();
    var error = document.getElementById("f-attachments-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = "f-attachments-error";
      input.parentNode.insertBefore(error, input);
      input.setAttribute("aria-describedby", "f-attachments-hint f-attachments-error");
    }
    error.setAttribute("role", "alert");
    error.textContent = form.dataset.tooLarge;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  });
}

// Under each text with a limit (data-limit): how many characters are left, as one types. The
// limit itself is in the label, so without script nothing is missing. Spoken politely, and
// only once typing pauses, so a screen reader is not interrupted at every key.
var texts = document.querySelectorAll("textarea[data-limit]");
for (var t = 0; t < texts.length; t++) (function (area) {
  var counter = document.createElement("p"), timer = null;
  counter.className = "hint counter";
  counter.id = area.id + "-count";
  var spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  area.parentNode.insertBefore(counter, area.nextSibling);
  area.parentNode.insertBefore(spoken, counter.nextSibling);
  function words() {
    var left = Number(area.dataset.limit) - Array.from(area.value).length;
    var n = Math.abs(left).toLocaleString(document.documentElement.lang);
    counter.classList.toggle("field-error", left < 0);
    return (left < 0 ? area.dataset.over : area.dataset.left).replace("{n}", n);
  }
  counter.textContent = words();
  area.addEventListener("input", function () {
    counter.textContent = words();
    clearTimeout(timer);
    timer = setTimeout(function () { spoken.textContent = counter.textContent; }, 1000);
  });
})(texts[t]);

// The confirmation's copy: a button to print it (or save it as PDF). Made here, so a page
// without script shows no button that does nothing; the print style hides all but the copy.
var slots = document.querySelectorAll(".print-slot[data-print]");
for (var p = 0; p < slots.length; p++) (function (slot) {
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.id = "print";
  button.textContent = slot.dataset.print;
  button.addEventListener("click", function () { window.print(); });
  slot.appendChild(button);
})(slots[p]);
