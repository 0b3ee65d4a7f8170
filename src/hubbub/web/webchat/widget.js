// Hubbub webchat widget: plain JavaScript, no build step. It talks to the end-user API at the
// URL it is served from (/webchat/<channel id>/): it keeps a user and a conversation in
// localStorage, shows the conversation's messages from the realtime stream, sends what the
// visitor types, and acknowledges (marks read) the messages it shows while the page is visible.
(function () {
  "use strict";

  var apiUrl = location.origin + location.pathname.replace(/\/+$/, "");
  var storageKey = "hubbub-webchat:" + apiUrl;
  var RECONNECT_MS = 2000;

  var root = document.getElementById("webchat");
  var list = document.getElementById("webchat-messages");
  var form = document.getElementById("webchat-form");
  var input = document.getElementById("webchat-input");
  var sendButton = document.getElementById("webchat-send");
  var statusLine = document.getElementById("webchat-status");

  var session = load();
  var shown = {};
  var pendingAcks = [];
  var lastEventId = null;
  var started = false;  // the history is shown and the form works: the page is "ready"

  function load() {
    try {
      return JSON.parse(localStorage.getItem(storageKey)) || {};
    } catch (error) {
      return {};
    }
  }

  function save() {
    localStorage.setItem(storageKey, JSON.stringify(session));
  }

  function setState(state, text) {
    root.dataset.state = state;
    statusLine.textContent = text;
  }

  function ApiError(status, body) {
    this.status = status;
    this.body = body;
    this.message = (body && body.message) || "HTTP " + status;
  }

  async function api(method, path, body) {
    var headers = { "content-type": "application/json" };
    if (session.key) headers["x-user-key"] = session.key;
    var response = await fetch(apiUrl + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return null; });
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  async function ensureUser() {
    if (session.key) {
      try {
        var me = await api("GET", "/users/me");
        session.userId = me.user.id;
        return;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        session = {};  // the key is no longer valid here: start as a new user
      }
    }
    var created = await api("POST", "/users", {});
    session = { key: created.key, userId: created.user.id };
    save();
  }

  async function ensureConversation() {
    if (session.conversationId) {
      try {
        await api("GET", "/conversations/" + encodeURIComponent(session.conversationId));
        return;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      }
    }
    var created = await api("POST", "/conversations", {});
    session.conversationId = created.conversation.id;
    save();
  }

  // -- showing messages -----------------------------------------------------------------------

  function safeUrl(url) {
    return /^(https?:|data:image\/)/i.test(url || "") ? url : null;
  }

  function render(payload, item) {
    var text = document.createElement("span");
    text.className = "webchat-text";
    switch (payload.type) {
      case "text": text.textContent = payload.text; break;
      case "markdown": text.textContent = payload.markdown; break;
      case "image":
        if (safeUrl(payload.imageUrl)) {
          var image = document.createElement("img");
          image.src = payload.imageUrl;
          image.alt = "image";
          item.appendChild(image);
          return;
        }
        text.textContent = "[image]";
        break;
      case "file": case "audio": case "video":
        var url = safeUrl(payload.fileUrl || payload.audioUrl || payload.videoUrl);
        var link = document.createElement("a");
        link.textContent = payload.title || payload.type;
        if (url) link.href = url;
        link.target = "_blank";
        link.rel = "noopener";
        item.appendChild(link);
        return;
      case "choice": case "dropdown":
        text.textContent = payload.text;
        item.appendChild(text);
        payload.options.forEach(function (option) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "webchat-option";
          button.textContent = option.label;
          button.addEventListener("click", function () { send(option.value); });
          item.appendChild(button);
        });
        return;
      default:
        text.textContent = payload.text || payload.title || "[" + payload.type + "]";
    }
    item.appendChild(text);
  }

  function show(message) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    var mine = message.userId === session.userId;
    var item = document.createElement("li");
    item.className = "webchat-message " + (mine ? "mine" : "theirs");
    item.dataset.messageId = message.id;
    item.dataset.createdAt = message.createdAt;
    render(message.payload, item);
    // Keep the list in time order: history and the stream may interleave.
    var next = null;
    for (var i = list.children.length - 1; i >= 0; i--) {
      if (list.children[i].dataset.createdAt <= message.createdAt) break;
      next = list.children[i];
    }
    list.insertBefore(item, next);
    if (!next) list.scrollTop = list.scrollHeight;
    if (!mine) acknowledge(message.id);
  }

  // -- read acknowledgements ------------------------------------------------------------------

  function acknowledge(messageId) {
    pendingAcks.push(messageId);
    flushAcks();
  }

  async function flushAcks() {
    // Read means seen: only while the visitor can see the page.
    if (document.visibilityState !== "visible") return;
    while (pendingAcks.length) {
      var messageId = pendingAcks.shift();
      try {
        await api("POST", "/messages/" + encodeURIComponent(messageId) + "/read");
        var item = list.querySelector('[data-message-id="' + CSS.escape(messageId) + '"]');
        if (item) item.dataset.read = "true";
      } catch (error) {
        if (!(error instanceof ApiError)) {
          pendingAcks.unshift(messageId);  // a network error: try again when visible again
          return;
        }
      }
    }
  }

  document.addEventListener("visibilitychange", flushAcks);

  // -- the realtime stream (fetch, so that the key travels in a header) -----------------------

  function dispatch(block) {
    var data = [];
    block.split("\n").forEach(function (line) {
      if (!line || line[0] === ":") return;
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") lastEventId = value;
      if (field === "data") data.push(value);
    });
    if (!data.length) return;
    var signal = JSON.parse(data.join("\n"));
    if (signal.type === "message_created") show(signal.data);
  }

  async function readStream(response) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      var end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  async function openStream() {
    var headers = { "x-user-key": session.key, accept: "text/event-stream" };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    var path = "/conversations/" + encodeURIComponent(session.conversationId) + "/listen";
    var response = await fetch(apiUrl + path, { headers: headers, cache: "no-store" });
    if (!response.ok) throw new ApiError(response.status, null);
    return response;
  }

  async function listen(connected) {
    for (;;) {
      try {
        var response = await openStream();
        setState(started ? "ready" : "connecting", "online");
        if (connected) { connected(); connected = null; }
        await readStream(response);
      } catch (error) {
        if (connected) { connected(); connected = null; }
      }
      setState("reconnecting", "reconnecting…");
      await new Promise(function (resolve) { setTimeout(resolve, RECONNECT_MS); });
    }
  }

  async function loadHistory() {
    var path = "/conversations/" + encodeURIComponent(session.conversationId) + "/messages";
    var page = await api("GET", path);
    page.messages.slice().reverse().forEach(show);  // newest first on the wire
  }

  // -- sending --------------------------------------------------------------------------------

  async function send(text) {
    var body = { conversationId: session.conversationId, payload: { type: "text", text: text } };
    var created = await api("POST", "/messages", body);
    show(created.message);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    sendButton.disabled = true;
    try {
      await send(text);
      input.value = "";
    } catch (error) {
      setState(root.dataset.state, "not sent: " + error.message);
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  });

  async function start() {
    sendButton.disabled = true;
    try {
      await ensureUser();
      await ensureConversation();
      // Listen first, then read the history: a message sent in between is in one or the other.
      await new Promise(function (resolve) { listen(resolve); });
      await loadHistory();
      sendButton.disabled = false;
      started = true;
      setState("ready", "online");
    } catch (error) {
      setState("error", "unavailable: " + error.message);
    }
  }

  start();
})();
