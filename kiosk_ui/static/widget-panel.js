  /* The body of /widget.js (wrapped there with CONFIG and CSS). It lives in an open shadow root so the
     host page's styles cannot break it and its styles cannot leak into the page. The conversation is
     kept in sessionStorage so it survives moving between the site's pages, and can be cleared. */
  "use strict";

  var script = document.currentScript;
  if (!script || window.__asiointiWidget) return;
  window.__asiointiWidget = true;

  var LANGS = ["fi", "sv", "en"];
  var base = new URL(script.src, location.href).origin;
  var point = /^[a-z0-9][a-z0-9-]{0,63}$/.test(script.dataset.point || "") ? script.dataset.point : CONFIG.point;
  var pageLang = (document.documentElement.lang || "").slice(0, 2).toLowerCase();
  var startLang = LANGS.indexOf(script.dataset.lang) >= 0 ? script.dataset.lang
    : LANGS.indexOf(pageLang) >= 0 ? pageLang : "fi";
  var accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(script.dataset.color || "") ? script.dataset.color : "#1a5fb4";
  var storageKey = "asiointi-widget:" + point;
  var MAX_ITEMS = 120;

  // ---- colours: the site's accent, with text colours that keep WCAG AA contrast ---------------

  function rgb(hex) {
    var h = hex.replace("#", "");
    if (h.length === 3) h = h.split("").map(function (c) { return c + c; }).join("");
    return [0, 2, 4].map(function (i) { return parseInt(h.slice(i, i + 2), 16); });
  }
  function luminance(c) {
    var v = c.map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function toHex(c) { return "#" + c.map(function (x) { return Math.round(x).toString(16).padStart(2, "0"); }).join(""); }
  function darkenUntil(c, against, ratio) {
    var out = c.slice();
    for (var i = 0; i < 40 && contrast(out, against) < ratio; i++) out = out.map(function (x) { return x * 0.9; });
    return out;
  }
  var accentRgb = rgb(accent);
  var white = [255, 255, 255], ink = [17, 17, 17];
  var onAccent = contrast(accentRgb, white) >= contrast(accentRgb, ink) ? "#ffffff" : "#111111";
  var accentText = toHex(darkenUntil(accentRgb, white, 4.6)); // links and outlines on the white panel

  // ---- state ---------------------------------------------------------------------------------

  function newId() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
      if (saved && saved.v === 1 && /^[A-Za-z0-9_-]{8,64}$/.test(saved.id) && Array.isArray(saved.items)) {
        if (saved.live && (typeof saved.live !== "object" || !Array.isArray(saved.live.seen))) saved.live = null;
        return saved;
      }
    } catch (error) { /* storage blocked or spoiled: start afresh */ }
    return { v: 1, id: newId(), lang: startLang, open: false, items: [] };
  }

  function save() {
    state.items = state.items.slice(-MAX_ITEMS);
    try { sessionStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* private mode: memory only */ }
  }

  var state = load();
  var busy = false;

  function t(key, values) {
    var texts = CONFIG.texts[state.lang] || CONFIG.texts.fi;
    var text = key.split(".").reduce(function (node, part) { return node && node[part]; }, texts);
    if (typeof text !== "string") return key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  // ---- DOM -----------------------------------------------------------------------------------

  function el(tag, attributes) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.append(arguments[i]);
    return node;
  }

  var ICON_PATHS = {
    chat: "M4 5.5h16v10H9l-5 4z",
    close: "M6 6l12 12M18 6L6 18",
    clear: "M5 7h14M10 7V4.5h4V7M7 7l1 13h8l1-13",
    send: "M4 12 20 4l-4 16-4.5-6.5zM11.5 13.5 20 4",
  };
  function icon(name) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "w-icon");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", ICON_PATHS[name]);
    svg.append(path);
    return svg;
  }

  var host = el("div", { id: "asiointi-widget", "data-asiointi-widget": "" });
  var root = host.attachShadow({ mode: "open" });
  var style = el("style", { text: CSS });
  var frame = el("aside", { class: "w" });
  frame.style.setProperty("--w-accent", accent);
  frame.style.setProperty("--w-on-accent", onAccent);
  frame.style.setProperty("--w-accent-text", accentText);

  var launcherLabel = el("span", { class: "w-launcher-label" });
  var launcher = el("button", { type: "button", class: "w-launcher", "data-testid": "widget-open",
                                "aria-expanded": "false", "aria-controls": "w-panel" }, icon("chat"), launcherLabel);
  var title = el("h2", { id: "w-title", class: "w-title" });
  var subtitle = el("p", { class: "w-sub" });
  var clearButton = el("button", { type: "button", class: "w-icon-btn", "data-testid": "widget-clear" }, icon("clear"));
  var closeButton = el("button", { type: "button", class: "w-icon-btn", "data-testid": "widget-close" }, icon("close"));
  var welcome = el("p", { class: "w-welcome", "data-testid": "widget-welcome" });
  var log = el("div", { class: "w-log", role: "log", "aria-live": "polite" });
  var status = el("p", { class: "w-vh", role: "status" });
  var queueLine = el("p", { class: "w-queue", "data-testid": "widget-queue", role: "status", hidden: true });
  // The scrolling area takes focus so that keyboard users can scroll a long answer.
  var scroller = el("div", { class: "w-body", tabindex: "0" }, welcome, log);
  var privacy = el("p", { class: "w-privacy" });
  var inputLabel = el("label", { for: "w-input", class: "w-vh" });
  var input = el("input", { id: "w-input", type: "text", "data-testid": "widget-input", maxlength: String(CONFIG.maxChars),
                            autocomplete: "off" });
  var sendButton = el("button", { type: "submit", class: "w-send", "data-testid": "widget-send" }, icon("send"));
  var composer = el("form", { class: "w-composer" }, inputLabel, input, sendButton);
  var panel = el("section", { id: "w-panel", class: "w-panel", "data-testid": "widget-panel", role: "dialog",
                              "aria-modal": "false", "aria-labelledby": "w-title", hidden: true },
    el("header", { class: "w-head" }, el("div", { class: "w-head-text" }, title, subtitle),
       el("div", { class: "w-head-actions" }, clearButton, closeButton)),
    queueLine, scroller,
    status, privacy, composer);
  frame.append(launcher, panel);
  root.append(style, frame);

  function applyTexts() {
    frame.setAttribute("lang", state.lang);
    frame.setAttribute("aria-label", t("widget.title"));
    launcherLabel.textContent = t("widget.open");
    title.textContent = t("widget.title");
    subtitle.textContent = CONFIG.pointName[state.lang];
    clearButton.setAttribute("aria-label", t("widget.clear"));
    clearButton.setAttribute("title", t("widget.clear"));
    closeButton.setAttribute("aria-label", t("widget.close"));
    closeButton.setAttribute("title", t("widget.close"));
    welcome.textContent = t("widget.welcome");
    log.setAttribute("aria-label", t("widget.conversation"));
    privacy.textContent = t("widget.privacy");
    inputLabel.textContent = t("widget.input_label");
    sendButton.setAttribute("aria-label", t("widget.send"));
    updateQueue();
  }

  // ---- rendering -----------------------------------------------------------------------------

  var ID_CODE = /(?<![\w+])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}([-+A-FU-Ya-fu-y]|\s?)\d{3}[0-9A-Ya-y](?!\w)/g;
  var PHONE = /(?<![\w+])(?:\+|00)?\(?\d[\d\s()-]{5,18}\d(?!\w)/g;
  function mask(text) {
    return text.replace(ID_CODE, "<ID_CODE>").replace(PHONE, function (match) {
      return match.replace(/\D/g, "").length >= 7 ? "<PHONE_NUMBER>" : match;
    });
  }
  function shown(text) {
    return String(text).split("<ID_CODE>").join(t("chat.id_code_removed")).split("<PHONE_NUMBER>").join(t("chat.phone_removed"));
  }

  function newTabHint() { return el("span", { class: "w-vh", text: " (" + t("chat.opens_new_tab") + ")" }); }

  function link(href, text, testid) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", "data-testid": testid || null },
      el("span", { text: text }), newTabHint());
  }

  function withLinks(text) {
    // Addresses in the assistant's text become links; everything else stays plain text.
    var fragment = document.createDocumentFragment();
    var pattern = /https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?]/g;
    var last = 0, match;
    while ((match = pattern.exec(text))) {
      fragment.append(text.slice(last, match.index));
      fragment.append(link(match[0], match[0]));
      last = match.index + match[0].length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  function bubble(kind, text, who) {
    // The advisor's lines name a person on screen, not only for screen readers.
    var node = el("div", { class: "w-msg w-msg-" + kind,
                           "data-testid": kind === "advisor" ? "widget-advisor-message" : "msg-" + kind },
      kind === "advisor" ? el("p", { class: "w-who", text: who })
        : el("span", { class: "w-vh", text: who ? who + ": " : "" }));
    var body = el("p", { class: "w-msg-text" });
    if (kind === "user") body.textContent = text;
    else body.append(withLinks(text));
    node.append(body);
    return node;
  }

  function formCard(form) {
    var lang = form.language || state.lang;
    return el("div", { class: "w-card", "data-testid": "form-card", "data-code": form.code },
      el("p", { class: "w-kicker", text: t("chat.form") + " " + (form.variant || form.code) }),
      el("p", { class: "w-card-title", text: form.title }),
      form.returned_to ? el("p", { class: "w-meta", text: t("chat.form_returned_to") + ": " + form.returned_to }) : null,
      el("p", { class: "w-links" }, link(form.url, t("chat.form_link") + " (" + (form.variant || form.code) + ")", "form-link")),
      el("p", { class: "w-links" }, link(base + "/print/form/" + encodeURIComponent(form.code) + "?lang=" + lang,
                                         t("chat.form_print") + " (" + (form.variant || form.code) + ")", "form-print")));
  }

  function checklist(situation) {
    var wrap = el("div", { class: "w-card" },
      el("p", { class: "w-kicker", text: t("chat.checklist_heading") }),
      el("p", { class: "w-card-title", text: situation.title }));
    var list = el("ol", { class: "w-checklist", "data-testid": "checklist" });
    (situation.services || []).forEach(function (step) {
      list.append(el("li", {}, el("span", { text: step.note || step.name }),
        step.authority_name ? el("span", { class: "w-meta", text: " · " + step.authority_name }) : null));
    });
    wrap.append(list);
    var nodes = [wrap];
    (situation.forms || []).forEach(function (form) {
      nodes.push(formCard(Object.assign({ language: situation.language }, form)));
    });
    return nodes;
  }

  function formatSlot(iso, lang) {
    var match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    var display = CONFIG.booking.display[lang];
    if (!match || !display) return iso || "";
    var n = match.slice(1).map(Number);
    var weekday = (new Date(Date.UTC(n[0], n[1] - 1, n[2])).getUTCDay() + 6) % 7;
    var fields = { weekday: display.weekdays[weekday], day: n[2], month: n[1], month_name: display.months[n[1] - 1],
                   year: n[0], hour: n[3], minute: n[4] };
    return display.slot.replace(/\{(\w+)(:02d)?\}/g, function (_, name, pad) {
      return pad ? String(fields[name]).padStart(2, "0") : String(fields[name]);
    });
  }

  function bookingSlip(booking) {
    var lang = state.lang, names = CONFIG.booking;
    var rows = el("dl", { class: "w-rows" },
      el("dt", { text: t("chat.booking_time") }), el("dd", { text: formatSlot(booking.start, lang) }),
      el("dt", { text: t("chat.booking_topic") }), el("dd", { text: (names.topics[booking.topic] || {})[lang] || booking.topic }),
      el("dt", { text: t("chat.booking_reference") }), el("dd", { class: "w-ref", text: booking.reference }));
    if (booking.room) {
      rows.append(el("dt", { text: t("chat.booking_room") }),
                  el("dd", { text: (names.rooms[booking.room] || {})[lang] || booking.room }));
    }
    var ics = el("a", { href: base + "/bookings/" + encodeURIComponent(booking.reference) + ".ics?lang=" + lang,
                        download: "", "data-testid": "booking-ics", text: t("chat.booking_ics") });
    return el("div", { class: "w-card", "data-testid": "booking-slip", "data-reference": booking.reference },
      el("p", { class: "w-kicker", text: t("chat.booking_heading") }),
      el("p", { class: "w-card-title", text: (names.kinds[booking.kind] || {})[lang] || booking.kind }),
      rows, el("p", { class: "w-links" }, ics));
  }

  function quickReplies(buttons) {
    var group = el("div", { class: "w-replies", role: "group" });
    buttons.forEach(function (button) {
      if (!button || !button.payload) return;
      var title = button.title || button.payload;
      var node = el("button", { type: "button", class: "w-reply", "data-testid": "quick-reply", text: title });
      node.addEventListener("click", function () { send(button.payload, title); });
      group.append(node);
    });
    return group;
  }

  // One stored item as nodes. Items: {kind: user|bot|error|advisor, text, buttons?} or {kind: custom, custom}.
  function render(item, isLast) {
    if (item.kind === "user") return [bubble("user", shown(item.text), t("chat.you"))];
    if (item.kind === "error") return [bubble("error", item.text, t("chat.assistant"))];
    if (item.kind === "advisor") return [bubble("advisor", item.text, t("chat.advisor"))];
    if (item.kind === "note") return [el("p", { class: "w-note", "data-testid": "widget-note", text: t(item.key) })];
    if (item.kind === "feedback") return [feedbackForm(item)];
    if (item.kind === "bot") {
      var nodes = [bubble("bot", item.text, t("chat.assistant"))];
      if (isLast && Array.isArray(item.buttons) && item.buttons.length) nodes.push(quickReplies(item.buttons));
      return nodes;
    }
    var custom = item.custom || {};
    switch (custom.type) {
      case "life_situation": return checklist(custom);
      case "form": return [formCard(custom)];
      case "booking": return [bookingSlip(custom)];
      case "handoff": return [el("p", { class: "w-ticket", "data-testid": "widget-ticket", text: t("chat.ticket", { ticket: custom.ticket }) })];
      default: return [];
    }
  }

  function renderAll() {
    log.replaceChildren();
    state.items.forEach(function (item, index) {
      render(item, index === state.items.length - 1).forEach(function (node) { log.append(node); });
    });
  }

  function append(items) {
    log.querySelectorAll(".w-replies").forEach(function (group) { group.remove(); });
    items.forEach(function (item, index) {
      state.items.push(item);
      render(item, index === items.length - 1).forEach(function (node) { log.append(node); });
    });
    save();
    scrollToEnd();
  }

  function scrollToEnd() { scroller.scrollTop = scroller.scrollHeight; }

  function scrollToShow(node) {
    // The customer's message at the top, so a long answer is read from its start.
    if (!node) return scrollToEnd();
    scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
  }

  function itemsOf(messages) {
    var items = [];
    messages.forEach(function (message, index) {
      var custom = message.custom;
      var next = messages[index + 1];
      if (custom && typeof custom === "object") {
        if (custom.language && ["language", "life_situation", "form"].indexOf(custom.type) >= 0
            && LANGS.indexOf(custom.language) >= 0) {
          state.lang = custom.language; // the assistant changed language: the widget follows
          applyTexts();
        }
        if (custom.type === "unavailable") { items.push({ kind: "error", text: message.text || t("chat.network_error") }); return; }
        if (custom.type === "advisor") { items.push({ kind: "advisor", text: custom.text || message.text || "" }); return; }
        if (custom.type === "feedback_request") { items.push({ kind: "feedback", authority: custom.authority }); return; }
        // Payloads with nothing to draw (handoff_unavailable: its text and buttons come as a message of
        // their own) are left out, so the buttons before them stay the last item's and are shown.
        if (["life_situation", "form", "booking", "handoff"].indexOf(custom.type) >= 0) items.push({ kind: "custom", custom: custom });
        return;
      }
      // The checklist shows a life situation better than the same steps as text.
      if (next && next.custom && next.custom.type === "life_situation" && message.text
          && message.text.indexOf(next.custom.title) === 0) return;
      if (typeof message.text === "string" && message.text) {
        items.push({ kind: "bot", text: message.text, buttons: Array.isArray(message.buttons) ? message.buttons : null });
      }
    });
    return items;
  }

  // ---- talking to the gateway ----------------------------------------------------------------

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", String(value));
  }

  function send(message, display) {
    var text = String(message || "").trim().slice(0, CONFIG.maxChars);
    if (!text || busy) return;
    var conversation = state.id;
    var userItem = { kind: "user", text: display ? display : mask(text) };
    append([userItem]);
    var users = log.querySelectorAll("[data-testid='msg-user']");
    var userNode = users[users.length - 1];
    setBusy(true);
    fetch(base + "/api/chat", {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: conversation, message: text, channel: "web", point: point,
                             language: null, ui_language: state.lang }),
    }).then(function (response) {
      if (response.status === 429) throw new Error("chat.rate_limited");
      if (!response.ok) throw new Error("chat.network_error");
      return response.json();
    }).then(function (data) {
      if (conversation !== state.id) return; // cleared meanwhile
      if (!display && typeof data.echo === "string") {
        userItem.text = data.echo; // the assistant's redacted copy replaces ours
        var nodes = log.querySelectorAll("[data-testid='msg-user'] .w-msg-text");
        if (nodes.length) nodes[nodes.length - 1].textContent = shown(data.echo);
      }
      var messages = data.messages || [];
      append(itemsOf(messages));
      scrollToShow(userNode);
      messages.forEach(function (message) {
        if (message.custom && message.custom.type === "handoff" && message.custom.ticket) followCase(message.custom.ticket);
      });
    }).catch(function (error) {
      if (conversation !== state.id) return;
      var key = error && /^chat\./.test(error.message) ? error.message : "chat.network_error";
      append([{ kind: "error", text: t(key) }]);
    }).finally(function () {
      setBusy(false);
    });
    return userNode;
  }

  // ---- the case's live feed: queue, the advisor's messages, the end ----------------------------

  var feed = null;

  function followCase(ticket) {
    if (state.live && state.live.ticket === ticket && !state.live.ended) {
      if (!feed || !feed.active()) openFeed();
      return;
    }
    state.live = { ticket: ticket, lastId: null, status: "pending", ahead: null, takenOver: false, ended: false,
                   seen: [], failures: 0 };
    save();
    updateQueue();
    openFeed();
  }

  function closeFeed() {
    if (feed) feed.close();
    feed = null;
  }

  function openFeed() {
    closeFeed();
    var live = state.live;
    if (!live || live.ended || typeof EventSource !== "function") return;
    feed = CaseFeed(base + "/api/live/" + encodeURIComponent(state.id), live,
                    { status: onStatus, message: onAdvisorMessage, ended: onEnded, changed: save });
  }

  function updateQueue() {
    var live = state.live;
    if (!live || live.ended) { queueLine.hidden = true; queueLine.textContent = ""; return; }
    var text;
    if (live.takenOver) text = t("widget.advisor_here");
    else if (live.status === "claimed") text = t("widget.advisor_coming");
    else {
      text = t("widget.queue_waiting", { ticket: live.ticket });
      if (live.ahead === 0) text += " " + t("chat.queue_next");
      else if (live.ahead === 1) text += " " + t("chat.queue_ahead_one");
      else if (typeof live.ahead === "number") text += " " + t("chat.queue_ahead", { count: live.ahead });
    }
    queueLine.textContent = text;
    queueLine.hidden = false;
  }

  function onStatus(data) {
    var live = state.live;
    var wasTakenOver = live.takenOver;
    live.status = data.status;
    live.ahead = data.ahead;
    live.takenOver = Boolean(data.taken_over);
    updateQueue();
    if (live.takenOver && !wasTakenOver) {
      append([{ kind: "note", key: "chat.advisor_joined" }]);
      if (!state.open) setOpen(true, false); // the customer asked for a person: show that one came
    }
    else if (!live.takenOver && wasTakenOver && data.status !== "resolved") append([{ kind: "note", key: "chat.assistant_back" }]);
  }

  function onAdvisorMessage(data) {
    var live = state.live;
    if (live.seen.indexOf(data.id) >= 0) return;
    live.seen = live.seen.concat([data.id]).slice(-200);
    append([{ kind: "advisor", text: String(data.text || "") }]);
  }

  function onEnded(data) {
    var live = state.live;
    live.ended = true;
    live.takenOver = false;
    updateQueue();
    append([{ kind: "note", key: "chat.case_ended" }, { kind: "feedback", authority: data.authority }]);
  }

  // ---- feedback ------------------------------------------------------------------------------

  var formCount = 0;

  function feedbackForm(item) {
    if (item.done) return el("p", { class: "w-note", role: "status", "data-testid": "widget-feedback-thanks",
                                    text: t("chat.feedback_thanks") });
    var names = CONFIG.feedback.authorities;
    var about = names[item.authority] ? item.authority : CONFIG.feedback.defaultAuthority;
    var n = ++formCount;
    var rating = null;
    var problem = el("p", { class: "w-problem", role: "alert" });
    var legend = el("legend", { text: t("chat.feedback_rating_label") });
    var options = el("div", { class: "w-rating-options" });
    [1, 2, 3, 4, 5].forEach(function (value) {
      var option = el("button", { type: "button", class: "w-rating", "aria-pressed": "false", "data-rating": String(value) },
        el("span", { "aria-hidden": "true", text: String(value) }),
        el("span", { class: "w-vh", text: t("chat.feedback_rating_value", { rating: value }) }));
      option.addEventListener("click", function () {
        rating = value;
        problem.textContent = "";
        options.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === option)); });
      });
      options.append(option);
    });
    var text = el("textarea", { id: "w-feedback-" + n, class: "w-feedback-text", "data-testid": "widget-feedback-text",
                                rows: "3", maxlength: String(CONFIG.feedback.maxChars),
                                "aria-describedby": "w-feedback-hint-" + n });
    var sendFeedback = el("button", { type: "button", class: "w-button", "data-testid": "widget-feedback-send",
                                      text: t("chat.feedback_send") });
    var form = el("div", { class: "w-card w-feedback", "data-testid": "widget-feedback" },
      el("p", { class: "w-card-title", text: t("chat.feedback_heading") }),
      el("p", { class: "w-meta", text: t("chat.feedback_for", { authority: names[about][state.lang] }) }),
      el("fieldset", { class: "w-rating-group", "data-testid": "widget-feedback-rating" }, legend, options),
      el("label", { for: "w-feedback-" + n, class: "w-label", text: t("chat.feedback_text_label") }),
      el("p", { id: "w-feedback-hint-" + n, class: "w-meta", text: t("chat.feedback_text_hint") }),
      text, problem, sendFeedback);
    sendFeedback.addEventListener("click", function () {
      if (!rating) { problem.textContent = t("chat.feedback_choose"); return; }
      var conversation = state.id;
      sendFeedback.disabled = true;
      fetch(base + "/api/feedback", {
        method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: conversation, point: point, channel: "web", language: state.lang,
                               authority: about, rating: rating,
                               text: text.value.trim() ? text.value.slice(0, CONFIG.feedback.maxChars) : null }),
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        if (conversation !== state.id) return;
        item.done = true;
        save();
        form.replaceWith(feedbackForm(item));
      }).catch(function () {
        if (conversation !== state.id) return;
        sendFeedback.disabled = false;
        problem.textContent = t("chat.network_error");
      });
    });
    return form;
  }

  // ---- opening, closing, clearing ------------------------------------------------------------

  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    save();
    if (open && focus) input.focus();
    if (!open && focus) launcher.focus();
    if (open) scrollToEnd();
  }

  function clearConversation() {
    closeFeed();
    try { sessionStorage.removeItem(storageKey); } catch (error) { /* nothing stored */ }
    state = { v: 1, id: newId(), lang: state.lang, open: true, items: [] };
    save();
    updateQueue();
    log.replaceChildren();
    status.textContent = t("widget.cleared");
    input.value = "";
    input.focus();
  }

  launcher.addEventListener("click", function () { setOpen(true, true); });
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  clearButton.addEventListener("click", clearConversation);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.stopPropagation(); setOpen(false, true); }
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || !input.value.trim()) return;
    var text = input.value;
    input.value = "";
    send(text);
  });

  applyTexts();
  renderAll(); // before the host is attached, so a screen reader does not read the history aloud again
  panel.hidden = !state.open;
  launcher.hidden = state.open;
  launcher.setAttribute("aria-expanded", String(state.open));

  function attach() {
    document.body.append(host);
    // After a page load in the middle of a handoff, the feed picks up where the last page left it.
    if (state.live && !state.live.ended) openFeed();
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
