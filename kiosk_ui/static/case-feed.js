/* The customer's live feed of a handoff case (GET /api/live/<conversation>, Server-Sent Events), used by
   the chat core (chat-core.js) on the kiosk (a page script) and in the widget (built into its bundle).

   `live` is the caller's record of the case: the feed keeps `live.lastId` (the last event id) and
   `live.failures` in it, so the caller can store them and a reload resumes where it stopped.
   `handlers`: status(data), message(data), ended(data), and changed() after anything was kept in `live`. */
"use strict";

function CaseFeed(url, live, handlers) {
  let source = null;
  let retry = null;
  let closed = false;

  const changed = () => { if (handlers.changed) handlers.changed(); };

  function open() {
    // Reopened by hand from the last event id: across origins no Last-Event-ID header can be relied on,
    // and this way nothing comes twice and nothing is lost.
    const after = live.lastId ? `?after=${encodeURIComponent(live.lastId)}` : "";
    const current = new EventSource(url + after);
    source = current;
    const handle = (handler) => (event) => {
      if (closed || source !== current) return;
      if (event.lastEventId) live.lastId = event.lastEventId;
      live.failures = 0;
      let data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      handler(data);
      changed();
    };
    current.addEventListener("status", handle(handlers.status));
    current.addEventListener("message", handle(handlers.message));
    current.addEventListener("ended", handle((data) => { close(); handlers.ended(data); }));
    current.addEventListener("error", () => {
      if (closed || source !== current) return;
      current.close();
      source = null;
      live.failures += 1;
      changed();
      if (live.failures > 8) return; // the case is gone
      retry = setTimeout(() => {
        retry = null;
        if (!closed) open();
      }, Math.min(30000, 1000 * 2 ** live.failures));
    });
  }

  function close() {
    closed = true;
    clearTimeout(retry);
    retry = null;
    if (source) source.close();
    source = null;
  }

  open();
  return {
    close,
    // False once it was closed or gave up reconnecting.
    active: () => !closed && (source !== null || retry !== null),
  };
}
