/* The kiosk page: start screen, conversation, handoff (ticket, queue, the advisor's chat), feedback and the privacy wipe.
   The conversation lives only in this page's memory: nothing goes to localStorage, sessionStorage,
   cookies or the URL, so once wiped, nothing of the previous customer can be brought back. */
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const $ = (selector) => document.querySelector(selector);

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

  function newConversationId() {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function freshState() {
    return { id: newConversationId(), lang: config.lang, chosenLanguage: null, started: false,
             degraded: false, view: "start", live: null };
  }

  // The chat itself: the core shared with the widget (chat-core.js). The kiosk adds its screens.
  const chat = ChatCore({
    config, state: () => state, ui: { log: ui.log, queue: ui.queue, sendButton: ui.send, scroller: ui.main },
    api: { chat: "/api/chat", feedback: "/api/feedback", live: "/api/live/" },
    credentials: "same-origin", channel: "kiosk", heading: "h2", icons: "/static/icons.svg",
    testids: { advisor: "advisor-message", note: "chat-note", feedback: "feedback", feedbackRating: "feedback-rating",
               feedbackText: "feedback-text", feedbackSend: "feedback-send", feedbackThanks: "feedback-thanks" },
    queueKeys: { waiting: null, coming: "kiosk.advisor_coming", chatting: "kiosk.advisor_chatting" },
    formActions: (form, titleId) => {
      const lang = form.language || state.lang;
      const paper = el("button", { type: "button", class: "btn btn-secondary", "data-testid": "form-ask-paper",
                                   "aria-describedby": titleId },
        icon("paper"), el("span", { i18n: "chat.form_ask_paper" }));
      paper.addEventListener("click", () => directHandoff("paper_form", form.code));
      return [printButton(`/print/form/${encodeURIComponent(form.code)}?lang=${encodeURIComponent(lang)}`,
                          "form-print", "chat.form_print", titleId), paper];
    },
    bookingActions: (booking) => [printButton(`/print/booking/${encodeURIComponent(booking.reference)}?lang=${state.lang}`,
                                              "booking-print", "chat.booking_print")],
    sending: (options) => {
      // The language goes along when the customer pressed a language button, or tapped a tile in the
      // screen's language to start; typed text is left to the assistant's own detection.
      const first = !state.started;
      state.started = true;
      show("chat");
      return state.chosenLanguage || (options.startsInScreenLanguage && first ? state.lang : null);
    },
    replied,
    appended: (items, nodes) => { if (items[0] && items[0].kind === "user") chat.reveal(nodes[0]); },
    live: (event, nodes) => {
      if (event !== "back") show("chat");
      chat.reveal(nodes[0]);
    },
    onLanguage: applyLanguage,
    // While the advisor has the conversation, nobody is typing an answer to each message.
    busyChanged: (busy) => { ui.typing.hidden = !busy || Boolean(state.live && state.live.takenOver); },
  });
  const { t, el, icon } = chat;

  function applyLanguage(lang) {
    if (!config.texts[lang]) return;
    state.lang = lang;
    ui.html.lang = lang;
    document.title = `${t("title")} · ${config.pointName[lang]}`;
    chat.translate(document);
    document.querySelectorAll("[data-i18n-tile]").forEach((node) => { node.textContent = config.tiles[node.dataset.i18nTile][lang]; });
    document.querySelectorAll("[data-i18n-initial]").forEach((node) => { node.textContent = config.tiles[node.dataset.i18nInitial][lang].slice(0, 1); });
    document.querySelectorAll("[data-i18n-point]").forEach((node) => { node.textContent = config.pointName[lang]; });
    document.querySelectorAll("[data-testid^='lang-']").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    });
    chat.updateQueue();
    if (ui.idle.open) updateIdleText();
  }

  // A language button. Before the conversation the choice goes with the first message; during it the
  // assistant hears it at once (a hidden choose_language) and answers in the new language, and its
  // answer replaces the quick replies of the old one. While a handoff case is open, the screen alone
  // changes: the ticket screen stays, and an advisor who took over would get the message in the chat.
  function switchLanguage(lang) {
    if (!config.texts[lang]) return;
    const changed = lang !== state.lang;
    applyLanguage(lang);
    state.chosenLanguage = lang; // also carried by the next message if this one cannot go now
    const live = Boolean(state.live && !state.live.ended);
    if (!state.started || !changed || live || chat.busy()) return;
    chat.send(`/choose_language{"language":"${lang}"}`, { hidden: true });
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

  // ---- answers and the advisor ---------------------------------------------------------------

  async function replied(result, options) {
    const data = result.data;
    if (result.failure) {
      if (result.failure === "chat.network_error") state.degraded = true;
      return;
    }
    if (state.chosenLanguage) state.chosenLanguage = null;
    if (!data.degraded) state.degraded = false;
    if (result.items.some((item) => item.kind === "error")) state.degraded = true;
    if (result.ticket) showHandoff(result.ticket, t("kiosk.handoff_text"));
    else if (options.wantsAdvisor && data.degraded) {
      await directHandoff("assistant_unavailable"); // the customer asked for a person: call one anyway
    }
  }

  async function directHandoff(reason, formCode) {
    if (chat.busy()) return;
    const myGeneration = generation;
    state.started = true;
    chat.setBusy(true);
    try {
      const response = await chat.post("/api/handoff", {
        conversation_id: state.id, point: config.point, language: state.lang, channel: "kiosk",
        reason, form: formCode || null,
      });
      if (myGeneration !== generation) return;
      if (!response.ok) {
        // Closed, nobody on duty or a full queue: the gateway's words instead of a network error.
        const message = await chat.refusal(response);
        if (message === null) throw new Error(String(response.status));
        if (myGeneration !== generation) return;
        chat.setBusy(false);
        show("chat");
        chat.append([{ kind: "error", text: message }]);
        return;
      }
      const data = await response.json();
      chat.setBusy(false);
      const paper = reason === "paper_form" ? { key: "kiosk.handoff_paper", values: { code: formCode } } : null;
      showHandoff(data.ticket, paper ? t(paper.key, paper.values) : t("kiosk.handoff_text"), paper);
      chat.followCase(data.ticket);
    } catch (error) {
      if (myGeneration !== generation || (error && error.name === "AbortError")) return;
      chat.setBusy(false);
      show("chat");
      chat.append([{ kind: "error", text: t("chat.network_error") }]);
    }
  }

  function showHandoff(ticket, text, i18n) {
    ui.ticket.textContent = ticket;
    ui.handoffText.textContent = text;
    ui.handoffText.dataset.i18n = i18n ? i18n.key : "kiosk.handoff_text";
    if (i18n) ui.handoffText.dataset.i18nValues = JSON.stringify(i18n.values);
    else delete ui.handoffText.dataset.i18nValues;
    show("handoff");
    ui.main.scrollTo({ top: 0, behavior: "instant" });
    $("#handoff-heading").focus({ preventScroll: true });
  }

  function printButton(url, testid, key, describedBy) {
    const link = el("a", { class: "btn btn-primary", "data-testid": testid, href: url, "aria-describedby": describedBy },
      icon("print"), el("span", { i18n: key }));
    link.addEventListener("click", (event) => { event.preventDefault(); printPage(url); });
    return link;
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
    chat.abort();
    chat.closeFeed();
    clearTimers();
    if (ui.idle.open) ui.idle.close();
    closePrintWindow();
    state = freshState();
    chat.clear();
    ui.input.value = "";
    ui.ticket.textContent = "";
    ui.handoffText.textContent = "";
    delete ui.handoffText.dataset.i18n; // else a language change would write the last customer's text again
    delete ui.handoffText.dataset.i18nValues;
    applyLanguage(config.lang);
    show("start");
    history.replaceState(null, "", location.pathname + location.search);
    ui.main.scrollTo({ top: 0, behavior: "instant" });
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  }

  // ---- wiring --------------------------------------------------------------------------------

  function init() {
    state = freshState();
    history.replaceState(null, "", location.pathname + location.search);
    document.querySelectorAll("[data-testid^='lang-']").forEach((button) => {
      button.addEventListener("click", () => switchLanguage(button.dataset.lang));
    });
    document.querySelectorAll("[data-testid='life-tile']").forEach((tile) => {
      tile.addEventListener("click", () => chat.send(`/${tile.dataset.intent}`, {
        display: config.tiles[tile.dataset.code][state.lang], startsInScreenLanguage: true }));
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value;
      if (!text.trim() || chat.busy()) return;
      ui.input.value = "";
      chat.send(text);
    });
    ui.advisor.addEventListener("click", () => {
      const live = state.live;
      if (live && !live.ended) {
        // Already in the queue: show the number again, or the chat the advisor is in.
        if (live.takenOver) { show("chat"); ui.input.focus(); } else show("handoff");
        return;
      }
      if (state.degraded) directHandoff("assistant_unavailable");
      else chat.send("/request_human", { display: t("kiosk.call_advisor"), startsInScreenLanguage: true, wantsAdvisor: true });
    });
    ui.end.addEventListener("click", wipe);
    $("#handoff-done").addEventListener("click", wipe);
    $("#handoff-back").addEventListener("click", () => { show("chat"); chat.reveal(ui.log.lastElementChild); });
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
