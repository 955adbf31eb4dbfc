/* Studio JSON view: live validation of the definition text (debounced POST to the
   validate endpoint, CSRF token from the form); problems listed in a live region.
   Without JavaScript, saving shows the same problems. */
(function () {
  "use strict";
  var form = document.getElementById("json-form");
  var text = document.getElementById("json");
  var out = document.getElementById("json-problems");
  if (!form || !text || !out || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-validate-url");
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var english = (document.documentElement.lang || "de").indexOf("en") === 0;
  var timer = null;
  var counter = 0;

  function show(problems) {
    while (out.firstChild) {
      out.removeChild(out.firstChild);
    }
    if (!problems.length) {
      var none = document.createElement("p");
      none.className = "kern-body";
      none.textContent = out.getAttribute("data-none");
      out.appendChild(none);
      return;
    }
    var list = document.createElement("ul");
    list.className = "kern-list";
    list.id = "json-problem-list";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.className = "studio-problem";
      var message = english ? p.message_en : p.message;
      var label;
      if (p.url) {
        label = document.createElement("a");
        label.className = "kern-link";
        label.href = p.url;
      } else {
        label = document.createElement("span");
      }
      label.textContent = message;
      item.appendChild(label);
      item.appendChild(document.createTextNode(" "));
      var code = document.createElement("code");
      code.className = "studio-pointer";
      code.textContent = p.pointer;
      item.appendChild(code);
      list.appendChild(item);
    });
    out.appendChild(list);
  }

  function message(text_) {
    while (out.firstChild) {
      out.removeChild(out.firstChild);
    }
    var p = document.createElement("p");
    p.className = "kern-body";
    p.textContent = text_;
    out.appendChild(p);
  }

  function validate() {
    var mine = ++counter;
    var body = new URLSearchParams();
    body.append("definition", text.value);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": tokenInput ? tokenInput.value : "",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: body.toString()
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (mine === counter) {
          show(data.problems || []);
        }
      })
      .catch(function () {
        if (mine === counter) {
          message(out.getAttribute("data-failed"));
        }
      });
  }

  text.addEventListener("input", function () {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(validate, 600);
  });
})();
