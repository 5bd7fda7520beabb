// The transcript beside the video: the line being spoken is highlighted and kept in view (unless the reader
// turns that off), any line seeks the video when clicked, and a find box narrows the lines to a word or phrase.

import { followPlayback, seek } from "./timeline.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

function keepInView(container, line) {
  const top = line.offsetTop - container.clientHeight / 3;
  container.scrollTo({ top: Math.max(0, top), behavior: reducedMotion ? "auto" : "smooth" });
}

function setUpFind(lines, input, count) {
  const texts = lines.map((line) => line.textContent.toLowerCase());
  let timer;
  const apply = () => {
    const query = input.value.trim().toLowerCase();
    let matches = 0;
    lines.forEach((line, i) => {
      const match = !query || texts[i].includes(query);
      line.hidden = !match;
      if (match) matches += 1;
    });
    count.textContent = !query ? "" : matches === 0 ? "No lines match" : `${matches} line${matches === 1 ? "" : "s"} match`;
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
}

export function initTranscript(video) {
  const list = document.getElementById("transcript");
  if (!list) return;
  const container = document.getElementById("transcript-scroll");
  const follow = document.getElementById("transcript-follow");
  const find = document.getElementById("transcript-find");
  const lines = Array.from(list.querySelectorAll("li[data-start]"));
  document.getElementById("transcript-tools").hidden = false;

  followPlayback(video, lines, (line) => {
    if (follow.checked && !find.value.trim()) keepInView(container, line);
  });

  list.addEventListener("click", (event) => {
    const line = event.target.closest("li[data-start]");
    if (!line) return;
    // Selecting text to copy it is not a request to seek.
    if (!event.target.closest("a") && !window.getSelection().isCollapsed) return;
    event.preventDefault();
    seek(video, parseFloat(line.dataset.start));
  });

  setUpFind(lines, find, document.getElementById("find-count"));
}
