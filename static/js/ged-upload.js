// Drag-and-drop upload with a progress bar. Without JavaScript the same form posts normally.
// One path only: choosing or dropping files just selects them; « Déposer » sends each selected file once,
// with the comment typed in the form, and the form stays disabled until every file has been answered.
// Each file goes through a resumable upload session of the API (/api/v1/ged/uploads, under the page's
// session and CSRF token): parts of a few MB, resumed from the server's offset after a network cut.
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
    var uploadsUrl = form.dataset.uploadsUrl;
    var folderId = parseInt(form.dataset.folder, 10);

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
        sendResumable(file, note, function (loaded) {
          bar.value = Math.round(100 * (done + loaded) / total);
          bar.textContent = bar.value + " %";
        }, function (version, error) {
          done += file.size || 1;
          if (version) {
            ok++;
            say(label("sentLabel", { name: file.name, n: version }));
          } else {
            say(error ? file.name + " : " + error : label("failedLabel", { name: file.name }), true);
          }
          next();
        });
      }
      next();
    }

    // One file through a resumable upload session: parts of `chunk_size` bytes sent at the offset the
    // server holds; after a network cut, the server is asked where it stands and the upload goes on from
    // there (each file is sent once, whatever the cuts). The comment travels with the session.
    function request(method, url, body, headers, onLoad, onError, onProgress) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      Object.keys(headers || {}).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      if (onProgress) { xhr.upload.addEventListener("progress", function (e) { onProgress(e.loaded); }); }
      xhr.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
        onLoad(xhr.status, data);
      });
      xhr.addEventListener("error", onError);
      xhr.addEventListener("timeout", onError);
      xhr.send(body === undefined ? null : body);
    }

    function sendResumable(file, note, progressed, settled) {
      var session = null, retries = 0, announcedCut = false;
      function fail(data) { settled(null, data && data.detail); }
      function retryLater() {
        // Network cut: wait (longer each time), or until the browser says it is back online.
        retries++;
        if (retries > 60) { settled(null, label("cutLabel", { name: file.name })); return; }
        if (!announcedCut) { announcedCut = true; say(label("resumeLabel", { name: file.name })); }
        var delay = Math.min(1000 * retries, 10000), fired = false;
        function go() {
          if (fired) { return; }
          fired = true;
          window.removeEventListener("online", go);
          askOffset();
        }
        window.addEventListener("online", go);
        setTimeout(go, navigator.onLine === false ? 30000 : delay);
      }
      function askOffset() {
        request("GET", sessionUrl(), undefined, {}, function (status, data) {
          if (status === 200) { sendFrom(data.offset); } else { fail(data); }
        }, retryLater);
      }
      function sessionUrl() { return uploadsUrl + "/" + encodeURIComponent(session.id); }
      function sendFrom(offset) {
        if (offset >= file.size) { finishSession(); return; }
        var end = Math.min(offset + session.chunk_size, file.size);
        request("PUT", sessionUrl(), file.slice(offset, end),
          { "Content-Type": "application/octet-stream", "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + file.size },
          function (status, data) {
            if (status === 200 || (status === 409 && typeof data.offset === "number")) {
              retries = 0;
              progressed(data.offset);
              sendFrom(data.offset);
            } else if (status === 400 && typeof data.offset === "number") {
              askOffset();  // the part arrived cut short: what arrived is kept
            } else {
              fail(data);
            }
          },
          retryLater,
          function (loaded) { progressed(offset + loaded); });
      }
      function finishSession() {
        request("POST", sessionUrl() + "/finish", undefined, {}, function (status, data) {
          if (status === 201) { settled(data.version, null); }
          else if (status === 409 && typeof data.offset === "number") { sendFrom(data.offset); }
          else { fail(data); }
        }, retryLater);
      }
      var payload = { folder: folderId, filename: file.name, size: file.size };
      if (note) { payload.comment = note; }
      request("POST", uploadsUrl, JSON.stringify(payload), { "Content-Type": "application/json" }, function (status, data) {
        if (status === 201) {
          session = data;
          sendFrom(data.offset);
        } else {
          fail(data);
        }
      }, function () { settled(null, label("cutLabel", { name: file.name })); });
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
