/* A print sheet prints from its button. Opened by the kiosk (a window with an opener on the same
   origin), it prints at once and closes after printing, back to the kiosk's conversation.

   A form's sheet may bring more (print_form.html):
   - the form's own PDF (data-form-pdf): once the sheet has printed, the PDF opens in this window, in a
     frame of this origin, and that frame prints itself. Chromium in kiosk mode (--kiosk --kiosk-printing)
     prints a same-origin PDF frame's contentWindow.print() with its built-in PDF viewer straight to the
     printer, like the sheet; a PDF opened as the window's page instead would wait for a press of the
     viewer's own print button, and an <embed> or <object> is barred by the pages' policy (object-src
     'none'). window.print() returns once the sheet is printed (the dialog, or kiosk printing, is
     modal), so the PDF follows it without waiting for afterprint; the window closes after the PDF's
     print, or at the latest after PDF_CLOSE_MS, or with its Back button (and a kiosk wipe closes it).
   - no PDF (data-ask-paper): the sheet says the advisor has the form on paper. Opened by the kiosk, its
     button presses the same form card's "ask for a paper form" button in the kiosk, so the advisor is
     asked exactly as from the card; the window stays open after printing, so the button can be pressed. */
(() => {
  "use strict";
  const PDF_CLOSE_MS = 60000;
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

  const next = document.querySelector("[data-form-pdf]");
  const ask = document.querySelector("[data-ask-paper]");

  // The kiosk's own "ask for a paper form" button on this form's card, while the card is there.
  function kioskAskButton(code) {
    try {
      const cards = [...opener.document.querySelectorAll("[data-testid='form-card']")].filter((card) => card.dataset.code === code);
      return cards.map((card) => card.querySelector("[data-testid='form-ask-paper']")).filter(Boolean).pop() || null;
    } catch (error) {
      return null; // the kiosk went on to another page
    }
  }

  if (ask && kioskAskButton(ask.dataset.askPaper)) {
    ask.hidden = false;
    ask.addEventListener("click", () => {
      const button = kioskAskButton(ask.dataset.askPaper);
      if (button) button.click();
      window.close();
    });
  }

  let closing = null;
  function closeSoon(delay) {
    clearTimeout(closing);
    closing = setTimeout(() => window.close(), delay);
  }

  function printPdf() {
    const view = document.querySelector("[data-pdf-view]");
    const frame = document.createElement("iframe");
    frame.className = "pdf-frame";
    frame.title = next.dataset.frameTitle;
    frame.dataset.testid = "form-pdf-frame";
    frame.addEventListener("load", () => {
      let target = null;
      try {
        target = frame.contentWindow;
        target.addEventListener("afterprint", () => closeSoon(500));
        target.print();
      } catch (error) {
        // A viewer that cannot be scripted: the PDF is on screen, with its own print button and Back.
      }
      document.documentElement.dataset.formPdf = target ? "printed" : "shown";
      closeSoon(PDF_CLOSE_MS);
    }, { once: true });
    frame.src = next.dataset.formPdf;
    view.append(frame);
    view.hidden = false;
    document.documentElement.dataset.formPdf = "opening";
  }

  // Only a sheet with nothing more to offer closes after printing.
  if (!next && !(ask && !ask.hidden)) window.addEventListener("afterprint", () => setTimeout(() => window.close(), 500));
  window.addEventListener("load", () => {
    window.print();
    if (next) printPdf();
  });
})();
