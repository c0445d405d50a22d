// The case page's candidates, reviewed at scale: a decision on a tile is the tile's own
// form sent by fetch (its CSRF token included), and the tile is replaced by the one the
// server renders, so the page never reloads per decision; the outcome is announced in the
// status region. Keyboard: j / k move between tiles, c confirm, r reject, u undo, e enlarge
// the photo around the face, Escape closes it. Without JavaScript the forms post as ever.
(function () {
  "use strict";

  const section = document.querySelector("[data-candidates]");
  if (!section || !window.fetch) return;
  const list = section.querySelector("ul.candidates");
  const status = section.querySelector("#candidates-status");
  const hint = section.querySelector("#candidate-shortcuts");
  if (hint) hint.hidden = false;

  const say = (message, isError) => {
    status.textContent = "";
    status.classList.toggle("is-error", Boolean(isError));
    // A change of text after an empty one is announced even when the words repeat.
    window.setTimeout(() => { status.textContent = message; }, 50);
  };

  const tiles = () => Array.from(list.querySelectorAll("li.tile"));
  const tileOf = (element) => element && element.closest && element.closest("li.tile");
  // The tile's decision (Confirm, or Undo), else its Enlarge link.
  const firstControl = (tile) => tile && (tile.querySelector("form[data-tile-form] button") ||
    tile.querySelector("a[data-enlarge]"));

  const replaceTile = (tile, html) => {
    if (!html) return tile;
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    const fresh = holder.content.firstElementChild;
    if (!fresh) return tile;
    tile.replaceWith(fresh);
    return fresh;
  };

  const send = async (form, submitter, byKeyboard) => {
    const tile = tileOf(form);
    const buttons = tile.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    tile.setAttribute("aria-busy", "true");
    let answer = null;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form, submitter || undefined),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const type = response.headers.get("Content-Type") || "";
      answer = type.includes("application/json") ? await response.json() : null;
    } catch (error) {
      answer = null;
    }
    if (!answer) {
      buttons.forEach((b) => { b.disabled = false; });
      tile.removeAttribute("aria-busy");
      say(section.dataset.failed || "Not saved: reload the page and try again.", true);
      return;
    }
    const fresh = replaceTile(tile, answer.html);
    const bulk = section.querySelector("#bulk-decisions");
    if (bulk && typeof answer.bulk === "string") bulk.innerHTML = answer.bulk;
    fresh.removeAttribute("aria-busy");
    say(answer.message, !answer.ok);
    if (byKeyboard && answer.ok) {
      const all = tiles();
      const next = all[all.indexOf(fresh) + 1];
      (firstControl(next) || firstControl(fresh) || fresh).focus();
    } else {
      (firstControl(fresh) || fresh).focus();
    }
  };

  let keyboardSubmit = false;
  // After forms.js (loaded first): a form it holds back for its dialog is left alone here,
  // and comes back to this handler once confirmed.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !form.matches("ul.candidates form[data-tile-form]")) return;
    event.preventDefault();
    const byKeyboard = keyboardSubmit;
    keyboardSubmit = false;
    send(form, event.submitter, byKeyboard);
  });

  // The photo around the face, in a dialog (the link opens the image without JavaScript).
  const enlarge = (link) => {
    const dialog = document.createElement("dialog");
    dialog.className = "context-dialog";
    dialog.setAttribute("aria-label", link.getAttribute("aria-label") || link.textContent);
    const image = document.createElement("img");
    image.src = link.href;
    image.alt = link.getAttribute("aria-label") || "";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "secondary small";
    close.textContent = section.dataset.close || "Close";
    dialog.append(image, close);
    document.body.append(dialog);
    const done = () => { dialog.close(); dialog.remove(); link.focus(); };
    close.addEventListener("click", done);
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); done(); });
    dialog.showModal();
    close.focus();
  };
  list.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-enlarge]");
    if (!link) return;
    event.preventDefault();
    enlarge(link);
  });

  const typing = (element) => element && (element.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

  const press = (tile, kind) => {
    const form = tile.querySelector(`form[data-tile-form="${kind}"]`);
    if (!form) return false;
    keyboardSubmit = true;
    form.requestSubmit(form.querySelector("button[type=submit]") || undefined);
    return true;
  };

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const all = tiles();
    if (!all.length) return;
    const current = tileOf(document.activeElement);
    // Only from the candidates, or from nowhere in particular (the page itself).
    const here = document.activeElement === document.body || section.contains(document.activeElement);
    if (!here) return;
    const key = event.key.toLowerCase();
    if (key === "j" || key === "k") {
      const at = current ? all.indexOf(current) : -1;
      const to = key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
      const control = firstControl(all[to]);
      if (control) control.focus();
      if (all[to]) all[to].scrollIntoView({ block: "nearest" });
      event.preventDefault();
      return;
    }
    if (!current) return;
    const kinds = { c: "confirm", r: "reject", u: "undo" };
    if (kinds[key]) {
      if (press(current, kinds[key])) event.preventDefault();
    } else if (key === "e") {
      const link = current.querySelector("a[data-enlarge]");
      if (link) { event.preventDefault(); enlarge(link); }
    }
  });
})();
