// Drag-and-drop of board cards, on top of the « Déplacer » form that works without it (and by keyboard).
// A drop is sent over the board's live socket when it is open (the server checks it like the move page),
// else posted with the move page's form fields; the server's answer decides, the page reloads on error.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  var status = document.getElementById("board-status");
  var dragged = null;
  var live = null;
  var pending = {};
  var sent = 0;
  var movedText = board.dataset.moved || "{card} \u2192 {column}";

  // One announcement for every path (this page's drop answered, or a move pushed by the server), so the order
  // in which the answer and the broadcast arrive never changes what a screen reader hears; the column counts
  // follow the cards.
  function announce(card, column) {
    board.querySelectorAll(".board-column").forEach(function (section) {
      var count = section.querySelector("h2 .meta");
      if (count) count.textContent = "(" + section.querySelectorAll(".board-card").length + ")";
    });
    if (!status || !card || !column) return;
    var title = card.querySelector("a");
    var heading = column.querySelector("h2");
    var name = heading ? heading.firstChild.textContent.trim() : "";
    status.textContent = movedText.replace("{card}", title ? title.textContent.trim() : "").replace("{column}", name);
  }

  // Live moves: every open page applies the server's order of the target column. A card this page does not
  // show, or a lost connection, means the page's copy may be stale: it reloads instead of guessing.
  function applyMove(event) {
    var card = document.getElementById("card-" + event.card);
    var column = board.querySelector('[data-column="' + event.column + '"] .board-cards');
    if (!card || !column) { window.location.reload(); return; }
    event.order.forEach(function (id) {
      var el = document.getElementById("card-" + id);
      if (el) column.appendChild(el);
    });
    announce(card, column.closest(".board-column"));
  }
  function listen(reconnecting) {
    if (!window.WebSocket || !board.dataset.socket) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + board.dataset.socket);
    socket.onopen = function () {
      if (reconnecting) { window.location.reload(); return; }
      live = socket;
      board.setAttribute("data-live", "");
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.type === "move") applyMove(event);
      else if (event.type === "resync") window.location.reload();
      else if (event.type === "moved" || event.type === "error") {
        var done = pending[event.ref];
        delete pending[event.ref];
        if (done) done(event.type === "moved");
      }
    };
    socket.onclose = function (closing) {
      live = null;
      board.removeAttribute("data-live");
      // A move sent and not answered may or may not have been made: the page shows the server's truth.
      if (Object.keys(pending).length) { window.location.reload(); return; }
      if (closing.code === 4403 || closing.code === 4401) return;
      window.setTimeout(function () { listen(true); }, 3000);
    };
  }
  listen(false);
  if (!board.dataset.editable) return;

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".board-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.card);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    board.querySelectorAll(".is-target").forEach(function (el) { el.classList.remove("is-target"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest ? event.target.closest(".board-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.add("is-target");
  });
  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest ? event.target.closest(".board-column") : null;
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-target");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest ? event.target.closest(".board-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    var list = column.querySelector(".board-cards");
    var cards = Array.prototype.filter.call(list.children, function (el) { return el !== dragged; });
    var position = cards.length;
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) { position = i; break; }
    }
    var card = dragged;
    list.insertBefore(card, cards[position] || null);
    var moved = function () { announce(card, column); };
    if (live && live.readyState === WebSocket.OPEN) {
      sent += 1;
      var ref = String(sent);
      pending[ref] = function (ok) { if (ok) moved(); else window.location.reload(); };
      live.send(JSON.stringify({
        type: "move", ref: ref, card: Number(card.dataset.card),
        column: Number(column.dataset.column), position: position
      }));
      return;
    }
    var body = new FormData();
    body.append("column", column.dataset.column);
    body.append("position", String(position));
    fetch(card.dataset.move, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "");
        moved();
      });
    }).catch(function () { window.location.reload(); });
  });
})();
