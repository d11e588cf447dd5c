// Agora's one script, self-hosted (CSP script-src 'self'). Everything works without it: every
// control is a form the portal answers with a redirect. With it:
// - the portal is installable and, when the network is gone, shows the last page viewed,
//   marked as offline (the service worker, /sw.js);
// - the portal's forms (customisation, undo, dismissing an announcement, marking read) are
//   sent in the background and the page is updated in place: no reload, the focus goes
//   where the portal says (the control used, its neighbour, or the page heading), and a live
//   region reads out the portal's message ("“Timetable” moved down.", with an undo after a
//   removal);
// - in customisation mode a service is reordered by dragging its title onto another
//   service or column; the ↑ ↓ ← → buttons stay the keyboard way of doing the same.
"use strict";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

(() => {
  /** The forms answered in place (all post to the portal and redirect back to a page). */
  const IN_PLACE = new Set([
    "/layout/edit",
    "/layout/reset",
    "/layout/undo",
    "/notifications/dismiss",
    "/notifications/read",
  ]);
  /** Parsing a page keeps its declarative shadow roots only through parseHTMLUnsafe. */
  const canSwap = typeof Document.parseHTMLUnsafe === "function";

  const host = () => document.querySelector("agora-page");
  const shadow = () => host()?.shadowRoot ?? null;

  // The live region: one, after the page (so it survives the updates), always rendered.
  let live = null;
  function announce(text) {
    if (!text) return;
    if (!live) {
      live = document.createElement("div");
      live.id = "agora-live";
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.append(live);
    }
    live.textContent = "";
    // A change after a tick is one a screen reader reads out, even for the same words.
    setTimeout(() => {
      live.textContent = text;
    }, 60);
  }

  function inPlace(form) {
    if (!canSwap || (form.method || "").toLowerCase() !== "post") return false;
    const url = new URL(form.action, location.href);
    return url.origin === location.origin && IN_PLACE.has(url.pathname);
  }

  /** Put the page `doc` in place of this one; false when it cannot be done in place. */
  function swap(doc) {
    const next = doc.querySelector("agora-page");
    const here = host();
    if (next && next.shadowRoot && here && here.shadowRoot) {
      // Moving the nodes adopts them with their own shadow roots (the channels' slots).
      here.shadowRoot.replaceChildren(...next.shadowRoot.childNodes);
      here.replaceChildren(...next.childNodes);
    } else if (!next && !here && doc.body) {
      document.body.replaceChildren(...doc.body.childNodes);
      if (live) document.body.append(live);
    } else {
      return false;
    }
    document.title = doc.title;
    return true;
  }

  /** Focus what the new page marks `autofocus` (autofocus acts only on a page load). */
  function focusMarked() {
    const target = shadow()?.querySelector("[autofocus]") ?? document.querySelector("[autofocus]");
    if (target) target.focus();
  }

  /** The portal's messages on the new page, for the live region. */
  function messages() {
    const scope = shadow() ?? document;
    return Array.from(scope.querySelectorAll(".notice"))
      .map((n) => n.textContent.replace(/\s+/g, " ").trim())
      .filter(Boolean)
      .join(" ");
  }

  let pending = false;

  async function send(action, body) {
    if (pending) return;
    pending = true;
    const main = shadow()?.querySelector("main") ?? document.querySelector("main");
    main?.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      const doc = Document.parseHTMLUnsafe(await res.text());
      if (res.redirected && swap(doc)) {
        history.replaceState(null, "", res.url);
        focusMarked();
        announce(messages());
      } else if (res.redirected) {
        location.assign(res.url);
      } else {
        // An error page (expired form, storage down): shown as it is, in full.
        document.documentElement.replaceWith(document.adoptNode(doc.documentElement));
      }
    } catch {
      // No network: the browser's own navigation shows the offline page.
      location.reload();
    } finally {
      pending = false;
      main?.removeAttribute("aria-busy");
    }
  }

  function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented || !inPlace(form)) return;
    event.preventDefault();
    send(form.action, new URLSearchParams(new FormData(form, event.submitter)));
  }

  document.addEventListener("submit", onSubmit);
  // A submit inside the page's shadow root does not leave it: listen there too (the root
  // stays, only its children are replaced).
  shadow()?.addEventListener("submit", onSubmit);

  // Drag and drop, in customisation mode only.
  const root = shadow();
  if (!root || !canSwap) return;
  let dragged = null;

  const cards = () => Array.from(root.querySelectorAll("section.channel[data-movable]"));
  function prepare() {
    for (const card of cards()) {
      const title = card.querySelector(".channel-title");
      if (title && !title.draggable) {
        title.draggable = true;
        title.classList.add("drag-handle");
      }
    }
  }
  prepare();
  new MutationObserver(prepare).observe(root, { childList: true });

  function clearMarks() {
    for (const el of root.querySelectorAll(".drop-before, .drop-after, .drop-end")) {
      el.classList.remove("drop-before", "drop-after", "drop-end");
    }
  }

  /** Where a drop at `event` lands: the card before or after which, or a column's end. */
  function landing(event) {
    const path = event.composedPath();
    const card = path.find((n) => n instanceof HTMLElement && n.matches("section.channel"));
    const column = path.find((n) => n instanceof HTMLElement && n.matches(".column"));
    if (card && card !== dragged) {
      const box = card.getBoundingClientRect();
      return { card, after: event.clientY > box.top + box.height / 2 };
    }
    if (column && !card) return { column };
    return null;
  }

  root.addEventListener("dragstart", (event) => {
    const card = event.composedPath().find((n) => n instanceof HTMLElement && n.matches("section.channel[data-movable]"));
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.publication);
  });
  root.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    clearMarks();
  });
  root.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const spot = landing(event);
    clearMarks();
    if (!spot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (spot.card) spot.card.classList.add(spot.after ? "drop-after" : "drop-before");
    else spot.column.classList.add("drop-end");
  });
  root.addEventListener("drop", (event) => {
    if (!dragged) return;
    const spot = landing(event);
    const card = dragged;
    clearMarks();
    if (!spot) return;
    event.preventDefault();
    const from = { column: Number(card.dataset.column), position: Number(card.dataset.position) };
    let column;
    let position = null;
    if (spot.card) {
      column = Number(spot.card.dataset.column);
      position = Number(spot.card.dataset.position) + (spot.after ? 1 : 0);
      // The position counts the services once the moved one has left its place.
      if (from.column === column && from.position < position) position -= 1;
      if (from.column === column && from.position === position) return;
    } else {
      column = Array.from(root.querySelectorAll(".column")).indexOf(spot.column);
    }
    const csrf = root.querySelector("input[name=csrf]");
    const tab = card.dataset.tab;
    if (!csrf || tab === undefined || column < 0) return;
    const body = new URLSearchParams({
      csrf: csrf.value,
      op: "move-channel",
      publication: card.dataset.publication,
      tab,
      column: String(column),
      here: tab,
      focus: `${card.dataset.publication}:drag`,
    });
    if (position !== null) body.set("position", String(position));
    send("/layout/edit", body);
  });
})();
