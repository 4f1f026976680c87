// Signaal triage UI: keyboard shortcuts, photo reveal, select-all. Loaded with the CSP nonce;
// no inline handlers anywhere, so the page needs no 'unsafe-inline'.
(function () {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll("table.queue tbody tr[data-href]"));
  let current = -1;

  function select(i) {
    const list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((r, n) => r.classList.toggle("selected", n === current));
    list[current].scrollIntoView({block: "nearest"});
  }

  function toggleHelp(show) {
    const help = document.getElementById("help");
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    const layout = document.querySelector(".ad-layout");
    const key = ev.key;
    if (key === "?") { toggleHelp(); ev.preventDefault(); return; }
    if (key === "Escape") { toggleHelp(false); return; }
    if (key === "/") { window.location.href = "/search"; ev.preventDefault(); return; }
    if (layout) {
      if (key === "j") { window.location.href = layout.dataset.next; return; }
      if (key === "k") { window.history.back(); return; }
      if (key === "p") { document.querySelectorAll(".photo").forEach((p) => p.classList.toggle("revealed")); return; }
      const button = document.querySelector('#decide button[data-key="' + key + '"]');
      if (button) { ev.preventDefault(); button.click(); }
      return;
    }
    const list = rows();
    if (!list.length) return;
    if (key === "j") { select(current + 1); ev.preventDefault(); }
    else if (key === "k") { select(current - 1); ev.preventDefault(); }
    else if ((key === "Enter" || key === "o") && current >= 0) { window.location.href = list[current].dataset.href; }
    else if (key === "x" && current >= 0) {
      const box = list[current].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    }
  });

  document.addEventListener("click", function (ev) {
    // A place on a search result's map: search again with that city facet (a POST; no personal data in URLs).
    const place = ev.target.closest("svg[data-form] a[data-place]");
    if (place) {
      const form = document.getElementById(place.closest("svg").dataset.form);
      const city = form && form.querySelector("input[name=city]");
      if (city) {
        ev.preventDefault();
        city.value = city.value === place.dataset.place ? "" : place.dataset.place;
        form.submit();
        return;
      }
    }
    const photo = ev.target.closest(".photo");
    if (photo) { photo.classList.toggle("revealed"); return; }
    if (ev.target.closest("[data-help]")) { toggleHelp(); return; }
    if (ev.target.id === "help") { toggleHelp(false); return; }
    const all = ev.target.closest("[data-select-all]");
    if (all) rows().forEach((r) => { const b = r.querySelector("input[type=checkbox]"); if (b) b.checked = all.checked; });
  });
})();
