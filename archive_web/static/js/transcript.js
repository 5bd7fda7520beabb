// The transcript beside the video: the line being spoken is highlighted and kept in view (unless the reader
// turns that off), any line seeks the video when clicked, and a find box steps through the lines matching a word
// or phrase (find.js).

import { setUpFind } from "./find.js";
import { followPlayback, seek } from "./timeline.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

function keepInView(container, line) {
  const top = line.offsetTop - container.clientHeight / 3;
  container.scrollTo({ top: Math.max(0, top), behavior: reducedMotion ? "auto" : "smooth" });
}

export function initTranscript(video) {
  const list = document.getElementById("transcript");
  if (!list) return;
  const container = document.getElementById("transcript-scroll");
  const follow = document.getElementById("transcript-follow");
  const lines = Array.from(list.querySelectorAll("li[data-start]"));
  document.getElementById("transcript-tools").hidden = false;

  followPlayback(video, lines, (line) => {
    if (follow.checked && !line.hidden) keepInView(container, line);
  });

  list.addEventListener("click", (event) => {
    const line = event.target.closest("li[data-start]");
    if (!line) return;
    // Selecting text to copy it is not a request to seek.
    if (!event.target.closest("a") && !window.getSelection().isCollapsed) return;
    event.preventDefault();
    seek(video, parseFloat(line.dataset.start));
  });

  setUpFind(video, lines, (line) => keepInView(container, line));
}
