// Autocomplete for person fields: fills the shared <datalist> as the user types.
(function () {
  "use strict";
  const datalist = document.getElementById("people-options");
  if (!datalist) return;
  let timer = null;
  document.querySelectorAll("input.person-input").forEach((input) => {
    // A lookup that starts after the form is sent would race the form's answer.
    if (input.form) input.form.addEventListener("submit", () => clearTimeout(timer));
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (!query || /\(#\d+\)$/.test(query)) return;
      timer = setTimeout(async () => {
        const response = await fetch(input.dataset.lookup + "?q=" + encodeURIComponent(query), {
          headers: { Accept: "application/json" },
        });
        if (!response.ok) return;
        const body = await response.json();
        datalist.replaceChildren(...body.people.map((person) => {
          const option = document.createElement("option");
          option.value = person.label;
          return option;
        }));
      }, 150);
    });
  });
})();
