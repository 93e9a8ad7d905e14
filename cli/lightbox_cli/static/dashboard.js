// Reload the panels (server-drawn SVG) every few seconds; keep the last good ones on an error.
(function () {
  "use strict";
  const seconds = Number(document.body.dataset.refresh) || 5;
  const panels = document.getElementById("panels");
  const updated = document.getElementById("updated");

  async function refresh() {
    try {
      const response = await fetch("/panels", { cache: "no-store" });
      const body = await response.text();
      if (response.ok) {
        panels.innerHTML = body;
        updated.textContent = "updated " + new Date().toLocaleTimeString();
        updated.classList.remove("stale");
      } else {
        updated.innerHTML = body;
        updated.classList.add("stale");
      }
    } catch (error) {
      updated.textContent = "dashboard server unreachable: " + error;
      updated.classList.add("stale");
    }
    setTimeout(refresh, seconds * 1000);
  }
  refresh();
})();
