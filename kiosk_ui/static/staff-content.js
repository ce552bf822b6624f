/* The content editor: live character counts of the texts (with the kiosk's length warning), and the
   preview frames, which draw the assistant's messages with the shared chat core as the kiosk and the
   widget do. Every text comes from the page (data attributes or the frame's config). */
(() => {
  "use strict";

  function fill(text, values) {
    return Object.entries(values).reduce((out, [name, value]) => out.split(`{${name}}`).join(String(value)), text);
  }

  // The counts under each text: "12 / 60 characters", and the warning above the kiosk's limit.
  function counts() {
    document.querySelectorAll("[data-count-of]").forEach((count) => {
      const field = document.getElementById(count.dataset.countOf);
      if (!field) return;
      const limit = Number(field.dataset.limit);
      const update = () => {
        const length = field.value.length;
        const over = length > limit;
        count.textContent = fill(count.dataset.text, { count: length, limit })
          + (over ? ` ${fill(count.dataset.over, { limit })}` : "");
        count.classList.toggle("over", over);
      };
      field.addEventListener("input", update);
    });
  }

  // A preview frame: the messages as the surface draws them (nothing is sent anywhere).
  function preview(config) {
    const log = document.getElementById("log");
    const state = { id: "preview", lang: config.lang, live: null };
    const kiosk = config.surface === "kiosk";
    let chat = null;
    const link = (href, text, testid) => chat.el("a", { href, class: "btn btn-secondary", target: "_blank", rel: "noopener", "data-testid": testid, text });
    chat = ChatCore({
      config: { texts: config.texts, maxChars: 1000, point: "preview", booking: {}, feedback: { authorities: {}, defaultAuthority: "", maxChars: 0 },
                redact: { id_code: "(?!)", phone: "(?!)" } },
      state: () => state,
      ui: { log, queue: null, sendButton: document.getElementById("preview-send"), scroller: document.getElementById(kiosk ? "main" : "scroller") },
      api: { chat: "", feedback: "", live: "" },
      credentials: "omit",
      channel: kiosk ? "kiosk" : "web",
      heading: kiosk ? "h2" : "h3",
      icons: kiosk ? "/static/icons.svg" : { paper: "" },
      testids: { advisor: "advisor-message", note: "chat-note" },
      formActions: (form) => {
        const code = form.variant || form.code;
        if (kiosk) {
          return [chat.el("button", { type: "button", class: "btn btn-primary", "data-testid": "form-print", i18n: "chat.form_print" }),
                  chat.el("button", { type: "button", class: "btn btn-secondary", "data-testid": "form-ask-paper", i18n: "chat.form_ask_paper" })];
        }
        return [link(form.url, `${chat.t("chat.form_link")} (${code})`, "form-link"),
                chat.el("span", { class: "btn btn-secondary", "data-testid": "form-print", text: `${chat.t("chat.form_print")} (${code})` })];
      },
      bookingActions: () => [],
    });
    chat.append(ChatCore.pure.itemsOf(config.messages, ""));
    // Quick replies only show; a preview has no conversation to send them to.
    log.querySelectorAll("button").forEach((button) => { button.disabled = true; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const config = document.getElementById("preview-config");
    if (config) preview(JSON.parse(config.textContent));
    else counts();
  });
})();
