// The counts page's scan field: a USB keyboard-wedge scanner types a barcode and Enter.
// Each scan is taken at once (the field cleared and focused again, so the next scan's
// keystrokes are not lost) and sent after the ones before it, in order; the lines table
// and the outcome are swapped in from the answer. Without script the form posts as usual.
(function () {
  "use strict";
  const form = document.querySelector("form[data-scan]");
  if (!form) return;
  const code = form.elements.code;
  const qty = form.elements.qty;
  let queue = Promise.resolve();
  window.scansPending = 0;

  function send(body) {
    return fetch(form.action, { method: "POST", body: body, headers: { "X-Scan": "1" } })
      .then(function (response) { return response.text(); })
      .then(function (text) { document.getElementById("lines").innerHTML = text; })
      .catch(function () {
        const outcome = document.getElementById("scan-outcome");
        outcome.textContent = "The server could not be reached: the scan was not counted; scan it again.";
        outcome.className = "error";
      })
      .finally(function () { window.scansPending -= 1; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!code.value.trim()) return;
    const body = new FormData(form);
    code.value = "";
    qty.value = "";
    code.focus();
    window.scansPending += 1;
    queue = queue.then(function () { return send(body); });
  });
})();
