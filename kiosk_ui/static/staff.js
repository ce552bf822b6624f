/* The advisor's dashboard and takeover chat: live queue over Server-Sent Events (/staff/events),
   a sound and a browser notification on a new customer, actions without reloading the page.
   Everything works without this script too (plain forms); data is only ever put in with textContent. */
(function () {
  "use strict";

  var dataEl = document.getElementById("dashboard-data");
  if (!dataEl) { return; }
  var cfg = JSON.parse(dataEl.textContent);
  var statusEl = document.getElementById("live-status");
  var noticeEl = document.getElementById("page-notice");
  var queue = document.getElementById("queue");
  var emptyEl = document.getElementById("queue-empty");
  var template = document.getElementById("case-template");
  var known = new Set();
  var audio = null;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function setStatus(state) {
    if (!statusEl) { return; }
    statusEl.dataset.state = state;
    statusEl.textContent = cfg[state];
  }

  function showNotice(code, isError) {
    if (!noticeEl) { return; }
    noticeEl.textContent = cfg.notices[code] || cfg[code] || cfg.notices.error;
    noticeEl.classList.toggle("error", Boolean(isError));
    noticeEl.hidden = false;
  }

  // Sound and notification on a new customer

  function unlockAudio() {
    // Browsers let a page make sound only after the person has interacted with it.
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }

  function chime() {
    if (!audio) { return; }
    var start = audio.currentTime + 0.02;
    [880, 660].forEach(function (frequency, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var at = start + i * 0.18;
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.18);
    });
  }

  function announce(c) {
    chime();
    if ("Notification" in window && Notification.permission === "granted") {
      var note = new Notification(fmt(cfg.new_case_title, {ticket: c.ticket}), {
        body: fmt(cfg.new_case_body, {reason: c.labels.reason, language: c.labels.language}),
        tag: "case-" + c.id, icon: "/static/favicon.svg"
      });
      note.onclick = function () { window.focus(); note.close(); };
    }
  }

  function setUpNotifications() {
    var button = document.getElementById("enable-notifications");
    document.addEventListener("click", unlockAudio);
    document.addEventListener("keydown", unlockAudio);
    if (!button || !("Notification" in window)) { return; }
    button.hidden = Notification.permission !== "default";
    button.addEventListener("click", function () {
      unlockAudio();
      Notification.requestPermission().then(function (permission) {
        button.hidden = true;
        setStatus(permission === "granted" ? "notifications_on" : "notifications_blocked");
        window.setTimeout(function () { setStatus(source && source.readyState === 1 ? "live" : "reconnecting"); }, 4000);
      });
    });
  }

  // Rendering a case card (the server's markup in <template>, filled in with textContent)

  function part(root, selector) { return root.querySelector(selector); }

  function setField(li, name, text) {
    var el = part(li, '[data-field="' + name + '"]');
    if (el) { el.textContent = text; }
  }

  function setRow(li, name, shown) {
    var el = part(li, '[data-row="' + name + '"]');
    if (el) { el.hidden = !shown; }
  }

  function waitedText(created) {
    var minutes = Math.floor((Date.now() - Date.parse(created)) / 60000);
    return minutes < 1 ? cfg.waited_now : fmt(cfg.waited, {minutes: minutes});
  }

  function refreshWaits() {
    if (!queue) { return; }
    queue.querySelectorAll("li.case[data-created]").forEach(function (li) {
      setField(li, "waited", waitedText(li.dataset.created));
    });
  }

  function newCard(id) {
    var li = template.content.firstElementChild.cloneNode(true);
    var prefix = "case-" + id + "-";
    li.querySelectorAll("[data-for]").forEach(function (el) { el.htmlFor = prefix + el.dataset.for; });
    li.querySelectorAll("[data-id]").forEach(function (el) { el.id = prefix + el.dataset.id; });
    part(li, '[data-field="ticket"]').id = prefix + "title";
    part(li, '[data-ref="article"]').setAttribute("aria-labelledby", prefix + "title");
    return li;
  }

  function fill(li, c) {
    var lang = encodeURIComponent(cfg.lang);
    var mine = c.assignee === cfg.me;
    li.dataset.caseId = c.id;
    li.dataset.status = c.status;
    li.dataset.created = c.created_at;
    li.classList.toggle("is-taken-over", c.taken_over);
    setField(li, "ticket", c.ticket);
    setField(li, "ticket_more", " " + c.ticket);  // the "more" toggle's name says whose details it opens
    var badge = part(li, '[data-field="status"]');
    badge.className = "badge status-" + c.status;
    badge.textContent = c.labels.status;
    part(li, '[data-field="taken_over"]').hidden = !c.taken_over;
    setField(li, "waited", waitedText(c.created_at));
    // The one line: names from the server in the advisor's language, never the stored codes.
    setField(li, "what", c.labels.what.join(", "));
    setField(li, "line_language", c.labels.language);
    ["language", "channel", "reason"].forEach(function (key) { setField(li, key, c.labels[key]); });
    setField(li, "assignee", c.assignee || cfg.nobody);
    setField(li, "life_situation", c.labels.life_situation);
    setRow(li, "life_situation", Boolean(c.life_situation));
    ["services", "forms", "intents"].forEach(function (key) {
      setField(li, key, c.labels[key].join(", "));
      setRow(li, key, c.labels[key].length > 0);
    });
    setField(li, "bookings", c.bookings.join(", "));
    setRow(li, "bookings", c.bookings.length > 0);
    var shown = {
      claim: c.status === "pending",
      takeover: !c.taken_over && (c.status === "pending" || mine),
      handback: c.taken_over
    };
    li.querySelectorAll("form[data-action]").forEach(function (form) {
      form.action = "/staff/cases/" + c.id + "/" + form.dataset.action + "?lang=" + lang;
      if (Object.prototype.hasOwnProperty.call(shown, form.dataset.action)) {
        form.hidden = !shown[form.dataset.action];
      }
    });
    var chat = part(li, '[data-link="chat"]');
    if (chat) { chat.href = "/staff/cases/" + c.id + "?lang=" + lang; }
    part(li, '[data-link="receipt"]').href = "/staff/receipts?case=" + c.id + "&lang=" + lang;
  }

  function cardOf(id) {
    return queue ? queue.querySelector('li.case[data-case-id="' + id + '"]') : null;
  }

  function place(li, id) {
    // The longest waiting (smallest id) first.
    var after = null;
    queue.querySelectorAll("li.case[data-case-id]").forEach(function (other) {
      if (!after && other !== li && Number(other.dataset.caseId) > id) { after = other; }
    });
    queue.insertBefore(li, after);
  }

  function updateEmpty() {
    if (emptyEl && queue) { emptyEl.hidden = queue.querySelector("li.case") !== null; }
  }

  function show(c) {
    var li = cardOf(c.id);
    if (c.status === "resolved" || c.status === "expired") {
      if (li) { li.remove(); }
      known.delete(c.id);
      updateEmpty();
      return;
    }
    var isNew = !known.has(c.id);
    if (!li) {
      li = newCard(c.id);
      fill(li, c);
      place(li, c.id);
    } else {
      fill(li, c);  // in place, so an open "forward or resolve" panel and its choices stay
    }
    known.add(c.id);
    updateEmpty();
    if (isNew && c.status === "pending") { announce(c); }
  }

  // The dashboard

  function onDashboardSnapshot(data) {
    var ids = new Set(data.cases.map(function (c) { return c.id; }));
    queue.querySelectorAll("li.case[data-case-id]").forEach(function (li) {
      if (!ids.has(Number(li.dataset.caseId))) { li.remove(); known.delete(Number(li.dataset.caseId)); }
    });
    data.cases.forEach(show);
    updateEmpty();
  }

  function onDashboardChange(data) {
    if (data.case) { show(data.case); }
  }

  function submitAction(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.action) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: {"Accept": "application/json"},
      body: new URLSearchParams(new FormData(form))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 401) { setStatus("signed_out"); return; }
        if (!response.ok) { showNotice(body.detail, true); return; }
        noticeEl.hidden = true;
        if (form.dataset.action === "takeover") {
          window.location.href = "/staff/cases/" + body.case.id + "?lang=" + encodeURIComponent(cfg.lang);
          return;
        }
        if (form.dataset.action === "resolve" || form.dataset.action === "forward") {
          showNotice(form.dataset.action === "resolve" ? "resolved" : "forwarded", false);
        }
        show(body.case);
      });
    }).catch(function () {
      showNotice("error", true);
    }).finally(function () {
      if (button) { button.disabled = false; }
    });
  }

  // The takeover chat

  var chatList = document.getElementById("chat");
  var chatEmpty = document.getElementById("chat-empty");
  var messageForm = document.getElementById("message-form");

  function appendLine(change) {
    if (!chatList || change.case_id !== cfg.case_id) { return; }
    if (chatList.querySelector('[data-change-id="' + change.id + '"]')) { return; }
    var li = document.createElement("li");
    li.className = "chat-line " + (change.actor === "customer" ? "from-customer" : "from-staff");
    li.dataset.changeId = change.id;
    var meta = document.createElement("span");
    meta.className = "chat-meta";
    meta.textContent = (change.actor === "customer" ? cfg.customer : change.actor) + " · " + change.time;
    var text = document.createElement("span");
    text.className = "chat-text";
    text.textContent = change.text || "";
    li.append(meta, text);
    chatList.append(li);
    if (chatEmpty) { chatEmpty.hidden = true; }
    li.scrollIntoView({block: "nearest"});
  }

  function onCaseState(c) {
    if (!c || c.id !== cfg.case_id) { return; }
    if (c.status === "resolved" || c.status === "expired") {
      if (queue) { queue.remove(); queue = null; }
      if (messageForm) { messageForm.remove(); messageForm = null; }
      showNotice(c.status === "expired" ? "case_expired" : "case_gone", false);
      return;
    }
    var chatting = c.taken_over && c.assignee === cfg.me;
    if (chatting !== Boolean(messageForm)) {
      window.location.reload();  // a colleague took over or handed back: show the right form
      return;
    }
    var li = queue && queue.querySelector("li.case");
    if (li) { fill(li, c); }
  }

  function onCaseSnapshot(data) {
    var mine = data.cases.filter(function (c) { return c.id === cfg.case_id; });
    onCaseState(mine.length ? mine[0] : {id: cfg.case_id, status: "resolved"});
  }

  function onCaseChange(data) {
    if (data.change.case_id !== cfg.case_id) { return; }
    if (data.change.kind === "message") {
      appendLine(data.change);
    } else if (data.case) {
      onCaseState(data.case);
    }
  }

  function sendMessage(event) {
    event.preventDefault();
    var area = messageForm.querySelector("textarea");
    var button = messageForm.querySelector("button");
    button.disabled = true;
    fetch(messageForm.action, {
      method: "POST", credentials: "same-origin", headers: {"Accept": "application/json"},
      body: new URLSearchParams(new FormData(messageForm))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 401) { setStatus("signed_out"); return; }
        if (!response.ok) { showNotice(body.detail, true); return; }
        noticeEl.hidden = true;
        area.value = "";
        area.focus();
      });
    }).catch(function () { showNotice("error", true); })
      .finally(function () { button.disabled = false; });
  }

  // The live feed

  var source = null;

  function connect() {
    setStatus("connecting");
    source = new EventSource("/staff/events?lang=" + encodeURIComponent(cfg.lang));
    source.addEventListener("snapshot", function (event) {
      var data = JSON.parse(event.data);
      setStatus("live");
      if (cfg.view === "dashboard") { onDashboardSnapshot(data); } else { onCaseSnapshot(data); }
    });
    source.addEventListener("case", function (event) {
      var data = JSON.parse(event.data);
      if (cfg.view === "dashboard") { onDashboardChange(data); } else { onCaseChange(data); }
    });
    source.onerror = function () {
      // EventSource reconnects by itself (and gets a fresh snapshot); CLOSED means the answer was
      // not a feed at all, e.g. the sign-in page after the session ended.
      setStatus(source.readyState === EventSource.CLOSED ? "signed_out" : "reconnecting");
    };
  }

  if (queue) {
    queue.querySelectorAll("li.case[data-case-id]").forEach(function (li) { known.add(Number(li.dataset.caseId)); });
    if (cfg.view === "dashboard") { queue.addEventListener("submit", submitAction); }
  }
  if (messageForm) { messageForm.addEventListener("submit", sendMessage); }
  setUpNotifications();
  refreshWaits();
  window.setInterval(refreshWaits, 30000);
  connect();
}());
