// Drag-and-drop upload with a progress bar. Without JavaScript the same form posts normally.
// One path only: choosing or dropping files just selects them; « Déposer » sends each selected file once,
// with the comment typed in the form, and the form stays disabled until every file has been answered.
(function () {
  "use strict";
  function init(form) {
    var input = form.querySelector("input[type=file]");
    var progress = form.querySelector(".ged-progress");
    var bar = form.querySelector("progress");
    var results = form.querySelector("[data-ged-results]");
    var status = form.querySelector("[data-ged-selection]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var comment = form.querySelector("input[name=comment]");
    var controls = Array.prototype.slice.call(form.querySelectorAll("input, button, textarea, select"));
    var sending = false;

    // Interface text comes translated from the template (data-*-label); {name} and {n} are filled here.
    function label(key, values) {
      return (form.dataset[key] || "").replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : String(values[k]); });
    }

    function say(text, isError) {
      var li = document.createElement("li");
      li.textContent = text;
      if (isError) { li.className = "field-error"; }
      results.appendChild(li);
    }

    function announceSelection() {
      if (!status) { return; }
      var n = input.files ? input.files.length : 0;
      status.textContent = n === 0 ? "" : (n === 1 ? status.dataset.one : status.dataset.many.replace("{n}", String(n)));
    }

    function setBusy(busy) {
      sending = busy;
      form.setAttribute("aria-busy", busy ? "true" : "false");
      controls.forEach(function (el) { el.disabled = busy; });
    }

    function send(files) {
      if (sending || !files.length) { return; }
      // The comment is read once, before anything is sent: every file of this batch carries it.
      var note = comment ? comment.value : "";
      setBusy(true);
      progress.hidden = false;
      results.textContent = "";
      bar.value = 0;
      var total = 0, done = 0, index = 0, ok = 0;
      for (var i = 0; i < files.length; i++) { total += files[i].size || 1; }
      function finish() {
        bar.value = 100;
        bar.textContent = "100 %";
        input.value = "";  // sent: nothing stays selected to be sent a second time
        announceSelection();
        if (ok) {
          say(label("doneLabel", {}));
          setTimeout(function () { window.location.reload(); }, 600);
        } else {
          setBusy(false);
        }
      }
      function next() {
        if (index >= files.length) { finish(); return; }
        var file = files[index++];
        var data = new FormData();
        data.append("files", file, file.name);
        data.append("csrfmiddlewaretoken", csrf);
        if (note) { data.append("comment", note); }
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-CSRFToken", csrf);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { bar.value = Math.round(100 * (done + e.loaded) / total); bar.textContent = bar.value + " %"; }
        });
        xhr.addEventListener("load", function () {
          done += file.size || 1;
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
          if (xhr.status === 201) {
            ok++;
            say(label("sentLabel", { name: file.name, n: body.documents && body.documents[0] ? body.documents[0].version : "?" }));
            (body.errors || []).forEach(function (m) { say(m, true); });
          } else {
            say(body.error ? file.name + " : " + body.error : label("failedLabel", { name: file.name }), true);
          }
          next();
        });
        xhr.addEventListener("error", function () { done += file.size || 1; say(label("cutLabel", { name: file.name }), true); next(); });
        xhr.send(data);
      }
      next();
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      send(Array.prototype.slice.call(input.files || []));
    });
    input.addEventListener("change", announceSelection);
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); if (!sending) { form.classList.add("is-dragover"); } });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.remove("is-dragover"); });
    });
    form.addEventListener("drop", function (e) {
      // Dropped files become the selection (as if chosen): « Déposer » sends them with the comment.
      if (sending || !e.dataTransfer || !e.dataTransfer.files.length) { return; }
      try { input.files = e.dataTransfer.files; } catch (err) { return; }
      announceSelection();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ged-upload]"), init);
  });
})();
