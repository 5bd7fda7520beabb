// Staff pages: confirmations, copy buttons, the live status panels and the player beside chapters and transcripts.
// Every page works without this script; it only saves clicks and reloads.

const POLL_MS = 3000;

function formatTime(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function parseTime(text) {
  const parts = String(text).trim().split(":").map(Number);
  if (!parts.length || parts.some(Number.isNaN)) return null;
  return parts.reduce((total, part) => total * 60 + part, 0);
}

function lookup(data, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), data);
}

function format(value, how) {
  if (value === null || value === undefined || value === "") return "–";
  if (how === "time") return formatTime(value);
  if (how === "percent") return `${Math.round(value * 100)}%`;
  return String(value);
}

// Confirm destructive actions.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Copy buttons for stream keys and URLs.
for (const button of document.querySelectorAll("[data-copy-target]")) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copyTarget);
    const label = button.firstChild.textContent;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
    } catch {
      const range = document.createRange();
      range.selectNodeContents(source);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    button.firstChild.textContent = "Copied";
    setTimeout(() => { button.firstChild.textContent = label; }, 2000);
  });
}

// Live status panels: status, ingest state, transcript progress, failure reason, encoder figures.
function render(panel, data) {
  for (const el of panel.querySelectorAll("[data-field]")) {
    const text = format(lookup(data, el.dataset.field), el.dataset.format);
    if (el.textContent !== text) el.textContent = text;
    if (el.hasAttribute("data-tag-status")) el.className = `tag tag-${data.status}`;
  }
  for (const el of panel.querySelectorAll("[data-show]")) {
    const value = lookup(data, el.dataset.show);
    el.hidden = value === null || value === undefined || value === false || value === "";
  }
  for (const el of panel.querySelectorAll("[data-progress], [data-meter]")) {
    const value = lookup(data, el.dataset.progress || el.dataset.meter);
    if (typeof value === "number") el.value = value;
  }
  for (const el of panel.querySelectorAll("[data-list]")) {
    const items = lookup(data, el.dataset.list) || [];
    el.replaceChildren(...items.map((line) => Object.assign(document.createElement("li"), { textContent: line })));
  }
  // "Now discussing" buttons work only while the meeting is live.
  for (const button of document.querySelectorAll(".now-button")) {
    button.disabled = !["live", "reconnecting"].includes(data.status);
  }
  const state = panel.querySelector("[data-encoder-state]");
  if (state && data.encoder) {
    const strong = document.createElement("strong");
    strong.className = data.encoder.arriving ? "ok" : "bad";
    strong.textContent = data.encoder.arriving ? "Stream arriving" : "No stream arriving";
    state.replaceChildren(strong);
  }
}

for (const panel of document.querySelectorAll("[data-status-url]")) {
  const poll = async () => {
    try {
      const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) render(panel, await response.json());
    } catch { /* offline for a moment: try again at the next tick */ }
  };
  setInterval(poll, POLL_MS);
}

// Agenda order by drag and drop. The whole new order is saved in one request, then the page is reloaded so the
// numbers, Move buttons and papers show what was stored; Move up / Move down do the same from the keyboard.
const agenda = document.querySelector("[data-reorder-url]");

async function saveAgendaOrder(order) {
  try {
    const response = await fetch(agenda.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": agenda.dataset.csrfToken },
      body: JSON.stringify({ order }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      window.alert(`The new order was not saved: ${problem.message || response.statusText}`);
    }
  } catch {
    window.alert("The new order was not saved: the server could not be reached.");
  }
  window.location.reload();
}

if (agenda) {
  const items = () => [...agenda.children].filter((li) => li.dataset.itemId);
  const order = () => items().map((li) => Number(li.dataset.itemId));
  let dragged = null;
  let before = "";
  document.querySelector("[data-drag-hint]").hidden = false;
  for (const li of items()) {
    li.draggable = true;
    li.addEventListener("dragstart", (event) => {
      dragged = li;
      before = order().join();
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.dataset.itemId);
    });
    li.addEventListener("dragend", () => {
      li.classList.remove("dragging");
      dragged = null;
      if (order().join() !== before) saveAgendaOrder(order());
    });
  }
  agenda.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const target = event.target.closest && event.target.closest("li[data-item-id]");
    if (!target || target === dragged || target.parentElement !== agenda) return;
    const box = target.getBoundingClientRect();
    agenda.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? target : target.nextSibling);
  });
  agenda.addEventListener("drop", (event) => event.preventDefault());
}

// The player beside chapters and transcripts: hls.js (the public player's copy) where the browser needs it.
const video = document.getElementById("meeting-video");

async function loadHls() {
  try {
    const Hls = (await import(video.dataset.hlsModule)).default;
    return Hls.isSupported() ? Hls : null;
  } catch {
    return null; // not installed: the browser's own HLS support is tried instead
  }
}

if (video && video.dataset.src) {
  const Hls = video.dataset.type === "hls" ? await loadHls() : null;
  if (Hls) {
    const hls = new Hls();
    hls.loadSource(video.dataset.src);
    hls.attachMedia(video);
  } else {
    video.src = video.dataset.src;
  }
}

function seek(seconds) {
  if (!video || seconds === null) return;
  video.currentTime = seconds;
  video.play().catch(() => {});
}

for (const button of document.querySelectorAll("[data-seek]")) {
  button.addEventListener("click", () => seek(Number(button.dataset.seek)));
}
for (const button of document.querySelectorAll("[data-seek-input]")) {
  button.addEventListener("click", () => seek(parseTime(document.getElementById(button.dataset.seekInput).value)));
}
for (const button of document.querySelectorAll("[data-fill-time]")) {
  button.addEventListener("click", () => {
    if (video) document.getElementById(button.dataset.fillTime).value = formatTime(video.currentTime);
  });
}
