// Signatures: drawn with finger, pen or mouse (the PNG goes into a hidden field), or the
// name typed as the signature. The pad is reachable by keyboard: Enter switches to the
// typed signature, Delete clears. A drawing survives a page that came back with an error.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("[data-signature]").forEach((block) => {
    const canvas = block.querySelector("canvas.signature-pad");
    const target = document.querySelector("input[name=" + canvas.dataset.target + "]");
    const kinds = block.querySelectorAll("input[data-signature-kind]");
    const nameInput = block.querySelector("input[data-signature-name]");
    const preview = block.querySelector("[data-typed-preview]");
    const context = canvas.getContext("2d");
    context.lineWidth = 3;
    context.lineCap = "round";
    context.strokeStyle = "#111";

    const kind = () => {
      const checked = [...kinds].find((k) => k.checked);
      return checked ? checked.value : "drawn";
    };
    const showKind = () => { block.dataset.kind = kind(); };
    kinds.forEach((k) => k.addEventListener("change", showKind));
    showKind();

    const showTyped = () => { preview.textContent = nameInput.value; };
    nameInput.addEventListener("input", showTyped);
    showTyped();

    // Shown again after an error: the page carries the drawing in the hidden field.
    if (target.value.startsWith("data:image/png;base64,")) {
      const image = new Image();
      image.addEventListener("load", () => context.drawImage(image, 0, 0));
      image.src = target.value;
    }

    let drawing = false;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * (canvas.width / box.width),
              (event.clientY - box.top) * (canvas.height / box.height)];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      context.moveTo(...point(event));
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      context.lineTo(...point(event));
      context.stroke();
    });
    const finish = () => {
      if (!drawing) return;
      drawing = false;
      target.value = canvas.toDataURL("image/png");
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    const clear = () => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      target.value = "";
    };
    block.querySelectorAll(".clear-signature").forEach((button) =>
      button.addEventListener("click", clear));

    canvas.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        const typed = [...kinds].find((k) => k.value === "typed");
        typed.checked = true;
        showKind();
        nameInput.focus();
      } else if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        clear();
      }
    });
  });
})();

// The guardian block appears when the date of birth typed says under 16.
(function () {
  "use strict";
  const birth = document.querySelector("input[data-guardian-age]");
  const block = document.querySelector(".guardian");
  if (!birth || !block) return;
  const limit = parseInt(birth.dataset.guardianAge, 10);
  const update = () => {
    const born = new Date(birth.value);
    if (isNaN(born)) return;
    const now = new Date();
    let age = now.getFullYear() - born.getFullYear();
    if (now.getMonth() < born.getMonth() ||
        (now.getMonth() === born.getMonth() && now.getDate() < born.getDate())) age -= 1;
    block.classList.toggle("hidden-unless-needed", age >= limit);
  };
  birth.addEventListener("change", update);
  update();
})();
