// Upload page: each file is sent on its own (so one bad file never sinks the batch),
// with upload progress, then indexing progress polled until every photo is done.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("files");
  const zone = document.getElementById("drop-zone");
  const list = document.getElementById("upload-list");
  const label = (name) => list.dataset["label" + name.charAt(0).toUpperCase() + name.slice(1)];
  const pending = new Map(); // asset id -> list item

  function row(name) {
    const li = document.createElement("li");
    const title = document.createElement("strong");
    title.textContent = name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = label("uploading");
    li.append(title, " ", progress, " ", state);
    list.append(li);
    return li;
  }

  function setState(li, text, cls) {
    li.querySelector(".state").textContent = text;
    if (cls) li.className = cls;
  }

  function uploadOne(file, sidecar) {
    const li = row(file.name);
    const data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("collection", form.querySelector("[name=collection]").value);
    data.append("files", file, file.name);
    if (sidecar) data.append("files", sidecar, sidecar.name); // names already in the photo
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) li.querySelector("progress").value = (100 * event.loaded) / event.total;
      });
      xhr.addEventListener("load", () => {
        li.querySelector("progress").value = 100;
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status !== 200 || !body || !body.results) {
          setState(li, label("error") + " (" + xhr.status + ")", "error");
          return resolve();
        }
        body.results.forEach((result, i) => {
          const item = i === 0 ? li : row(result.filename);
          item.querySelector("strong").textContent = result.filename;
          if (!result.ok) return setState(item, result.error, "error");
          if (result.duplicate) setState(item, label("duplicate"), "ok");
          else setState(item, label("indexing"), "pending");
          const link = document.createElement("a");
          link.href = form.dataset.assetUrl.replace(/\/0$/, "/" + result.asset_id);
          link.textContent = "→";
          item.append(" ", link);
          if (!result.duplicate) pending.set(result.asset_id, item);
        });
        resolve();
      });
      xhr.addEventListener("error", () => { setState(li, label("error"), "error"); resolve(); });
      xhr.send(data);
    });
  }

  async function poll() {
    if (!pending.size) return;
    const ids = Array.from(pending.keys()).join(",");
    try {
      const response = await fetch(form.dataset.statusUrl + "?ids=" + ids, { headers: { Accept: "application/json" } });
      const body = await response.json();
      body.assets.forEach((asset) => {
        const li = pending.get(asset.id);
        if (!li || asset.status === "pending") return;
        if (asset.status === "indexed") setState(li, label("indexed") + ": " + asset.faces + " " + label("faces"), "ok");
        else setState(li, label("failed") + (asset.reason ? ": " + asset.reason : ""), "error");
        pending.delete(asset.id);
      });
    } catch (e) { /* a missed poll is retried on the next tick */ }
    if (pending.size) setTimeout(poll, 1000);
  }

  // An .xmp sidecar travels with its photo: photo.jpg.xmp or photo.xmp.
  const isSidecar = (file) => file.name.toLowerCase().endsWith(".xmp");
  function sidecarOf(file, sidecars) {
    const name = file.name.toLowerCase();
    const stem = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : null;
    return sidecars.get(name + ".xmp") || (stem !== null ? sidecars.get(stem + ".xmp") : undefined);
  }

  async function send(files) {
    const sidecars = new Map(files.filter(isSidecar).map((f) => [f.name.toLowerCase(), f]));
    const used = new Set();
    for (const file of files.filter((f) => !isSidecar(f))) { // one at a time: kind to the server
      const sidecar = sidecarOf(file, sidecars);
      if (sidecar) used.add(sidecar);
      await uploadOne(file, sidecar);
    }
    for (const sidecar of sidecars.values()) if (!used.has(sidecar)) await uploadOne(sidecar);
    poll();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(Array.from(input.files));
    input.value = "";
  });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    send(Array.from(event.dataTransfer.files));
  });
})();
