/* The chat core shared by the kiosk (a page script) and the website widget (built into its bundle):
   texts, DOM building, masking, the REST reply turned into items and items into nodes, sending to
   the gateway, feedback, and following a handoff case with CaseFeed. The surfaces keep only their
   layout and what really differs, and pass that in as options.

   ChatCore(options) makes one chat; ChatCore.pure holds the parts that need no DOM (also for node).
   options:
     config        the surface's config: texts, maxChars, point, booking names, feedback, redact
     state()       the surface's current state: {id, lang, live}; the core keeps `live` in it
     ui            {log, queue, sendButton, scroller}: elements, read when used (the widget fills it
                   later); scroller is the box the conversation scrolls in
     api           {chat, feedback, live}: where the gateway is (the widget's is on another origin)
     credentials   fetch's credentials mode ("same-origin" on the kiosk, "omit" on the widget)
     channel       "kiosk" or "web"
     heading       the tag of a card's title ("h2" on the kiosk, "h3" in the widget's panel)
     icons         the sprite's URL, or {name: SVG path} drawn inline
     testids       where the surfaces' test ids differ: advisor, note, feedback, feedbackRating,
                   feedbackText, feedbackSend, feedbackThanks, and ticket (a ticket line in the log)
     formActions(form, titleId), bookingActions(booking): the nodes of a card's actions
     richText(text)          a bot's text as nodes (the widget makes links); plain text otherwise
     sending(sendOptions)    before a message goes: returns the language to send along, or null
                             (sendOptions.hidden: no bubble for the customer's message, and the
                             quick replies on screen go at once: the reply brings its own)
     replied(result, sendOptions)  after the answer: {items, data, failure, ticket, userNode}
     appended(items, nodes)  after items were drawn; changed() after anything in state changed
     live(event, nodes)      "joined", "message", "back" or "ended" of the handoff case
     onLanguage(lang)        the assistant changed language
     busyChanged(busy) */
"use strict";

