/* Receipt form: only the chosen authority's forms are offered (the server checks the pair anyway). */
(() => {
  "use strict";
  const authority = document.querySelector("[data-authority-select]");
  const documents = document.querySelector("[data-document-select]");
  if (!authority || !documents) return;
  const update = () => {
    documents.querySelectorAll("optgroup[data-authority]").forEach((group) => {
      const other = group.dataset.authority !== authority.value;
      group.hidden = other;
      group.disabled = other;
    });
    const chosen = documents.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) documents.selectedIndex = 0;
  };
  authority.addEventListener("change", update);
  update();
})();
