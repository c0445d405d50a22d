// The draft answer is made by a job: ask every few seconds whether it is ready, and show
// it (reload) as soon as it is. Without JavaScript the hint asks for a reload instead.
(function () {
  "use strict";
  const hint = document.getElementById("answer-pending");
  if (!hint) return;
  const waiting = hint.dataset.waiting;
  if (waiting) hint.textContent = waiting;
  async function tick() {
    try {
      const response = await fetch(hint.dataset.url, { headers: { Accept: "application/json" } });
      const state = await response.json();
      if (state.answer_ready) return window.location.reload();
    } catch (e) { /* try again on the next tick */ }
    setTimeout(tick, 2000);
  }
  setTimeout(tick, 1000);
})();
