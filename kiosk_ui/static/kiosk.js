/* The kiosk page: start screen, conversation, handoff (ticket, queue, the advisor's chat), feedback and the privacy wipe.
   The conversation lives only in this page's memory: nothing goes to localStorage, sessionStorage,
   cookies or the URL, so once wiped, nothing of the previous customer can be brought back. */
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const $ = (selector) => document.querySelector(selector);
  const ICONS = "/static/icons.svg";
  const SVG = "http://www.w3.org/2000/svg";

  const ui = {
    html: document.documentElement,
    start: $("[data-testid='start-screen']"),
    chat: $("[data-testid='chat']"),
    handoff: $("[data-testid='handoff-screen']"),
    log: $("#log"),
    typing: $("#typing"),
    main: $("#main"),
    form: $("#composer"),
    input: $("#chat-input"),
    send: $("[data-testid='chat-send']"),
    advisor: $("#call-advisor"),
    end: $("#end"),
    ticket: $("#ticket"),
    queue: $("#queue"),
    handoffText: $("#handoff-text"),
    idle: $("#idle"),
    idleText: $("#idle-text"),
  };

  let state;
  let generation = 0; // bumped by every wipe: a reply to an earlier customer is dropped
  let controller = null;

  function newConversationId() {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function freshState() {
    return { id: newConversationId(), lang: config.lang, chosenLanguage: null, started: false,
             degraded: false, busy: false, view: "start", lastHandoff: null, live: null };
  }

  // ---- texts ---------------------------------------------------------------------------------

  function t(key, values) {
    const texts = config.texts[state.lang];
    let text = key === "title" ? texts.title : key.split(".").reduce((node, part) => node && node[part], texts);
    if (typeof text !== "string") return key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  function applyLanguage(lang) {
    if (!config.texts[lang]) return;
    state.lang = lang;
    ui.html.lang = lang;
    document.title = `${t("title")} · ${config.pointName[lang]}`;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      if (node.tagName !== "TITLE") node.textContent = t(node.dataset.i18n, node.dataset.i18nValues ? JSON.parse(node.dataset.i18nValues) : null);
    });
    document.querySelectorAll("[data-i18n-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.i18nLabel)));
    document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => { node.placeholder = t(node.dataset.i18nPlaceholder); });
    document.querySelectorAll("[data-i18n-tile]").forEach((node) => { node.textContent = config.tiles[node.dataset.i18nTile][lang]; });
    document.querySelectorAll("[data-i18n-initial]").forEach((node) => { node.textContent = config.tiles[node.dataset.i18nInitial][lang].slice(0, 1); });
    document.querySelectorAll("[data-i18n-point]").forEach((node) => { node.textContent = config.pointName[lang]; });
    document.querySelectorAll("[data-feedback-for]").forEach((node) => {
      node.textContent = t("chat.feedback_for", { authority: config.feedback.authorities[node.dataset.feedbackFor][lang] });
    });
    document.querySelectorAll("[data-testid^='lang-']").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    });
    if (ui.idle.open) updateIdleText();
  }

  // ---- building blocks -----------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "i18n") { node.dataset.i18n = value; node.textContent = t(value); }
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function icon(name) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", `${ICONS}#${name}`);
    svg.append(use);
    return svg;
  }

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  // Identity codes and phone numbers never appear on screen, not even for the moment before the
  // server's redacted echo arrives. The patterns follow privacy/redact.py loosely.
  const ID_CODE = /(?<![\w+])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}([-+A-FU-Ya-fu-y]|\s?)\d{3}[0-9A-Ya-y](?!\w)/g;
  const PHONE = /(?<![\w+])(?:\+|00)?\(?\d[\d\s()-]{5,18}\d(?!\w)/g;

  function mask(text) {
    return text.replace(ID_CODE, "<ID_CODE>").replace(PHONE, (match) =>
      match.replace(/\D/g, "").length >= 7 ? "<PHONE_NUMBER>" : match);
  }

  function shown(text) {
    return text.split("<ID_CODE>").join(t("chat.id_code_removed"))
      .split("<PHONE_NUMBER>").join(t("chat.phone_removed"));
  }

  // ---- views ---------------------------------------------------------------------------------

  function show(view) {
    state.view = view;
    ui.start.hidden = view !== "start";
    ui.chat.hidden = view !== "chat";
    ui.handoff.hidden = view !== "handoff";
    $("#bar").hidden = view === "handoff"; // the handoff screen has its own buttons
    ui.end.hidden = view === "start";
    document.body.dataset.view = view;
  }

  function scrollToNewest(node) {
    if (node) node.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // ---- messages ------------------------------------------------------------------------------

  function addBubble(kind, text, extraClass, testid) {
    const who = { user: "chat.you", bot: "chat.assistant", advisor: "chat.advisor", error: "chat.assistant" }[kind];
    const bubble = el("div", { class: `msg msg-${kind} ${extraClass || ""}`.trim(), "data-testid": testid || `msg-${kind}` },
      el("p", { class: "msg-who", i18n: who }),
      el("p", { class: "msg-text", text }));
    if (kind === "error") {
      // Only the latest failure is worth reading; older ones would only crowd the screen.
      ui.log.querySelectorAll("[data-testid='msg-error']").forEach((old) => old.remove());
    }
    ui.log.append(bubble);
    return bubble;
  }

  function removeQuickReplies() {
    ui.log.querySelectorAll(".quick-replies").forEach((group) => group.remove());
  }

  function addQuickReplies(buttons) {
    const group = el("div", { class: "quick-replies", role: "group" });
    for (const button of buttons) {
      if (!button || !button.payload) continue;
      const title = button.title || button.payload;
      const node = el("button", { type: "button", class: "btn btn-reply", "data-testid": "quick-reply", text: title });
      node.addEventListener("click", () => send(button.payload, { display: title }));
      group.append(node);
    }
    if (group.childElementCount) ui.log.append(group);
  }

  function formCard(form) {
    const titleId = nextId("form");
    const lang = form.language || state.lang;
    const printUrl = `/print/form/${encodeURIComponent(form.code)}?lang=${encodeURIComponent(lang)}`;
    const print = el("a", { class: "btn btn-primary", "data-testid": "form-print", href: printUrl,
                            "aria-describedby": titleId },
      icon("print"), el("span", { i18n: "chat.form_print" }));
    print.addEventListener("click", (event) => { event.preventDefault(); printPage(printUrl); });
    const paper = el("button", { type: "button", class: "btn btn-secondary", "data-testid": "form-ask-paper",
                                 "aria-describedby": titleId },
      icon("paper"), el("span", { i18n: "chat.form_ask_paper" }));
    paper.addEventListener("click", () => directHandoff("paper_form", form.code));
    return el("article", { class: "card form-card", "data-testid": "form-card", "data-code": form.code,
                           "aria-labelledby": titleId },
      el("p", { class: "card-kicker" }, el("span", { i18n: "chat.form" }), " ",
         el("span", { class: "code", text: form.variant || form.code })),
      el("h2", { class: "card-title", id: titleId, text: form.title }),
      form.returned_to ? el("p", { class: "card-meta" }, el("span", { class: "label", i18n: "chat.form_returned_to" }),
                            el("span", { text: form.returned_to })) : null,
      el("div", { class: "card-actions" }, print, paper));
  }

  function checklist(situation) {
    const titleId = nextId("situation");
    const list = el("ol", { class: "checklist", "data-testid": "checklist" });
    for (const step of situation.services || []) {
      const meta = [step.name, step.authority_name].filter(Boolean).join(" · ");
      list.append(el("li", {}, el("span", { class: "step-note", text: step.note || step.name }),
                     meta ? el("span", { class: "step-meta", text: meta }) : null));
    }
    const card = el("section", { class: "card checklist-card", "data-code": situation.code, "aria-labelledby": titleId },
      el("p", { class: "card-kicker", i18n: "chat.checklist_heading" }),
      el("h2", { class: "card-title", id: titleId, text: situation.title }),
      list);
    ui.log.append(card);
    for (const form of situation.forms || []) ui.log.append(formCard({ ...form, language: form.language || situation.language }));
  }

  function formatSlot(iso, lang) {
    // The payload's times are wall-clock times of the booking's zone (Helsinki); read them as written.
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    const display = config.booking.display[lang];
    if (!match || !display) return iso || "";
    const [year, month, day, hour, minute] = match.slice(1).map(Number);
    const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
    const fields = { weekday: display.weekdays[weekday], day, month, month_name: display.months[month - 1],
                     year, hour, minute };
    return display.slot.replace(/\{(\w+)(:02d)?\}/g, (_, name, pad) =>
      pad ? String(fields[name]).padStart(2, "0") : String(fields[name]));
  }

  function bookingSlip(booking) {
    const lang = state.lang;
    const names = config.booking;
    const titleId = nextId("booking");
    const kind = (names.kinds[booking.kind] || {})[lang] || booking.kind;
    const topic = (names.topics[booking.topic] || {})[lang] || booking.topic;
    const rows = el("dl", { class: "slip-rows" },
      el("dt", { i18n: "chat.booking_time" }), el("dd", { text: formatSlot(booking.start, lang) }),
      el("dt", { i18n: "chat.booking_topic" }), el("dd", { text: topic }),
      el("dt", { i18n: "chat.booking_reference" }), el("dd", { class: "reference", text: booking.reference }));
    if (booking.room) {
      rows.append(el("dt", { i18n: "chat.booking_room" }),
                  el("dd", { text: (names.rooms[booking.room] || {})[lang] || booking.room }));
    }
    const printUrl = `/print/booking/${encodeURIComponent(booking.reference)}?lang=${lang}`;
    const print = el("a", { class: "btn btn-primary", "data-testid": "booking-print", href: printUrl },
      icon("print"), el("span", { i18n: "chat.booking_print" }));
    print.addEventListener("click", (event) => { event.preventDefault(); printPage(printUrl); });
    ui.log.append(el("article", { class: "card booking-slip", "data-testid": "booking-slip",
                                  "data-reference": booking.reference, "aria-labelledby": titleId },
      el("p", { class: "card-kicker", i18n: "chat.booking_heading" }),
      el("h2", { class: "card-title", id: titleId, text: kind }),
      rows,
      el("div", { class: "card-actions" }, print)));
  }

  function renderReplies(messages) {
    // The life-situation reply comes twice: as text and as a payload. The checklist shows it better,
    // so the text right before the payload is left out.
    const skip = new Set();
    messages.forEach((message, index) => {
      const custom = message.custom;
      const previous = messages[index - 1];
      if (custom && custom.type === "life_situation" && previous && previous.text && !previous.custom
          && previous.text.startsWith(custom.title)) {
        skip.add(index - 1);
      }
    });
    let last = null;
    messages.forEach((message, index) => {
      if (skip.has(index)) return;
      const custom = message.custom;
      if (custom && typeof custom === "object") {
        if (custom.language && ["language", "life_situation", "form"].includes(custom.type)) {
          applyLanguage(custom.language); // the assistant changed language: the screen follows
        }
        switch (custom.type) {
          case "unavailable": state.degraded = true; last = addBubble("error", message.text || t("chat.network_error")); return;
          case "life_situation": checklist(custom); return;
          case "form": ui.log.append(formCard(custom)); return;
          case "booking": bookingSlip(custom); return;
          case "handoff": state.lastHandoff = { ticket: custom.ticket, reason: custom.reason }; return;
          case "advisor": last = addBubble("advisor", custom.text || message.text || ""); return;
          case "feedback_request": last = feedbackCard(custom.authority); return;
          default: break;
        }
      }
      if (typeof message.text === "string" && message.text) {
        last = addBubble("bot", message.text);
        if (Array.isArray(message.buttons) && message.buttons.length) addQuickReplies(message.buttons);
      }
    });
    return last;
  }

  // ---- talking to the gateway ----------------------------------------------------------------

  async function post(url, body) {
    controller = new AbortController();
    const response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      cache: "no-store", credentials: "same-origin", signal: controller.signal,
    });
    return response;
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.disabled = busy;
    // While the advisor has the conversation, nobody is typing an answer to each message.
    ui.typing.hidden = !busy || Boolean(state.live && state.live.takenOver);
    ui.log.setAttribute("aria-busy", String(busy));
  }

  async function send(message, options = {}) {
    const text = message.trim();
    if (!text || state.busy) return;
    const myGeneration = generation;
    const firstMessage = !state.started;
    state.started = true;
    removeQuickReplies();
    show("chat");
    const typed = !options.display;
    const bubble = addBubble("user", typed ? shown(mask(text)) : options.display);
    scrollToNewest(bubble);
    // The language goes along when the customer pressed a language button, or tapped a tile in the
    // screen's language to start; typed text is left to the assistant's own detection.
    const language = state.chosenLanguage || (options.startsInScreenLanguage && firstMessage ? state.lang : null);
    setBusy(true);
    let data = null;
    let failure = null;
    try {
      const response = await post("/api/chat", {
        conversation_id: state.id, message: text, channel: "kiosk", point: config.point,
        language, ui_language: state.lang,
      });
      if (myGeneration !== generation) return;
      if (response.ok) data = await response.json();
      else failure = response.status === 429 ? "chat.rate_limited" : "chat.network_error";
    } catch (error) {
      if (myGeneration !== generation || (error && error.name === "AbortError")) return;
      failure = "chat.network_error";
    } finally {
      if (myGeneration === generation) setBusy(false);
    }
    if (myGeneration !== generation) return;
    if (failure) {
      if (failure === "chat.network_error") state.degraded = true;
      addBubble("error", t(failure));
      return;
    }
    if (language) state.chosenLanguage = null;
    if (typed && typeof data.echo === "string") bubble.querySelector(".msg-text").textContent = shown(data.echo);
    if (!data.degraded) state.degraded = false;
    state.lastHandoff = null;
    renderReplies(data.messages || []);
    if (state.lastHandoff) {
      showHandoff(state.lastHandoff.ticket, t("kiosk.handoff_text"));
      followCase(state.lastHandoff.ticket);
    } else if (options.wantsAdvisor && data.degraded) {
      await directHandoff("assistant_unavailable"); // the customer asked for a person: call one anyway
    }
  }

  async function directHandoff(reason, formCode) {
    if (state.busy) return;
    const myGeneration = generation;
    state.started = true;
    setBusy(true);
    try {
      const response = await post("/api/handoff", {
        conversation_id: state.id, point: config.point, language: state.lang, channel: "kiosk",
        reason, form: formCode || null,
      });
      if (myGeneration !== generation) return;
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      setBusy(false);
      const text = reason === "paper_form" ? t("kiosk.handoff_paper", { code: formCode }) : t("kiosk.handoff_text");
      showHandoff(data.ticket, text, reason === "paper_form" ? { key: "kiosk.handoff_paper", values: { code: formCode } } : null);
      followCase(data.ticket);
    } catch (error) {
      if (myGeneration !== generation || (error && error.name === "AbortError")) return;
      setBusy(false);
      show("chat");
      addBubble("error", t("chat.network_error"));
    }
  }

  function showHandoff(ticket, text, i18n) {
    ui.ticket.textContent = ticket;
    ui.handoffText.textContent = text;
    ui.handoffText.dataset.i18n = i18n ? i18n.key : "kiosk.handoff_text";
    if (i18n) ui.handoffText.dataset.i18nValues = JSON.stringify(i18n.values);
    else delete ui.handoffText.dataset.i18nValues;
    show("handoff");
    ui.main.scrollTop = 0;
    $("#handoff-heading").focus({ preventScroll: true });
  }

  // ---- the case's live feed: queue, the advisor's messages, the end ----------------------------

  let feed = null;

  function followCase(ticket) {
    if (state.live && state.live.ticket === ticket && !state.live.ended) {
      if (!feed || !feed.active()) openFeed();
      return;
    }
    state.live = { ticket, lastId: null, status: "pending", ahead: null, takenOver: false, ended: false,
                   seen: new Set(), failures: 0 };
    ui.queue.hidden = true;
    openFeed();
  }

  function closeFeed() {
    if (feed) feed.close();
    feed = null;
  }

  function openFeed() {
    closeFeed();
    const live = state.live;
    if (!live || live.ended) return;
    feed = CaseFeed(`/api/live/${encodeURIComponent(state.id)}`, live,
                    { status: onStatus, message: onAdvisorMessage, ended: onEnded });
  }

  function setI18n(node, key, values) {
    node.dataset.i18n = key;
    if (values) node.dataset.i18nValues = JSON.stringify(values);
    else delete node.dataset.i18nValues;
    node.textContent = t(key, values);
  }

  function updateQueue() {
    const live = state.live;
    if (!live || live.ended) { ui.queue.hidden = true; return; }
    if (live.status === "pending") {
      if (live.ahead === 0) setI18n(ui.queue, "chat.queue_next");
      else if (live.ahead === 1) setI18n(ui.queue, "chat.queue_ahead_one");
      else setI18n(ui.queue, "chat.queue_ahead", { count: live.ahead });
    } else {
      setI18n(ui.queue, live.takenOver ? "kiosk.advisor_chatting" : "kiosk.advisor_coming");
    }
    ui.queue.hidden = false;
  }

  function addNote(key) {
    const note = el("p", { class: "note", "data-testid": "chat-note", i18n: key });
    ui.log.append(note);
    return note;
  }

  function onStatus(data) {
    const live = state.live;
    const wasTakenOver = live.takenOver;
    live.status = data.status;
    live.ahead = data.ahead;
    live.takenOver = Boolean(data.taken_over);
    updateQueue();
    if (live.takenOver && !wasTakenOver) {
      removeQuickReplies();
      const note = addNote("chat.advisor_joined");
      show("chat");
      scrollToNewest(note);
    } else if (!live.takenOver && wasTakenOver && data.status !== "resolved") {
      scrollToNewest(addNote("chat.assistant_back"));
    }
  }

  function onAdvisorMessage(data) {
    const live = state.live;
    if (live.seen.has(data.id)) return;
    live.seen.add(data.id);
    const bubble = addBubble("advisor", data.text || "", null, "advisor-message");
    if (state.view !== "chat") show("chat");
    scrollToNewest(bubble);
  }

  function onEnded(data) {
    const live = state.live;
    live.ended = true;
    live.takenOver = false;
    updateQueue();
    removeQuickReplies();
    const note = addNote("chat.case_ended");
    feedbackCard(data.authority);
    show("chat");
    scrollToNewest(note);
  }

  // ---- feedback ------------------------------------------------------------------------------

  function feedbackCard(authority) {
    const names = config.feedback.authorities;
    const about = names[authority] ? authority : config.feedback.defaultAuthority;
    const titleId = nextId("feedback");
    const legendId = nextId("rating");
    const hintId = nextId("hint");
    const textId = nextId("text");
    let rating = null;
    const problem = el("p", { class: "feedback-problem", role: "alert" });
    const options = el("div", { class: "rating-options" });
    for (let value = 1; value <= 5; value += 1) {
      const name = el("span", { class: "visually-hidden" });
      setI18n(name, "chat.feedback_rating_value", { rating: value });
      const option = el("button", { type: "button", class: "btn btn-rating", "aria-pressed": "false",
                                    "data-rating": String(value) },
        el("span", { "aria-hidden": "true", text: String(value) }), name);
      option.addEventListener("click", () => {
        rating = value;
        problem.textContent = "";
        options.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b === option)));
      });
      options.append(option);
    }
    const text = el("textarea", { id: textId, class: "feedback-text", "data-testid": "feedback-text", rows: "3",
                                  maxlength: String(config.feedback.maxChars), "aria-describedby": hintId });
    const sendButton = el("button", { type: "button", class: "btn btn-primary", "data-testid": "feedback-send",
                                      i18n: "chat.feedback_send" });
    const forWhom = el("p", { class: "card-meta", "data-feedback-for": about,
                              text: t("chat.feedback_for", { authority: names[about][state.lang] }) });
    const card = el("section", { class: "card feedback-card", "data-testid": "feedback", "aria-labelledby": titleId },
      el("h2", { class: "card-title", id: titleId, i18n: "chat.feedback_heading" }),
      forWhom,
      el("fieldset", { class: "rating", "data-testid": "feedback-rating", "aria-labelledby": legendId },
         el("legend", { id: legendId, i18n: "chat.feedback_rating_label" }), options),
      el("label", { for: textId, class: "feedback-label", i18n: "chat.feedback_text_label" }),
      el("p", { id: hintId, class: "feedback-hint", i18n: "chat.feedback_text_hint" }),
      text, problem,
      el("div", { class: "card-actions" }, sendButton));
    sendButton.addEventListener("click", async () => {
      if (!rating) { setI18n(problem, "chat.feedback_choose"); return; }
      const myGeneration = generation;
      sendButton.disabled = true;
      try {
        const response = await post("/api/feedback", {
          conversation_id: state.id, point: config.point, channel: "kiosk", language: state.lang,
          authority: about, rating, text: text.value.trim() ? text.value.slice(0, config.feedback.maxChars) : null,
        });
        if (myGeneration !== generation) return;
        if (!response.ok) throw new Error(String(response.status));
        const thanks = el("p", { class: "card-title", role: "status", "data-testid": "feedback-thanks",
                                 i18n: "chat.feedback_thanks" });
        card.replaceChildren(thanks);
      } catch (error) {
        if (myGeneration !== generation || (error && error.name === "AbortError")) return;
        sendButton.disabled = false;
        setI18n(problem, "chat.network_error");
      }
    });
    ui.log.append(card);
    return card;
  }

  // ---- printing ------------------------------------------------------------------------------

  let printWindow = null;

  function closePrintWindow() {
    if (printWindow && !printWindow.closed) printWindow.close();
    printWindow = null;
  }

  function printPage(url) {
    // The sheet opens in a window of its own, which prints itself and closes: the kiosk page keeps
    // its state and its history gains no entry, and a wipe closes a sheet still open.
    closePrintWindow();
    printWindow = window.open(url, "kiosk-print");
  }

  // ---- privacy: idle prompt and wipe ---------------------------------------------------------

  let idleTimer = null;
  let wipeTimer = null;
  let countdown = null;
  let remaining = 0;

  function clearTimers() {
    clearTimeout(idleTimer);
    clearTimeout(wipeTimer);
    clearInterval(countdown);
    idleTimer = wipeTimer = countdown = null;
  }

  function activity() {
    if (ui.idle.open) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(askStillThere, config.idleSeconds * 1000);
  }

  function updateIdleText() {
    ui.idleText.textContent = t("kiosk.idle_text", { seconds: remaining });
  }

  function askStillThere() {
    remaining = config.wipeSeconds;
    updateIdleText();
    ui.idle.showModal();
    $("#idle-continue").focus();
    countdown = setInterval(() => { remaining = Math.max(0, remaining - 1); updateIdleText(); }, 1000);
    wipeTimer = setTimeout(wipe, config.wipeSeconds * 1000);
  }

  function stillHere() {
    clearTimers();
    if (ui.idle.open) ui.idle.close();
    activity();
  }

  function wipe() {
    generation += 1;
    if (controller) controller.abort();
    closeFeed();
    clearTimers();
    if (ui.idle.open) ui.idle.close();
    closePrintWindow();
    state = freshState();
    ui.log.replaceChildren();
    ui.input.value = "";
    ui.ticket.textContent = "";
    ui.handoffText.textContent = "";
    ui.queue.textContent = "";
    ui.queue.hidden = true;
    setBusy(false);
    applyLanguage(config.lang);
    show("start");
    history.replaceState(null, "", location.pathname + location.search);
    ui.main.scrollTop = 0;
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  }

  // ---- wiring --------------------------------------------------------------------------------

  function init() {
    state = freshState();
    history.replaceState(null, "", location.pathname + location.search);
    document.querySelectorAll("[data-testid^='lang-']").forEach((button) => {
      button.addEventListener("click", () => {
        applyLanguage(button.dataset.lang);
        state.chosenLanguage = button.dataset.lang;
      });
    });
    document.querySelectorAll("[data-testid='life-tile']").forEach((tile) => {
      tile.addEventListener("click", () => send(`/${tile.dataset.intent}`, {
        display: config.tiles[tile.dataset.code][state.lang], startsInScreenLanguage: true }));
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value;
      if (!text.trim() || state.busy) return;
      ui.input.value = "";
      send(text.slice(0, config.maxChars));
    });
    ui.advisor.addEventListener("click", () => {
      const live = state.live;
      if (live && !live.ended) {
        // Already in the queue: show the number again, or the chat the advisor is in.
        if (live.takenOver) { show("chat"); ui.input.focus(); } else show("handoff");
        return;
      }
      if (state.degraded) directHandoff("assistant_unavailable");
      else send("/request_human", { display: t("kiosk.call_advisor"), startsInScreenLanguage: true, wantsAdvisor: true });
    });
    ui.end.addEventListener("click", wipe);
    $("#handoff-done").addEventListener("click", wipe);
    $("#handoff-back").addEventListener("click", () => { show("chat"); scrollToNewest(ui.log.lastElementChild); });
    $("#idle-continue").addEventListener("click", stillHere);
    $("#idle-end").addEventListener("click", wipe);
    ui.idle.addEventListener("cancel", (event) => { event.preventDefault(); stillHere(); });
    ui.idle.addEventListener("click", (event) => { if (event.target === ui.idle) stillHere(); });
    for (const type of ["pointerdown", "keydown", "input", "wheel"]) {
      document.addEventListener(type, activity, { capture: true, passive: true });
    }
    // A page restored from the back-forward cache would show the previous customer: start anew.
    window.addEventListener("pageshow", (event) => { if (event.persisted) wipe(); });
    show("start");
  }

  init();
})();
