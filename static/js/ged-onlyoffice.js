/* Opens the OnlyOffice editor with the signed config rendered by the server (json_script, no inline code)
   and wires the history panel: refreshHistory, setHistoryData, restore. */
(function () {
  "use strict";
  var holder = document.getElementById("onlyoffice-editor");
  var source = document.getElementById("onlyoffice-options");
  if (!holder || !source) { return; }
  var options = JSON.parse(source.textContent);
  var editor = null;

  function fail(message) {
    holder.innerHTML = "";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = message;
    holder.appendChild(p);
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  if (!window.DocsAPI || !window.DocsAPI.DocEditor) {
    fail(holder.getAttribute("data-error"));
    return;
  }

  var config = options.config;
  config.events = {
    onRequestHistory: function () {
      getJSON(options.historyUrl).then(function (data) { editor.refreshHistory(data); });
    },
    onRequestHistoryData: function (event) {
      var url = options.historyDataUrl + "?version=" + encodeURIComponent(event.data);
      getJSON(url).then(function (data) { editor.setHistoryData(data); });
    },
    onRequestHistoryClose: function () { document.location.reload(); },
    onRequestRestore: function (event) {
      fetch(options.restoreUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": options.csrfToken},
        body: JSON.stringify({version: event.data.version})
      }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { editor.refreshHistory(data.history); })
        .catch(function () { fail(holder.getAttribute("data-restore-error")); });
    }
  };
  if (config.editorConfig.mode !== "edit") { delete config.events.onRequestRestore; }
  editor = new window.DocsAPI.DocEditor("onlyoffice-editor", config);
})();
