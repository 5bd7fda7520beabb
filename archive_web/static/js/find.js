// Find in the transcript. Lines matching the find box are marked (and the matching words too, where the browser
// can highlight text ranges); Previous match / Next match, or Shift+Enter / Enter in the box, step through them in
// time order, seeking the video to each one and keeping it in view, with "Match 2 of 5" in a live region.
//
// Two sources of matches are merged. The page's own text answers at once and finds parts of words while they are
// being typed ("plan" finds "planning"); the meeting's search API answers a moment later with the site search's
// stemmed matches ("planning" finds "planned", "apology" finds "apologies"). Should the API be unreachable, the
// page's own matches stand.

import { indexAt, seek } from "./timeline.js";

const TYPING_PAUSE_MS = 120;
// Seeking can land a few milliseconds before the time asked for; a position this close to a line counts as that
// line, so that Next after a jump goes on to the following match instead of returning to the same one.
const SEEK_SLACK_SECONDS = 0.1;
const HIGHLIGHT_NAME = "find-match";
const canHighlightWords = typeof Highlight === "function" && "highlights" in CSS;

/** The parts of a line that were spoken (speaker and words), without its timestamp link or "Corrected" tag. */
function spokenNodes(line) {
  const nodes = [];
  for (const child of line.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) nodes.push(child);
    else if (!child.matches(".ts, .tag")) {
      const walker = document.createTreeWalker(child, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) nodes.push(walker.currentNode);
    }
  }
  return nodes;
}

/** The words the server marked in a hit's snippet (it escapes the text and adds only <mark> elements). */
function markedWords(snippetHtml) {
  const snippet = new DOMParser().parseFromString(snippetHtml, "text/html");
  return Array.from(snippet.querySelectorAll("mark"), (mark) => mark.textContent.toLowerCase()).filter(Boolean);
}

async function fetchHits(meetingId, query, signal) {
  const response = await fetch(`/api/v1/meetings/${meetingId}/search?q=${encodeURIComponent(query)}`,
                               { signal, headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`meeting search answered ${response.status}`);
  const body = await response.json();
  return body.hits.filter((hit) => hit.kind === "transcript" && hit.start != null);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Wire the find box to the transcript `lines` (in time order) of the meeting playing in `video`; `reveal(line)`
 * scrolls a line into view. The box starts with `?q=` from the address (a site search result links here with
 * its words), and the match playing at the `?t=` moment becomes the current one.
 */
export function setUpFind(video, lines, reveal) {
  const input = document.getElementById("transcript-find");
  const previous = document.getElementById("find-previous");
  const next = document.getElementById("find-next");
  const onlyMatching = document.getElementById("find-only");
  const status = document.getElementById("find-count");
  const texts = lines.map((line) => spokenNodes(line).map((node) => node.data).join("").toLowerCase());
  const starts = lines.map((line) => parseFloat(line.dataset.start));

  let query = "";
  let words = new Map(); // line index -> the words to highlight in it
  let matches = []; // line indices in time order
  let active = -1; // the line index of the match stepped to, or -1
  let settled = true; // the server has answered (or failed) for this query
  let controller = null;
  let timer;

  const announce = () => {
    const position = matches.indexOf(active);
    if (!query) status.textContent = "";
    else if (position >= 0) {
      const time = lines[active].querySelector(".ts")?.textContent;
      status.textContent = `Match ${position + 1} of ${matches.length}${time ? `, at ${time}` : ""}`;
    } else if (settled) {
      const count = matches.length;
      status.textContent = count ? `${count} line${count === 1 ? "" : "s"} match` : "No lines match";
    }
  };

  const applyFilter = () => {
    const narrow = onlyMatching.checked && query;
    lines.forEach((line, i) => { line.hidden = narrow && !words.has(i); });
  };

  const highlightWords = () => {
    if (!canHighlightWords) return;
    const ranges = [];
    for (const [i, found] of words) {
      if (!found.size) continue; // a server match whose snippet marked nothing: the line alone is marked
      const pattern = new RegExp([...found].map(escapeRegExp).join("|"), "giu");
      for (const node of spokenNodes(lines[i])) {
        for (const match of node.data.matchAll(pattern)) {
          const range = new Range();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          ranges.push(range);
        }
      }
    }
    CSS.highlights.set(HIGHLIGHT_NAME, new Highlight(...ranges));
  };

  const show = (found) => {
    for (const i of matches) lines[i].classList.remove("match");
    words = found;
    matches = [...found.keys()].sort((a, b) => a - b);
    for (const i of matches) lines[i].classList.add("match");
    if (active >= 0 && !found.has(active)) {
      lines[active].classList.remove("match-current");
      active = -1;
    }
    previous.disabled = next.disabled = matches.length === 0;
    applyFilter();
    highlightWords();
    announce();
  };

  const select = (index, { move }) => {
    if (active >= 0) lines[active].classList.remove("match-current");
    active = index;
    lines[index].classList.add("match-current");
    reveal(lines[index]);
    if (move) seek(video, starts[index], { play: !video.paused });
    announce();
  };

  /** Search for `text`; resolves once the server's matches are in (or it could not be asked). */
  const search = async (text) => {
    const wanted = text.trim();
    if (wanted.toLowerCase() === query) return;
    clearTimeout(timer);
    controller?.abort();
    query = wanted.toLowerCase();
    if (active >= 0) lines[active].classList.remove("match-current");
    active = -1;
    const found = new Map();
    if (query) texts.forEach((spoken, i) => { if (spoken.includes(query)) found.set(i, new Set([query])); });
    settled = !query;
    show(found);
    if (!query) return;
    controller = new AbortController();
    const asked = query;
    try {
      for (const hit of await fetchHits(video.dataset.meetingId, wanted, controller.signal)) {
        const i = indexAt(starts, hit.start);
        if (i < 0) continue;
        if (!found.has(i)) found.set(i, new Set());
        for (const word of markedWords(hit.snippet_html)) found.get(i).add(word);
      }
    } catch (error) {
      if (error.name === "AbortError") return; // a newer search replaced this one
    }
    if (asked !== query) return;
    settled = true;
    show(found);
  };

  /** To the nearest match after (direction 1) or before (-1) the moment playing, wrapping round at the ends;
   * the line playing counts when it is a match not yet stepped to. */
  const step = (direction) => {
    if (!matches.length) return;
    const here = indexAt(starts, video.currentTime + SEEK_SLACK_SECONDS);
    const strict = here === active;
    const target = direction > 0
      ? matches.find((i) => (strict ? i > here : i >= here)) ?? matches[0]
      : matches.findLast((i) => (strict ? i < here : i <= here)) ?? matches[matches.length - 1];
    select(target, { move: true });
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), TYPING_PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    search(input.value); // at once, rather than after the typing pause
    step(event.shiftKey ? -1 : 1);
  });
  previous.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  onlyMatching.addEventListener("change", applyFilter);

  const arriving = new URLSearchParams(location.search).get("q");
  if (arriving?.trim()) {
    input.value = arriving;
    const startLine = indexAt(starts, (parseFloat(video.dataset.start) || 0) + SEEK_SLACK_SECONDS);
    search(arriving).then(() => {
      if (query === arriving.trim().toLowerCase() && active < 0 && words.has(startLine)) {
        select(startLine, { move: false });
      }
    });
  }
}