function ChatCore(options) {
  const pure = ChatCore.pure;
  const { config, ui, api, testids } = options;
  const state = () => options.state();
  const hook = (name, ...args) => (options[name] ? options[name](...args) : undefined);
  const SVG = "http://www.w3.org/2000/svg";
  let busy = false;
  let feed = null;
  let controller = new AbortController();
  let uid = 0;
  const nextId = (prefix) => `chat-${prefix}-${++uid}`;

  // ---- texts ---------------------------------------------------------------------------------

  function t(key, values) {
    const texts = config.texts[state().lang] || Object.values(config.texts)[0];
    return pure.lookup(texts, key, values);
  }

  function setI18n(node, key, values) {
    node.dataset.i18n = key;
    if (values) node.dataset.i18nValues = JSON.stringify(values);
    else delete node.dataset.i18nValues;
    node.textContent = t(key, values);
  }

  // Every node drawn with a text key is drawn again in the new language.
  function translate(root) {
    root.querySelectorAll("[data-i18n]").forEach((node) => {
      if (node.tagName !== "TITLE") node.textContent = t(node.dataset.i18n, node.dataset.i18nValues ? JSON.parse(node.dataset.i18nValues) : null);
    });
    root.querySelectorAll("[data-i18n-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.i18nLabel)));
    root.querySelectorAll("[data-i18n-title]").forEach((node) => node.setAttribute("title", t(node.dataset.i18nTitle)));
    root.querySelectorAll("[data-i18n-placeholder]").forEach((node) => { node.placeholder = t(node.dataset.i18nPlaceholder); });
    root.querySelectorAll("[data-feedback-for]").forEach((node) => { node.textContent = feedbackFor(node.dataset.feedbackFor); });
  }

  // ---- building blocks -----------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "i18n") setI18n(node, value);
      else if (name === "i18nLabel") { node.dataset.i18nLabel = value; node.setAttribute("aria-label", t(value)); }
      else if (name === "i18nTitle") { node.dataset.i18nTitle = value; node.setAttribute("title", t(value)); }
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    let shape;
    if (typeof options.icons === "string") {
      shape = document.createElementNS(SVG, "use");
      shape.setAttribute("href", `${options.icons}#${name}`);
    } else {
      svg.setAttribute("viewBox", "0 0 24 24");
      shape = document.createElementNS(SVG, "path");
      shape.setAttribute("d", options.icons[name]);
    }
    svg.append(shape);
    return svg;
  }

  // Identity codes and phone numbers never appear on screen, not even for the moment before the
  // server's redacted echo arrives: the server's own patterns (config.redact).
  const mask = (text) => pure.mask(text, config.redact);

  function shown(text) {
    return String(text).split("<ID_CODE>").join(t("chat.id_code_removed"))
      .split("<PHONE_NUMBER>").join(t("chat.phone_removed"));
  }

  // ---- items as nodes ------------------------------------------------------------------------

  function bubble(kind, text) {
    const who = { user: "chat.you", bot: "chat.assistant", advisor: "chat.advisor", error: "chat.assistant" }[kind];
    const body = el("p", { class: "msg-text" });
    if (kind !== "user" && options.richText) body.append(options.richText(text));
    else body.textContent = text;
    return el("div", { class: `msg msg-${kind}`, "data-testid": kind === "advisor" ? testids.advisor : `msg-${kind}` },
      el("p", { class: "msg-who", i18n: who }), body);
  }

  function quickReplies(buttons) {
    const group = el("div", { class: "quick-replies", role: "group" });
    for (const button of buttons) {
      if (!button || !button.payload) continue;
      const title = button.title || button.payload;
      const node = el("button", { type: "button", class: "btn btn-reply", "data-testid": "quick-reply", text: title });
      node.addEventListener("click", () => send(button.payload, { display: title }));
      group.append(node);
    }
    return group.childElementCount ? group : null;
  }

  function card(tag, attributes, titleId, kicker, title, ...rest) {
    return el(tag, { ...attributes, "aria-labelledby": titleId }, kicker,
      el(options.heading, { class: "card-title", id: titleId, text: title }), ...rest);
  }

  // Which forms the point holds as PDFs, that the kiosk prints itself (GET /forms/pdfs.json): asked once,
  // and again after PDF_LIST_MS, so an editor's upload reaches a kiosk that is never reloaded.
  const PDF_LIST_MS = 5 * 60 * 1000;
  let pdfList = null;
  let pdfListAt = 0;

  function printablePdfs() {
    if (!pdfList || Date.now() - pdfListAt > PDF_LIST_MS) {
      pdfListAt = Date.now();
      pdfList = fetch("/forms/pdfs.json", { credentials: options.credentials })
        .then((response) => (response.ok ? response.json() : { forms: {} }))
        .then((data) => data.forms || {})
        .catch(() => { pdfListAt = 0; return {}; }); // offline for a moment: ask again next time
    }
    return pdfList;
  }

  function formCard(form) {
    const titleId = nextId("form");
    // The code exactly as the authority writes it ("AT 1e"): the kicker's capitals would make it "AT 1E".
    const code = el("span", { class: "code", text: form.variant || form.code });
    code.style.textTransform = "none";
    const node = card("article", { class: "card form-card", "data-testid": "form-card", "data-code": form.code }, titleId,
      el("p", { class: "card-kicker" }, el("span", { i18n: "chat.form" }), " ", code),
      form.title,
      form.returned_to ? el("p", { class: "card-meta" }, el("span", { class: "label", i18n: "chat.form_returned_to" }),
                            el("span", { text: form.returned_to })) : null,
      el("div", { class: "card-actions" }, ...options.formActions(form, titleId)));
    // Only the kiosk prints: its card says when Print gives the form itself, not only the sheet about it.
    if (options.channel === "kiosk") {
      const lang = form.language || state().lang;
      printablePdfs().then((forms) => {
        if (!(forms[form.code] || []).includes(lang) || node.querySelector("[data-testid='form-prints-here']")) return;
        const note = el("p", { class: "card-meta", "data-testid": "form-prints-here", i18n: "chat.form_prints_here" });
        node.querySelector(".card-actions").before(note);
      });
    }
    return node;
  }

  function checklist(situation) {
    const list = el("ol", { class: "checklist", "data-testid": "checklist" });
    for (const step of situation.services || []) {
      const meta = [step.name, step.authority_name].filter(Boolean).join(" · ");
      list.append(el("li", {}, el("span", { class: "step-note", text: step.note || step.name }),
                     meta ? el("span", { class: "step-meta", text: meta }) : null));
    }
    const forms = (situation.forms || []).map((form) => formCard({ ...form, language: form.language || situation.language }));
    return [card("section", { class: "card checklist-card", "data-code": situation.code }, nextId("situation"),
                 el("p", { class: "card-kicker", i18n: "chat.checklist_heading" }), situation.title, list),
            ...forms];
  }

  function bookingSlip(booking) {
    const lang = state().lang;
    const names = config.booking;
    const name = (table, key) => ((names[table] || {})[key] || {})[lang] || key;
    const rows = el("dl", { class: "slip-rows" },
      el("dt", { i18n: "chat.booking_time" }), el("dd", { text: pure.bookingTime(booking, lang) }),
      el("dt", { i18n: "chat.booking_topic" }), el("dd", { text: name("topics", booking.topic) }),
      el("dt", { i18n: "chat.booking_reference" }), el("dd", { class: "reference", text: booking.reference }));
    if (booking.room) rows.append(el("dt", { i18n: "chat.booking_room" }), el("dd", { text: name("rooms", booking.room) }));
    return card("article", { class: "card booking-slip", "data-testid": "booking-slip", "data-reference": booking.reference },
      nextId("booking"), el("p", { class: "card-kicker", i18n: "chat.booking_heading" }), name("kinds", booking.kind),
      rows, el("div", { class: "card-actions" }, ...options.bookingActions(booking)));
  }

  function note(key, attributes) {
    return el("p", { class: "note", "data-testid": testids.note, i18n: key, ...attributes });
  }

  // The gateway's own words for a refusal (already rated, queue full, closed), already in the customer's language.
  function refusedNote(message) {
    return el("p", { class: "note", role: "status", "data-testid": testids.note, text: message });
  }

  function feedbackFor(authority) {
    return t("chat.feedback_for", { authority: config.feedback.authorities[authority][state().lang] });
  }

  function feedbackCard(item) {
    const thanks = () => note("chat.feedback_thanks", { role: "status", "data-testid": testids.feedbackThanks });
    if (item.done) return thanks();
    if (item.refused) return refusedNote(item.refused);
    const names = config.feedback.authorities;
    const about = names[item.authority] ? item.authority : config.feedback.defaultAuthority;
    const [legendId, hintId, textId] = [nextId("rating"), nextId("hint"), nextId("text")];
    let rating = null;
    const problem = el("p", { class: "feedback-problem", role: "alert" });
    const choices = el("div", { class: "rating-options" });
    for (let value = 1; value <= 5; value += 1) {
      const name = el("span", { class: "visually-hidden" });
      setI18n(name, "chat.feedback_rating_value", { rating: value });
      const option = el("button", { type: "button", class: "btn btn-rating", "aria-pressed": "false", "data-rating": String(value) },
        el("span", { "aria-hidden": "true", text: String(value) }), name);
      option.addEventListener("click", () => {
        rating = value;
        problem.textContent = "";
        choices.querySelectorAll("button").forEach((other) => other.setAttribute("aria-pressed", String(other === option)));
      });
      choices.append(option);
    }
    const text = el("textarea", { id: textId, class: "feedback-text", "data-testid": testids.feedbackText, rows: "3",
                                  maxlength: String(config.feedback.maxChars), "aria-describedby": hintId });
    const sendButton = el("button", { type: "button", class: "btn btn-primary", "data-testid": testids.feedbackSend,
                                      i18n: "chat.feedback_send" });
    const titleId = nextId("feedback");
    const form = el("section", { class: "card feedback-card", "data-testid": testids.feedback, "aria-labelledby": titleId },
      el(options.heading, { class: "card-title", id: titleId, i18n: "chat.feedback_heading" }),
      el("p", { class: "card-meta", "data-feedback-for": about, text: feedbackFor(about) }),
      el("fieldset", { class: "rating", "data-testid": testids.feedbackRating, "aria-labelledby": legendId },
         el("legend", { id: legendId, i18n: "chat.feedback_rating_label" }), choices),
      el("label", { for: textId, class: "feedback-label", i18n: "chat.feedback_text_label" }),
      el("p", { id: hintId, class: "feedback-hint", i18n: "chat.feedback_text_hint" }),
      text, problem,
      el("div", { class: "card-actions" }, sendButton));
    sendButton.addEventListener("click", async () => {
      if (!rating) { setI18n(problem, "chat.feedback_choose"); return; }
      const conversation = state().id;
      sendButton.disabled = true;
      try {
        const response = await post(api.feedback, {
          conversation_id: conversation, point: config.point, channel: options.channel, language: state().lang,
          authority: about, rating, text: text.value.trim() ? text.value.slice(0, config.feedback.maxChars) : null,
        });
        if (conversation !== state().id) return;
        if (!response.ok) {
          // Rated already, or nothing to rate: the gateway says so in the customer's language.
          const message = await refusal(response);
          if (message === null) throw new Error(String(response.status));
          item.refused = message;
          hook("changed");
          form.replaceWith(refusedNote(message));
          return;
        }
        item.done = true;
        hook("changed");
        form.replaceWith(thanks());
      } catch (error) {
        if (conversation !== state().id || (error && error.name === "AbortError")) return;
        sendButton.disabled = false;
        setI18n(problem, "chat.network_error");
      }
    });
    return form;
  }

  function renderCustom(custom) {
    switch (custom.type) {
      case "life_situation": return checklist(custom);
      case "form": return [formCard(custom)];
      case "booking": return [bookingSlip(custom)];
      case "handoff": {
        if (!testids.ticket) return []; // a surface without a ticket line shows the number elsewhere
        const line = el("p", { class: "handoff-ticket", "data-testid": testids.ticket });
        setI18n(line, "chat.ticket", { ticket: custom.ticket });
        return [line];
      }
      default: return [];
    }
  }

  // One item as nodes. Items: {kind: user|bot|error|advisor, text, buttons?}, {kind: note, key},
  // {kind: feedback, authority, done?} or {kind: custom, custom}.
  function render(item, withButtons) {
    switch (item.kind) {
      case "user": return [bubble("user", shown(item.text))];
      case "bot": return [bubble("bot", item.text), withButtons ? quickReplies(item.buttons) : null].filter(Boolean);
      case "error": case "advisor": return [bubble(item.kind, item.text)];
      case "note": return [note(item.key)];
      case "feedback": return [feedbackCard(item)];
      case "custom": return renderCustom(item.custom || {});
      default: return [];
    }
  }

  function draw(items) {
    const replies = pure.repliesAt(items);
    const nodes = [];
    items.forEach((item, index) => {
      for (const node of render(item, index === replies)) {
        ui.log.append(node);
        nodes.push(node);
      }
    });
    return nodes;
  }

  // New items at the end of the conversation: older buttons go, and only the latest failure stays.
  function append(items) {
    ui.log.querySelectorAll(".quick-replies").forEach((group) => group.remove());
    if (items.some((item) => item.kind === "error")) ui.log.querySelectorAll(".msg-error").forEach((old) => old.remove());
    const nodes = draw(items);
    hook("appended", items, nodes);
    return nodes;
  }

  // A stored conversation drawn again (the widget after a page load).
  function renderAll(items) {
    ui.log.replaceChildren();
    return draw(items);
  }

  // ---- scrolling: the conversation's own box, never the page ----------------------------------

  // scrollIntoView would scroll every scrollable ancestor, the page too: the header, the language
  // buttons and the input would leave the screen. Only the scroller moves, by its CSS scroll-behavior.
  function scrollToEnd() {
    ui.scroller.scrollTo({ top: ui.scroller.scrollHeight });
  }

  // The node at the top of the box (below its scroll-padding-top), so a long answer is read from its start.
  function reveal(node) {
    const box = ui.scroller;
    if (!node || !node.isConnected) {
      scrollToEnd();
      return;
    }
    const padding = parseFloat(getComputedStyle(box).scrollPaddingTop) || 0;
    const top = box.getBoundingClientRect().top + box.clientTop + padding;
    box.scrollTo({ top: box.scrollTop + node.getBoundingClientRect().top - top });
  }

  // ---- talking to the gateway ----------------------------------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      cache: "no-store", mode: "cors", credentials: options.credentials, signal: controller.signal,
    });
  }

  // A refusal the gateway explains (409 or 429 with `message` in the customer's language), or null.
  async function refusal(response) {
    if (![409, 429].includes(response.status)) return null;
    try {
      const data = await response.json();
      return data && typeof data.message === "string" ? data.message : null;
    } catch (error) {
      return null;
    }
  }

  // Requests still under way belong to a conversation that has ended: their answers are dropped.
  function abort() {
    controller.abort();
    controller = new AbortController();
  }

  function setBusy(value) {
    busy = value;
    ui.sendButton.disabled = value;
    ui.log.setAttribute("aria-busy", String(value));
    hook("busyChanged", value);
  }

  async function send(message, sendOptions = {}) {
    const text = String(message || "").trim().slice(0, config.maxChars);
    if (!text || busy) return null;
    const conversation = state().id;
    const language = hook("sending", sendOptions) || null;
    const userItem = sendOptions.hidden ? null : { kind: "user", text: sendOptions.display || mask(text) };
    let userNode = null;
    if (userItem) [userNode] = append([userItem]);
    else ui.log.querySelectorAll(".quick-replies").forEach((group) => group.remove());
    setBusy(true);
    const result = { items: [], data: null, failure: null, ticket: null, userNode };
    try {
      const response = await post(api.chat, {
        conversation_id: conversation, message: text, channel: options.channel, point: config.point,
        // The screen's language goes with every message: the assistant's prior for a new conversation.
        language, ui_language: state().lang,
      });
      if (conversation !== state().id) return null;
      if (response.ok) result.data = await response.json();
      else result.failure = response.status === 429 ? "chat.rate_limited" : "chat.network_error";
    } catch (error) {
      if (conversation !== state().id || (error && error.name === "AbortError")) return null;
      result.failure = "chat.network_error";
    }
    if (conversation !== state().id) return null;
    setBusy(false);
    if (result.failure) {
      append([{ kind: "error", text: t(result.failure) }]);
    } else {
      const data = result.data;
      if (userItem && !sendOptions.display && typeof data.echo === "string") {
        userItem.text = data.echo; // the assistant's redacted copy replaces ours
        userNode.querySelector(".msg-text").textContent = shown(data.echo);
      }
      const messages = data.messages || [];
      const lang = pure.languageOf(messages, Object.keys(config.texts));
      if (lang) hook("onLanguage", lang); // the assistant changed language: the screen follows
      result.items = pure.itemsOf(messages, t("chat.network_error"));
      append(result.items);
      const handoff = result.items.find((item) => item.kind === "custom" && item.custom.type === "handoff" && item.custom.ticket);
      if (handoff) {
        result.ticket = handoff.custom.ticket;
        followCase(result.ticket);
      }
    }
    hook("replied", result, sendOptions);
    return result;
  }

  // ---- the case's live feed: queue, the advisor's messages, the end ----------------------------

  function followCase(ticket) {
    const current = state();
    if (current.live && current.live.ticket === ticket && !current.live.ended) {
      if (!feed || !feed.active()) openFeed();
      return;
    }
    current.live = { ticket, lastId: null, status: "pending", ahead: null, takenOver: false, ended: false,
                     seen: [], failures: 0 };
    hook("changed");
    updateQueue();
    openFeed();
  }

  function closeFeed() {
    if (feed) feed.close();
    feed = null;
  }

  function openFeed() {
    closeFeed();
    const live = state().live;
    if (!live || live.ended || typeof EventSource !== "function") return;
    feed = CaseFeed(api.live + encodeURIComponent(state().id), live,
                    { status: onStatus, message: onAdvisorMessage, ended: onEnded, changed: () => hook("changed") });
  }

  function updateQueue() {
    if (!ui.queue) return;
    const parts = pure.queueParts(state().live, options.queueKeys);
    ui.queue.textContent = parts.map(([key, values]) => t(key, values)).join(" ");
    ui.queue.hidden = !parts.length;
  }

  function onStatus(data) {
    const live = state().live;
    const wasTakenOver = live.takenOver;
    live.status = data.status;
    live.ahead = data.ahead;
    live.takenOver = Boolean(data.taken_over);
    updateQueue();
    if (live.takenOver && !wasTakenOver) {
      hook("live", "joined", append([{ kind: "note", key: "chat.advisor_joined" }]));
    } else if (!live.takenOver && wasTakenOver && data.status !== "resolved") {
      hook("live", "back", append([{ kind: "note", key: "chat.assistant_back" }]));
    }
  }

  function onAdvisorMessage(data) {
    const live = state().live;
    if (live.seen.includes(data.id)) return;
    live.seen = [...live.seen, data.id].slice(-200);
    hook("live", "message", append([{ kind: "advisor", text: String(data.text || "") }]));
  }

  function onEnded(data) {
    const live = state().live;
    live.ended = true;
    live.takenOver = false;
    updateQueue();
    hook("live", "ended", append([{ kind: "note", key: "chat.case_ended" }, { kind: "feedback", authority: data.authority }]));
  }

  // A new conversation: nothing of the last one stays on screen.
  function clear() {
    ui.log.replaceChildren();
    setBusy(false);
    updateQueue();
  }

  return {
    t, setI18n, translate, el, icon, mask, shown, append, renderAll, scrollToEnd, reveal, post, refusal, abort, send, setBusy,
    busy: () => busy, followCase, openFeed, closeFeed, updateQueue, clear,
  };
}

