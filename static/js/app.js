/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary, so screen readers and keyboards start there.
    var summary = document.getElementById("error-summary");
    if (summary && !document.querySelector("[autofocus]")) {
      summary.focus();
    }
    // One click on "absenden" is enough: ignore further clicks while the request runs.
    // (The server is idempotent anyway; this only avoids a second request.)
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.hasAttribute("data-once")) {
          return;
        }
        if (form.dataset.submitting === "1") {
          event.preventDefault();
          return;
        }
        form.dataset.submitting = "1";
        button.setAttribute("aria-disabled", "true");
      });
    });
    // The resume link field selects its whole text on focus, for copying.
    var link = document.getElementById("resume-link");
    if (link) {
      link.addEventListener("focus", function () { link.select(); });
    }
  });
})();
