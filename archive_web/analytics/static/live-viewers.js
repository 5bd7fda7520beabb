// Keeps a live meeting's "watching now" figure current on its staff analytics page.
const box = document.querySelector(".live-viewers");

async function refresh() {
  try {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    document.getElementById("current-viewers").textContent = data.viewers.toLocaleString();
    document.getElementById("current-viewers-at").textContent = `(at ${data.at.slice(11, 19)} UTC)`;
  } catch {
    // A missed poll is retried at the next tick.
  }
}

if (box) {
  refresh();
  setInterval(refresh, Number(box.dataset.pollSeconds || 5) * 1000);
}
