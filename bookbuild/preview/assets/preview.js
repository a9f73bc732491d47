// The live preview page: polls the server's state and brings the page up to date after each
// rebuild (chapter, contents, printed pages, problems) without the author reloading anything.
"use strict";
(function () {
  const POLL_MS = 300;
  const frame = document.getElementById("text");
  const printView = document.getElementById("print");
  const toc = document.getElementById("toc");
  const status = document.getElementById("status");
  const problems = document.getElementById("problems");
  const problemList = document.getElementById("problem-list");
  let state = null;
  let shownChapter = null; // [href, contentVersion] in the frame now
  let shownPrint = null; // printVersion on show now

  function route() {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (hash === "print") {
      return { view: "print", id: null };
    }
    const id = hash.startsWith("text/") ? hash.slice(5) : null;
    return { view: "text", id: id };
  }

  function currentSection() {
    const contents = state ? state.contents : [];
    const wanted = route().id;
    return contents.find((s) => s.id === wanted) || contents[0] || null;
  }

  function renderToc() {
    toc.replaceChildren();
    const current = currentSection();
    for (const section of state.contents) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#text/" + encodeURIComponent(section.id);
      link.textContent = section.title;
      if (section.kind === "part") {
        item.className = "part";
      } else if (section.part) {
        item.className = "in-part";
      }
      if (route().view === "text" && current && current.id === section.id) {
        link.setAttribute("aria-current", "page");
      }
      item.appendChild(link);
      toc.appendChild(item);
    }
  }

  function showText() {
    const section = currentSection();
    frame.hidden = false;
    printView.hidden = true;
    if (!section) {
      return;
    }
    const wanted = [section.href, state.contentVersion];
    if (shownChapter && shownChapter[0] === wanted[0] && shownChapter[1] === wanted[1]) {
      return;
    }
    const sameChapter = shownChapter && shownChapter[0] === section.href;
    const scroll = sameChapter && frame.contentWindow ? frame.contentWindow.scrollY : 0;
    if (scroll) {
      frame.addEventListener("load", function () {
        frame.contentWindow.scrollTo(0, scroll);
      }, { once: true });
    }
    frame.src = section.href + "?v=" + state.contentVersion;
    shownChapter = wanted;
  }

  function showPrint() {
    frame.hidden = true;
    printView.hidden = false;
    if (shownPrint === state.printVersion) {
      return;
    }
    shownPrint = state.printVersion;
    printView.replaceChildren();
    const info = state.print;
    if (!info) {
      printView.textContent = state.building ? "Laying out the PDF…"
        : "No PDF yet: this preview builds only the EPUB.";
      return;
    }
    if (!info.images) {
      // Without pdftoppm on this machine, the browser's own PDF viewer shows the file.
      const embed = document.createElement("embed");
      embed.type = "application/pdf";
      embed.src = "/_preview/book.pdf?v=" + state.printVersion;
      printView.appendChild(embed);
      return;
    }
    const height = Math.round(300 * info.height / info.width);
    for (let n = 1; n <= info.pages; n++) {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.loading = "lazy";
      img.width = 300;
      img.height = height;
      img.alt = "Page " + n + " of the print PDF";
      img.src = "/_preview/page/" + n + ".png?v=" + state.printVersion;
      const caption = document.createElement("figcaption");
      caption.textContent = String(n);
      figure.append(img, caption);
      printView.appendChild(figure);
    }
  }

  function renderProblems() {
    problemList.replaceChildren();
    for (const problem of state.problems) {
      const item = document.createElement("li");
      item.className = problem.severity;
      item.textContent = problem.text;
      problemList.appendChild(item);
    }
    problems.hidden = state.problems.length === 0;
  }

  function renderStatus() {
    const build = state.lastBuild;
    const errors = state.problems.filter((p) => p.severity === "error").length;
    status.className = state.building ? "building" : (errors ? "failed" : "");
    if (state.building) {
      status.textContent = "building…";
    } else if (build) {
      status.textContent = (errors ? errors + (errors === 1 ? " error" : " errors")
        : "built") + " at " + build.finished + " (" + build.seconds.toFixed(1) + " s)";
    }
  }

  function render() {
    document.title = state.title + " — bookbuild preview";
    document.getElementById("book-title").textContent = state.title;
    const view = route().view;
    for (const name of ["text", "print"]) {
      const tab = document.getElementById("view-" + name);
      if (name === view) {
        tab.setAttribute("aria-current", "page");
      } else {
        tab.removeAttribute("aria-current");
      }
    }
    renderToc();
    renderProblems();
    renderStatus();
    if (view === "print") {
      showPrint();
    } else {
      showText();
    }
    document.body.dataset.version = String(state.version);
  }

  async function poll() {
    try {
      const answer = await fetch("/_preview/state", { cache: "no-store" });
      const next = await answer.json();
      if (!state || next.version !== state.version) {
        state = next;
        render();
      }
    } catch (error) {
      status.className = "failed";
      status.textContent = "preview stopped: run bookbuild watch again";
    }
    setTimeout(poll, POLL_MS);
  }

  window.addEventListener("hashchange", function () {
    if (state) {
      render();
    }
  });
  poll();
})();
