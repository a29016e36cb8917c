// Live salon: a websocket per salon page. Without it (no JS, socket closed) the page still reads and posts.
(function () {
  "use strict";
  var room = document.getElementById("chat-room");
  if (!room || !("WebSocket" in window)) return;
  var list = document.getElementById("chat-messages");
  var form = document.getElementById("composer");
  var textarea = form ? form.querySelector("textarea") : null;
  var replyInput = document.getElementById("id_reply_to");
  var replyBanner = document.getElementById("reply-banner");
  var replyLabel = document.getElementById("reply-label");
  var errorBox = document.getElementById("composer-error");
  var live = document.getElementById("live-region");
  var salon = room.dataset.salon;
  var me = room.dataset.user;
  var L = room.dataset;
  var socket = null;
  var retry = 1000;
  var counter = 0;
  // The server's catch-up cursor: sent back on each (re)connect with the last id shown (see resume()).
  var since = room.dataset.since || "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }

  function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

  function render(msg) {
    var li = el("li", "chat-msg" + (msg.deleted ? " is-deleted" : "") + (String(msg.author_id) === me ? " is-own" : ""));
    li.id = "m-" + msg.id;
    li.dataset.id = msg.id;
    li.dataset.uuid = msg.uuid;
    li.dataset.authorId = msg.author_id || "";
    li.dataset.changed = msg.changed || "";
    if (String(msg.author_id) === me && !msg.deleted) li.dataset.text = msg.text;
    var head = el("p", "chat-msg__head");
    head.appendChild(el("span", "chat-msg__author", msg.author));
    head.appendChild(document.createTextNode(" "));
    var time = el("time", "", msg.time);
    time.setAttribute("datetime", msg.created);
    head.appendChild(time);
    if (msg.edited && !msg.deleted) head.appendChild(el("span", "meta", " (" + L.labelEdited + ")"));
    li.appendChild(head);
    if (msg.reply_to) {
      var reply = el("p", "chat-msg__reply");
      var link = el("a", "", L.labelReplying + " " + msg.reply_to.author);
      link.href = "#m-" + msg.reply_to.id;
      reply.appendChild(link);
      if (msg.reply_to.excerpt) reply.appendChild(document.createTextNode(" : " + msg.reply_to.excerpt.slice(0, 100)));
      li.appendChild(reply);
    }
    if (msg.deleted) {
      li.appendChild(el("p", "chat-msg__body meta", L.labelDeleted));
    } else {
      var body = el("div", "chat-msg__body");
      body.innerHTML = msg.html; // sanitised on the server (markdown-it + nh3 allow-list)
      li.appendChild(body);
      if (room.dataset.canPost === "1") {
        var actions = el("div", "chat-msg__actions");
        actions.appendChild(button(L.labelReply, "reply"));
        if (String(msg.author_id) === me) {
          actions.appendChild(button(L.labelEdit, "edit"));
          actions.appendChild(button(L.labelDelete, "delete"));
        }
        li.appendChild(actions);
      }
    }
    return li;
  }

  function button(label, action) {
    var b = el("button", "link-button", label);
    b.type = "button";
    b.dataset.action = action;
    return b;
  }

  function messages() { return list.querySelectorAll(".chat-msg[data-id]"); }

  function lastId() {
    var nodes = messages();
    return nodes.length ? Number(nodes[nodes.length - 1].dataset.id) : 0;
  }

  function firstId() {
    var nodes = messages();
    return nodes.length ? Number(nodes[0].dataset.id) : null;
  }

  // Events may arrive in any order (live, catch-up): a page keeps the newest state of each message and
  // leaves alone one it already shows in that state.
  function isStale(existing, msg) {
    if (existing.classList.contains("is-deleted") && !msg.deleted) return true;
    var had = Date.parse(existing.dataset.changed || "");
    var got = Date.parse(msg.changed || "");
    return !isNaN(had) && !isNaN(got) && got <= had; // same version: nothing to redraw
  }

  // Returns true when a new message was added to the page.
  function show(msg, quiet) {
    var existing = document.getElementById("m-" + msg.id);
    if (existing) {
      if (!isStale(existing, msg)) existing.replaceWith(render(msg));
      return false;
    }
    if (msg.type !== "message") {
      // An edit or deletion of a message this page does not show (older than its first page): nothing to do.
      if (firstId() !== null && msg.id < firstId()) return false;
    }
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var follow = nearBottom() || String(msg.author_id) === me;
    // Keep ids in order: a message caught up after a reconnect may be older than one received live.
    var next = null;
    messages().forEach(function (node) { if (!next && Number(node.dataset.id) > msg.id) next = node; });
    var newer = document.getElementById("chat-newer");
    list.insertBefore(render(msg), next || newer || null);
    if (follow) scrollDown();
    if (!quiet && String(msg.author_id) !== me && live) live.textContent = L.labelNew + " " + msg.author;
    if (!quiet && document.visibilityState === "visible") send({ type: "read", id: lastId() });
    return true;
  }

  // What the page missed while its socket was closed (sleep, network loss, server restart), in batches.
  function resume() {
    send({ type: "resume", after: lastId(), since: since, oldest: firstId() });
  }

  function caughtUp(batch) {
    if (batch.reload) { window.location.reload(); return; }
    var added = 0;
    batch.changes.forEach(function (msg) { show(msg, true); });
    batch.messages.forEach(function (msg) { if (show(msg, true)) added += 1; });
    since = batch.since || since;
    if (batch.more) { resume(); return; }
    if (added && live) live.textContent = L.labelCaughtUp.replace("%s", added);
    if (added && document.visibilityState === "visible") send({ type: "read", id: lastId() });
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  }

  function setError(text) {
    if (!errorBox) return;
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function setReply(li) {
    if (!replyInput) return;
    replyInput.value = li ? li.dataset.uuid : "";
    if (replyBanner) replyBanner.hidden = !li;
    if (li && replyLabel) replyLabel.textContent = L.labelReplying + " " + li.querySelector(".chat-msg__author").textContent;
    if (li && textarea) textarea.focus();
  }

  function startEdit(li) {
    if (li.querySelector(".chat-edit")) return;
    var body = li.querySelector(".chat-msg__body");
    var box = el("div", "chat-edit");
    var area = document.createElement("textarea");
    area.rows = 3;
    area.setAttribute("aria-label", L.labelEdit);
    area.value = li.dataset.text || (body ? body.textContent.trim() : "");
    var save = button(L.labelSave, "save-edit");
    var cancel = button(L.labelCancel, "cancel-edit");
    box.appendChild(area);
    box.appendChild(save);
    box.appendChild(cancel);
    li.appendChild(box);
    area.focus();
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) return;
    var li = target.closest(".chat-msg");
    var action = target.dataset.action;
    if (action === "reply") { event.preventDefault(); setReply(li); }
    else if (action === "edit") { if (socket && socket.readyState === 1) { event.preventDefault(); startEdit(li); } }
    else if (action === "cancel-edit") { li.querySelector(".chat-edit").remove(); }
    else if (action === "save-edit") {
      var text = li.querySelector(".chat-edit textarea").value;
      if (send({ type: "edit", uuid: li.dataset.uuid, text: text })) li.querySelector(".chat-edit").remove();
    } else if (action === "delete" && target.tagName === "BUTTON" && target.type === "button") {
      if (window.confirm(L.labelConfirm)) send({ type: "delete", uuid: li.dataset.uuid });
    }
  });

  list.addEventListener("submit", function (event) {
    var li = event.target.closest(".chat-msg");
    if (!li || event.target.dataset.action !== "delete" || !socket || socket.readyState !== 1) return;
    event.preventDefault();
    if (window.confirm(L.labelConfirm)) send({ type: "delete", uuid: li.dataset.uuid });
  });

  // Mention autocomplete: "@" then letters lists the salon's members; arrows choose, Enter or Tab insert
  // "@Prénom Nom ", Escape closes. Names are fetched once, on the first "@" (members only, server-checked).
  var mentionNames = null;
  var mentionList = document.getElementById("mention-list");
  var mentionAt = -1;
  var mentionIndex = -1;

  function mentionQuery() {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var found = /(^|\s)@([^\s@]{0,30}(?: [^\s@]{0,30})?)$/.exec(before);
    return found ? { at: before.length - found[2].length - 1, text: found[2].toLowerCase() } : null;
  }

  function closeMentions() {
    if (!mentionList) return;
    mentionList.hidden = true;
    mentionList.textContent = "";
    mentionIndex = -1;
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlightMention(index) {
    var items = mentionList.querySelectorAll("li");
    if (!items.length) return;
    mentionIndex = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === mentionIndex ? "true" : "false"); });
    textarea.setAttribute("aria-activedescendant", items[mentionIndex].id);
  }

  function pickMention(name) {
    var end = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, mentionAt) + "@" + name + " " + textarea.value.slice(end);
    var caret = mentionAt + name.length + 2;
    textarea.setSelectionRange(caret, caret);
    closeMentions();
    textarea.focus();
  }

  function showMentions() {
    var query = mentionQuery();
    if (!query || !mentionList) { closeMentions(); return; }
    if (mentionNames === null) {
      mentionNames = [];
      fetch(room.dataset.mentionsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { names: [] }; })
        .then(function (data) { mentionNames = data.names || []; showMentions(); })
        .catch(function () { mentionNames = null; });
      return;
    }
    var matches = mentionNames.filter(function (name) {
      var lower = name.toLowerCase();
      return lower.indexOf(query.text) === 0 || lower.indexOf(" " + query.text) !== -1;
    }).slice(0, 8);
    if (!matches.length) { closeMentions(); return; }
    mentionAt = query.at;
    mentionList.textContent = "";
    matches.forEach(function (name, i) {
      var item = el("li", "", name);
      item.id = "mention-" + i;
      item.setAttribute("role", "option");
      item.addEventListener("mousedown", function (event) { event.preventDefault(); pickMention(name); });
      mentionList.appendChild(item);
    });
    mentionList.hidden = false;
    highlightMention(0);
  }

  if (textarea && mentionList) {
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "mention-list");
    textarea.addEventListener("input", showMentions);
    // Closed a moment after leaving the field (a click on a suggestion lands first), unless the agent came
    // back meanwhile: a late timer must not close a list opened after returning (seen under load).
    textarea.addEventListener("blur", function () {
      setTimeout(function () { if (document.activeElement !== textarea) closeMentions(); }, 100);
    });
    // Registered before the composer's Enter-sends handler, which it stops while the list is open.
    textarea.addEventListener("keydown", function (event) {
      if (mentionList.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlightMention(mentionIndex + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        var chosen = mentionList.querySelectorAll("li")[mentionIndex];
        if (!chosen) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        pickMention(chosen.textContent);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMentions();
      }
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return; // the plain form posts
      event.preventDefault();
      var text = textarea.value;
      if (!text.trim()) { setError(textarea.dataset.emptyLabel || form.dataset.emptyLabel || ""); textarea.focus(); return; }
      counter += 1;
      send({ type: "post", text: text, reply_to: replyInput.value || null, client_id: counter });
    });
    if (textarea) {
      textarea.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
    var cancelReply = document.getElementById("reply-cancel");
    if (cancelReply) cancelReply.addEventListener("click", function (event) { event.preventDefault(); setReply(null); });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/chat/" + salon + "/");
    socket.onopen = function () { retry = 1000; room.dataset.live = "open"; resume(); };
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      if (msg.type === "message" || msg.type === "edit" || msg.type === "delete") show(msg);
      else if (msg.type === "resume") caughtUp(msg);
      else if (msg.type === "resync") resume(); // the server may have lost live events: catch up
      else if (msg.type === "posted") { textarea.value = ""; setReply(null); setError(""); }
      else if (msg.type === "error") setError(msg.message);
      else if (msg.type === "archived") window.location.reload();
    };
    socket.onclose = function (event) {
      room.dataset.live = "closed";
      if (event.code === 4403) {
        setError(L.labelClosed);
        if (form) form.querySelectorAll("textarea, button").forEach(function (n) { n.disabled = true; });
        return;
      }
      if (event.code === 4401) return;
      if (!navigator.onLine) return; // the "online" event reconnects
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }

  // A laptop losing its network: drop the socket now rather than when TCP notices, and reconnect (then catch
  // up, see resume()) as soon as the network is back.
  window.addEventListener("offline", function () {
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
  });
  window.addEventListener("online", function () {
    if (!socket || socket.readyState === WebSocket.CLOSED) { retry = 1000; connect(); }
  });

  if (window.location.hash === "" || window.location.hash === "#composer") scrollDown();
  connect();
})();
