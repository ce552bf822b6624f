  /* The widget's own part of /widget.js (after case-feed.js and chat-core.js, all wrapped there with
     CONFIG and CSS): the panel in an open shadow root, so the host page's styles cannot break it and
     its styles cannot leak into the page. The conversation is kept in sessionStorage so it survives
     moving between the site's pages, and can be cleared. */

  const script = document.currentScript;
  if (!script || window.__asiointiWidget) return;
  window.__asiointiWidget = true;

  const LANGS = ["fi", "sv", "en"];
  const base = new URL(script.src, location.href).origin;
  const point = /^[a-z0-9][a-z0-9-]{0,63}$/.test(script.dataset.point || "") ? script.dataset.point : CONFIG.point;
  const pageLang = (document.documentElement.lang || "").slice(0, 2).toLowerCase();
  const startLang = LANGS.includes(script.dataset.lang) ? script.dataset.lang : LANGS.includes(pageLang) ? pageLang : "fi";
  const accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(script.dataset.color || "") ? script.dataset.color : "#1a5fb4";
  const storageKey = `asiointi-widget:${point}`;
  const MAX_ITEMS = 120;

  // ---- colours: the site's accent, with text colours that keep WCAG AA contrast ---------------

  function rgb(hex) {
    let h = hex.replace("#", "");
    if (h.length === 3) h = h.split("").map((c) => c + c).join("");
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  function luminance(c) {
    const v = c.map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    const [la, lb] = [luminance(a), luminance(b)];
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  const toHex = (c) => `#${c.map((x) => Math.round(x).toString(16).padStart(2, "0")).join("")}`;
  function darkenUntil(c, against, ratio) {
    let out = c.slice();
    for (let i = 0; i < 40 && contrast(out, against) < ratio; i++) out = out.map((x) => x * 0.9);
    return out;
  }
  const accentRgb = rgb(accent);
  const white = [255, 255, 255];
  const ink = [17, 17, 17];
  const onAccent = contrast(accentRgb, white) >= contrast(accentRgb, ink) ? "#ffffff" : "#111111";
  const accentText = toHex(darkenUntil(accentRgb, white, 4.6)); // links and outlines on the white panel

  // ---- state: kept in sessionStorage ---------------------------------------------------------

  function newId() {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
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

  let state = load();

  // ---- the chat: the core shared with the kiosk (chat-core.js) -------------------------------

  const parts = {};
  const chat = ChatCore({
    config: { ...CONFIG, point }, state: () => state, ui: parts,
    api: { chat: `${base}/api/chat`, feedback: `${base}/api/feedback`, live: `${base}/api/live/` },
    credentials: "omit", channel: "web", heading: "h3",
    icons: {
      chat: "M4 5.5h16v10H9l-5 4z",
      close: "M6 6l12 12M18 6L6 18",
      clear: "M5 7h14M10 7V4.5h4V7M7 7l1 13h8l1-13",
      send: "M4 12 20 4l-4 16-4.5-6.5zM11.5 13.5 20 4",
    },
    testids: { advisor: "widget-advisor-message", note: "widget-note", ticket: "widget-ticket", feedback: "widget-feedback",
               feedbackRating: "widget-feedback-rating", feedbackText: "widget-feedback-text",
               feedbackSend: "widget-feedback-send", feedbackThanks: "widget-feedback-thanks" },
    queueKeys: { waiting: "widget.queue_waiting", coming: "widget.advisor_coming", chatting: "widget.advisor_here" },
    formActions: (form) => {
      const code = form.variant || form.code;
      const lang = form.language || state.lang;
      return [link(form.url, `${t("chat.form_link")} (${code})`, "form-link"),
              link(`${base}/print/form/${encodeURIComponent(form.code)}?lang=${lang}`, `${t("chat.form_print")} (${code})`, "form-print")];
    },
    bookingActions: (booking) => [
      el("a", { href: `${base}/bookings/${encodeURIComponent(booking.reference)}.ics?lang=${state.lang}`, download: "",
                "data-testid": "booking-ics", i18n: "chat.booking_ics" })],
    richText: withLinks,
    // The customer's message at the top, so a long answer is read from its start.
    replied: (result) => chat.reveal(result.userNode),
    appended: (items) => {
      state.items.push(...items);
      save();
      chat.scrollToEnd();
    },
    changed: save,
    // The customer asked for a person: show that one came.
    live: (event) => { if (event === "joined" && !state.open) setOpen(true, false); },
    onLanguage: (lang) => {
      state.lang = lang;
      applyTexts();
    },
  });
  const { t, el, icon } = chat;

  function link(href, text, testid) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", "data-testid": testid || null },
      el("span", { text }), el("span", { class: "visually-hidden", text: ` (${t("chat.opens_new_tab")})` }));
  }

  function withLinks(text) {
    // Addresses in the assistant's text become links; everything else stays plain text.
    const fragment = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?]/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(text))) {
      fragment.append(text.slice(last, match.index), link(match[0], match[0]));
      last = match.index + match[0].length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  // ---- the panel -----------------------------------------------------------------------------

  const host = el("div", { id: "asiointi-widget", "data-asiointi-widget": "" });
  const root = host.attachShadow({ mode: "open" });
  const frame = el("aside", { class: "w chat-compact", i18nLabel: "widget.title" });
  frame.style.setProperty("--w-accent", accent);
  frame.style.setProperty("--w-on-accent", onAccent);
  frame.style.setProperty("--w-accent-text", accentText);

  const launcher = el("button", { type: "button", class: "w-launcher", "data-testid": "widget-open",
                                  "aria-expanded": "false", "aria-controls": "w-panel" },
    icon("chat"), el("span", { class: "w-launcher-label", i18n: "widget.open" }));
  const subtitle = el("p", { class: "w-sub" });
  const clearButton = el("button", { type: "button", class: "w-icon-btn", "data-testid": "widget-clear",
                                     i18nLabel: "widget.clear", i18nTitle: "widget.clear" }, icon("clear"));
  const closeButton = el("button", { type: "button", class: "w-icon-btn", "data-testid": "widget-close",
                                     i18nLabel: "widget.close", i18nTitle: "widget.close" }, icon("close"));
  parts.log = el("div", { class: "log", role: "log", "aria-live": "polite", i18nLabel: "widget.conversation" });
  parts.queue = el("p", { class: "w-queue", "data-testid": "widget-queue", role: "status", hidden: true });
  const status = el("p", { class: "visually-hidden", role: "status" });
  // The scrolling area takes focus so that keyboard users can scroll a long answer.
  parts.scroller = el("div", { class: "w-body", tabindex: "0" },
    el("p", { class: "w-welcome", "data-testid": "widget-welcome", i18n: "widget.welcome" }), parts.log);
  const input = el("input", { id: "w-input", type: "text", "data-testid": "widget-input", maxlength: String(CONFIG.maxChars),
                              autocomplete: "off" });
  parts.sendButton = el("button", { type: "submit", class: "w-send", "data-testid": "widget-send", i18nLabel: "widget.send" },
    icon("send"));
  const composer = el("form", { class: "w-composer" },
    el("label", { for: "w-input", class: "visually-hidden", i18n: "widget.input_label" }), input, parts.sendButton);
  const panel = el("section", { id: "w-panel", class: "w-panel", "data-testid": "widget-panel", role: "dialog",
                                "aria-modal": "false", "aria-labelledby": "w-title", hidden: true },
    el("header", { class: "w-head" },
       el("div", { class: "w-head-text" }, el("h2", { id: "w-title", class: "w-title", i18n: "widget.title" }), subtitle),
       el("div", { class: "w-head-actions" }, clearButton, closeButton)),
    parts.queue, parts.scroller,
    status, el("p", { class: "w-privacy", i18n: "widget.privacy" }), composer);
  frame.append(launcher, panel);
  root.append(el("style", { text: CSS }), frame);

  function applyTexts() {
    frame.setAttribute("lang", state.lang);
    subtitle.textContent = CONFIG.pointName[state.lang];
    chat.translate(root);
    chat.updateQueue();
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
    if (open) chat.scrollToEnd();
  }

  function clearConversation() {
    chat.abort();
    chat.closeFeed();
    try { sessionStorage.removeItem(storageKey); } catch (error) { /* nothing stored */ }
    state = { v: 1, id: newId(), lang: state.lang, open: true, items: [] };
    save();
    chat.clear();
    status.textContent = t("widget.cleared");
    input.value = "";
    input.focus();
  }

  launcher.addEventListener("click", () => setOpen(true, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  clearButton.addEventListener("click", clearConversation);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.stopPropagation(); setOpen(false, true); }
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (chat.busy() || !input.value.trim()) return;
    const text = input.value;
    input.value = "";
    chat.send(text);
  });

  applyTexts();
  chat.renderAll(state.items); // before the host is attached, so a screen reader does not read the history aloud again
  panel.hidden = !state.open;
  launcher.hidden = state.open;
  launcher.setAttribute("aria-expanded", String(state.open));

  function attach() {
    document.body.append(host);
    // Open when the last page was left: at the newest message, as opening it does (laid out only now).
    if (state.open) chat.scrollToEnd();
    // After a page load in the middle of a handoff, the feed picks up where the last page left it.
    if (state.live && !state.live.ended) chat.openFeed();
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
