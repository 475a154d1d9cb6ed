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
