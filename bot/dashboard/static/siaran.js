// A running broadcast's figures, refreshed in place: asks /dasbor/siaran/{id}/kemajuan every
// 1.5 s and writes the answer into the [data-progress] elements, until the broadcast is finished.
// Without JavaScript the page still shows the figures of the moment it was opened.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.hasAttribute("data-finished")) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var EVERY = 1500;

  function show(p) {
    Object.keys(p.text).forEach(function (key) {
      var el = box.querySelector('[data-progress="' + key + '"]');
      if (el) {
        el.textContent = p.text[key];
      }
    });
    var bar = box.querySelector('[data-progress="bar"]');
    if (bar) {
      bar.value = p.percent;
      bar.textContent = p.text.percent;
    }
    box.setAttribute("data-percent", String(p.percent));
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          return "stop"; // signed out or refused: nothing more to show
        }
        return response.ok ? response.json() : null;
      })
      .then(function (p) {
        if (p === "stop") {
          return;
        }
        if (p) {
          show(p);
          if (p.finished) {
            box.setAttribute("data-finished", "");
            return;
          }
        }
        window.setTimeout(poll, EVERY);
      })
      .catch(function () {
        window.setTimeout(poll, 2 * EVERY);
      });
  }

  window.setTimeout(poll, EVERY);
})();
