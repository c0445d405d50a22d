// The on-the-fly face search: show chunk progress, reload when it is done.
(function () {
  "use strict";
  const bar = document.getElementById("search-progress");
  if (!bar) return;
  async function tick() {
    try {
      const response = await fetch(bar.dataset.url, { headers: { Accept: "application/json" } });
      const state = await response.json();
      bar.max = Math.max(1, state.total);
      bar.value = state.done;
      if (state.status === "done") return window.location.reload();
    } catch (e) { /* try again on the next tick */ }
    setTimeout(tick, 1500);
  }
  tick();
})();
