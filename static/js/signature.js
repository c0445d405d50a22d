// Signature pads: draw with finger, pen or mouse; the PNG goes into a hidden field.
(function () {
  "use strict";
  document.querySelectorAll("canvas.signature-pad").forEach((canvas) => {
    const target = document.querySelector("input[name=" + canvas.dataset.target + "]");
    const context = canvas.getContext("2d");
    context.lineWidth = 3;
    context.lineCap = "round";
    context.strokeStyle = "#111";
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
    document.querySelectorAll(".clear-signature[data-target=" + canvas.dataset.target + "]")
      .forEach((button) => button.addEventListener("click", () => {
        context.clearRect(0, 0, canvas.width, canvas.height);
        target.value = "";
      }));
  });
})();

// The guardian block appears when the date of birth typed says under 16.
(function () {
  "use strict";
  const birth = document.querySelector("input[data-guardian-age]");
  const block = document.querySelector("fieldset.guardian");
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
