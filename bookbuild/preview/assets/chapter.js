// Footnote popups in the live preview, as popup-capable e-readers show them.
// Served with the preview's copy of each chapter only: the EPUB carries no script.
"use strict";
(function () {
  let popup = null;

  function close() {
    if (popup) {
      popup.remove();
      popup = null;
    }
  }

  function open(link, note) {
    close();
    popup = document.createElement("div");
    popup.className = "bookbuild-popup";
    popup.setAttribute("role", "dialog");
    popup.setAttribute("aria-label", "Note " + link.textContent.trim());
    for (const child of note.childNodes) {
      popup.appendChild(child.cloneNode(true));
    }
    // The note's own back link is pointless inside the popup.
    for (const back of popup.querySelectorAll('[role="doc-backlink"]')) {
      back.remove();
    }
    document.body.appendChild(popup);
    const box = link.getBoundingClientRect();
    const left = Math.min(box.left + window.scrollX,
                          window.scrollX + document.documentElement.clientWidth
                          - popup.offsetWidth - 8);
    popup.style.left = Math.max(8, left) + "px";
    popup.style.top = (box.bottom + window.scrollY + 6) + "px";
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest('a[role="doc-noteref"]');
    if (!link) {
      if (popup && !popup.contains(event.target)) {
        close();
      }
      return;
    }
    const id = decodeURIComponent((link.getAttribute("href") || "").replace(/^#/, ""));
    const note = document.getElementById(id);
    if (note) {
      event.preventDefault();
      open(link, note);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
    }
  });
})();
