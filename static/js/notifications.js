// Live notifications: a websocket per page updates the header badge and the notifications list.
(function () {
  "use strict";
  if (!("WebSocket" in window)) return;
  var badge = document.getElementById("notif-badge");
  var live = document.getElementById("live-region");
  var list = document.getElementById("notification-list");
  var retry = 1000;

  function setCount(n) {
    if (!badge) return;
    badge.dataset.count = String(n);
    badge.classList.toggle("badge--empty", n === 0);
    badge.lastChild.textContent = " " + n;
  }

  function prepend(msg) {
    if (!list) return;
    var empty = document.getElementById("notification-empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "notif is-unread";
    li.id = "notif-" + msg.id;
    var body = document.createElement("div");
    body.className = "notif__body";
    var link = document.createElement(msg.url ? "a" : "span");
    if (msg.url) link.href = "/notifications/" + msg.id + "/ouvrir/";
    link.textContent = msg.text;
    body.appendChild(link);
    li.appendChild(body);
    list.insertBefore(li, list.firstChild);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    socket.onopen = function () { retry = 1000; document.body.dataset.live = "open"; };
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      if (typeof msg.unread === "number") setCount(msg.unread);
      if (msg.kind === "created") {
        prepend(msg);
        if (live) live.textContent = live.dataset.newLabel + " " + msg.text;
      }
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "closed";
      if (event.code === 4401) return; // logged out: do not hammer the server
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }
  connect();
})();