// The parts without a DOM: the same in the browser and in node's tests.
ChatCore.pure = {
  // A text of the surface's texts by its dotted key, with {name} placeholders filled in.
  lookup(texts, key, values) {
    let text = key.split(".").reduce((node, part) => node && node[part], texts);
    if (typeof text !== "string") return key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  },

  // The server's rule (privacy/redact.py): patterns from the config, and the same two second looks.
  mask(text, patterns) {
    return String(text)
      .replace(new RegExp(patterns.id_code, "gu"), (match, ...rest) => {
        const groups = rest[rest.length - 1];
        // Ten digits with no sign is far more often a phone number than a code.
        return !groups.sign && /^\d$/.test(groups.check) ? match : "<ID_CODE>";
      })
      .replace(new RegExp(patterns.phone, "gu"), (match) => {
        const digits = match.replace(/\D/g, "").length;
        return digits >= 7 && digits <= 15 ? "<PHONE_NUMBER>" : match;
      });
  },

  // The REST channel's messages as items to draw.
  itemsOf(messages, unavailableText) {
    const items = [];
    messages.forEach((message, index) => {
      const custom = message.custom;
      const next = messages[index + 1];
      if (custom && typeof custom === "object") {
        if (custom.type === "unavailable") items.push({ kind: "error", text: message.text || unavailableText });
        else if (custom.type === "advisor") items.push({ kind: "advisor", text: custom.text || message.text || "" });
        else if (custom.type === "feedback_request") items.push({ kind: "feedback", authority: custom.authority });
        // Payloads with nothing to draw (language; handoff_unavailable, whose text and buttons come as a
        // message of their own) are left out, so the buttons before them stay the newest.
        else if (["life_situation", "form", "booking", "handoff"].includes(custom.type)) items.push({ kind: "custom", custom });
        return;
      }
      // The life situation comes twice, as text and as a payload: the checklist shows it better.
      if (next && next.custom && next.custom.type === "life_situation" && message.text
          && message.text.startsWith(next.custom.title)) return;
      if (typeof message.text === "string" && message.text) {
        items.push({ kind: "bot", text: message.text, buttons: Array.isArray(message.buttons) ? message.buttons : null });
      }
    });
    return items;
  },

  // The language the assistant switched to in these messages, if it did.
  languageOf(messages, languages) {
    let lang = null;
    for (const { custom } of messages) {
      if (custom && ["language", "life_situation", "form"].includes(custom.type) && languages.includes(custom.language)) {
        lang = custom.language;
      }
    }
    return lang;
  },

  // Which item shows its buttons: the newest answer that has some, unless the customer (or anyone)
  // spoke after it. -1 when none.
  repliesAt(items) {
    for (let index = items.length - 1; index >= 0; index -= 1) {
      const item = items[index];
      if (item.kind === "bot" && item.buttons && item.buttons.length) return index;
      if (item.kind !== "bot" && item.kind !== "custom") return -1;
    }
    return -1;
  },

  // The booking's time as customers read it, made by the server in every language.
  bookingTime(booking, lang) {
    const labels = booking.labels || {};
    return labels[lang] || Object.values(labels)[0] || "";
  },

  // The queue line as text keys: [[key, values], …]; none when there is no case to wait for.
  // keys: waiting (a line before the position, or null), coming, chatting.
  queueParts(live, keys) {
    if (!live || live.ended) return [];
    if (live.takenOver) return [[keys.chatting]];
    if (live.status !== "pending") return [[keys.coming]];
    const parts = keys.waiting ? [[keys.waiting, { ticket: live.ticket }]] : [];
    if (live.ahead === 0) parts.push(["chat.queue_next"]);
    else if (live.ahead === 1) parts.push(["chat.queue_ahead_one"]);
    else if (typeof live.ahead === "number") parts.push(["chat.queue_ahead", { count: live.ahead }]);
    return parts;
  },
};

if (typeof window === "undefined" && typeof module === "object") module.exports = ChatCore;
