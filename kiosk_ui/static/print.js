/* A print sheet prints from its button. Opened by the kiosk (a window with an opener on the same
   origin), it prints at once and closes after printing, back to the kiosk's conversation. */
(() => {
  "use strict";
  document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
  let opener = null;
  try {
    opener = window.opener && window.opener.location.origin === location.origin ? window.opener : null;
  } catch (error) { /* another origin's window: not the kiosk */ }
  if (!opener) return;
  document.querySelectorAll("[data-close]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.close());
  });
  window.addEventListener("afterprint", () => setTimeout(() => window.close(), 500));
  window.addEventListener("load", () => window.print());
})();
