/* Sends the stand-in's assertion on to the engine; without JavaScript the "Weiter" button does. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("assertion-form");
    if (form && form.dataset.autosubmit === "1") {
      form.submit();
    }
  });
})();
