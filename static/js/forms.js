// Forms that forgive, on every page: the error summary takes the focus and its links
// focus their field; a busy button while a form is sent; dangerous actions ask first.
(function () {
  "use strict";

  // After a failed submit the summary is the first thing read and seen.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      const label = target.closest(".field, fieldset") || target;
      label.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  // A dialog (native <dialog>: focus kept inside, Escape cancels) before a dangerous
  // action. Without JavaScript the server asks on a page of its own instead.
  const ask = (form, submitter) => {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    const text = document.createElement("p");
    text.id = "confirm-dialog-text";
    text.textContent = form.dataset.confirm;
    const buttons = document.createElement("div");
    buttons.className = "dialog-buttons";
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "danger";
    yes.textContent = form.dataset.confirmYes || "OK";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = form.dataset.confirmNo || "Cancel";
    buttons.append(no, yes);
    dialog.append(text, buttons);
    document.body.append(dialog);
    const close = () => { dialog.close(); dialog.remove(); };
    no.addEventListener("click", () => { close(); if (submitter) submitter.focus(); });
    dialog.addEventListener("cancel", () => { dialog.remove(); });
    yes.addEventListener("click", () => {
      close();
      let confirmed = form.querySelector("input[name=confirmed]");
      if (!confirmed) {
        confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "confirmed";
        form.append(confirmed);
      }
      confirmed.value = "yes";
      form.requestSubmit(submitter || undefined);
    });
    dialog.showModal();
    no.focus();
  };

  const needsConfirmation = (form) => {
    if (!form.dataset.confirm) return false;
    const confirmed = form.querySelector("input[name=confirmed]");
    if (confirmed && confirmed.value === "yes") return false;
    const when = form.dataset.confirmWhen;
    if (!when) return true;
    const [name, value] = when.split("=");
    const field = form.elements.namedItem(name);
    return field !== null && field.value === value;
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (needsConfirmation(form)) {
      event.preventDefault();
      ask(form, event.submitter);
      return;
    }
    // Busy: the button says so and cannot be pressed twice. Disabled after the
    // browser has read the form, so the pressed button's own value is still sent.
    const button = event.submitter;
    if (!form.hasAttribute("data-busy") || !button || button.hasAttribute("formaction")) return;
    setTimeout(() => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.classList.add("busy");
      const spinner = document.createElement("span");
      spinner.className = "spinner";
      spinner.setAttribute("aria-hidden", "true");
      button.prepend(spinner);
      const status = form.querySelector("[data-busy-status]");
      if (status) status.textContent = form.dataset.busy;
    }, 0);
  });

  // Coming back with the browser's Back button must not leave a button disabled.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("button.busy").forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.classList.remove("busy");
      button.querySelectorAll(".spinner").forEach((s) => s.remove());
    });
  });
})();
