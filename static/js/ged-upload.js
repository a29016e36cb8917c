// Drag-and-drop upload with a progress bar. Without JavaScript the same form posts normally.
(function () {
  "use strict";
  function init(form) {
    var input = form.querySelector("input[type=file]");
    var progress = form.querySelector(".ged-progress");
    var bar = form.querySelector("progress");
    var results = form.querySelector("[data-ged-results]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var comment = form.querySelector("input[name=comment]");

    function say(text, isError) {
      var li = document.createElement("li");
      li.textContent = text;
      if (isError) { li.className = "field-error"; }
      results.appendChild(li);
    }

    function send(files) {
      if (!files.length) { return; }
      progress.hidden = false;
      var total = 0, done = 0, index = 0, ok = 0;
      for (var i = 0; i < files.length; i++) { total += files[i].size || 1; }
      function next() {
        if (index >= files.length) {
          bar.value = 100;
          if (ok) { say(form.dataset.doneLabel || "Dépôt terminé : la page se met à jour."); setTimeout(function () { window.location.reload(); }, 600); }
          return;
        }
        var file = files[index++];
        var data = new FormData();
        data.append("files", file, file.name);
        data.append("csrfmiddlewaretoken", csrf);
        if (comment && comment.value) { data.append("comment", comment.value); }
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
            say(file.name + " : déposé (version " + (body.documents && body.documents[0] ? body.documents[0].version : "?") + ")");
            (body.errors || []).forEach(function (m) { say(m, true); });
          } else {
            say(file.name + " : " + (body.error || "échec de l'envoi, réessayez."), true);
          }
          next();
        });
        xhr.addEventListener("error", function () { say(file.name + " : la connexion a été interrompue, réessayez.", true); next(); });
        xhr.send(data);
      }
      next();
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); send(Array.prototype.slice.call(input.files)); });
    input.addEventListener("change", function () { send(Array.prototype.slice.call(input.files)); });
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("is-dragover"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.remove("is-dragover"); });
    });
    form.addEventListener("drop", function (e) { send(Array.prototype.slice.call(e.dataTransfer.files)); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ged-upload]"), init);
  });
})();
