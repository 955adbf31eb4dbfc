// Parameter form: show only the inputs that fit the chosen type (money: limits, text:
// length, choices: option rows). Without JavaScript all inputs stay visible and the
// server says which ones do not fit the type.
(function () {
  "use strict";
  function update(select) {
    var form = select.form;
    form.querySelectorAll("[data-param-types]").forEach(function (block) {
      var types = block.getAttribute("data-param-types").split(" ");
      block.hidden = types.indexOf(select.value) === -1;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_p-type");
    if (!select) {
      return;
    }
    update(select);
    select.addEventListener("change", function () {
      update(select);
    });
  });
})();
