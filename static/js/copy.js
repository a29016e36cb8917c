// « Copier » buttons: <button data-copy="ID" hidden> copies the value (or text) of element ID and says so in
// the status element named by data-copy-status. Hidden until this script runs: without it, select and copy.
(function () {
  "use strict";

  function fallbackCopy(source) {
    // navigator.clipboard needs a secure context (https or localhost); select and copy elsewhere.
    if (typeof source.select === "function") {
      source.select();
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return document.execCommand("copy");
  }

  function copy(button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent.trim();
    var done = function () { if (status) status.textContent = button.dataset.copied || ""; };
    var failed = function () {
      if (fallbackCopy(source)) { done(); } else if (status) { status.textContent = button.dataset.copyFailed || ""; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) { button.hidden = false; });
})();
