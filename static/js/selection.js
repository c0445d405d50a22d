// Choosing photos in the library: all on this page at once, and how many are chosen.
(function () {
  "use strict";
  const page = document.querySelector("[data-select-page]");
  const all = document.querySelector("[data-select-all]");
  const count = document.querySelector("[data-selected-count]");
  const boxes = [...document.querySelectorAll("[data-select-one]")];
  if (!page || !count) return;
  page.closest("label").hidden = false;  // works only with JavaScript: shown only then
  const update = () => {
    const chosen = boxes.filter((b) => b.checked).length;
    page.checked = chosen === boxes.length && chosen > 0;
    if (all.checked) {
      count.textContent = "";
    } else if (chosen === 1) {
      count.textContent = count.dataset.labelOne;
    } else {
      count.textContent = chosen ? count.dataset.labelMany.replace("{n}", chosen) : "";
    }
  };
  page.addEventListener("change", () => {
    boxes.forEach((b) => { b.checked = page.checked; });
    update();
  });
  boxes.forEach((b) => b.addEventListener("change", update));
  all.addEventListener("change", update);
  update();
})();
