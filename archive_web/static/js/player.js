// The meeting page's player: HLS through hls.js (from our own static folder), or the browser's own HLS, or the
// MP4 the page already lists; ?t= start, the live edge for live meetings, agenda and transcript that follow the
// video, and "copy link to this moment".

import { followPlayback, seek } from "./timeline.js";
import { initTranscript } from "./transcript.js";

const video = document.getElementById("meeting-video");
const live = video.dataset.live === "true";
const start = live ? 0 : parseFloat(video.dataset.start) || 0;
const status = document.getElementById("player-status");

async function loadHlsJs() {
  try {
    const module = await import("../vendor/hls.mjs");
    return module.default.isSupported() ? module.default : null;
  } catch (error) {
    return null; // not installed (setup not run) or no Media Source Extensions: fall back below
  }
}

/** Start playback of `source` (an HLS playlist, or none to play the page's MP4); returns a function giving the
 * live edge in seconds (null when unknown or not live). */
async function attach(source) {
  const Hls = source ? await loadHlsJs() : null;
  if (Hls) {
    const hls = new Hls({ startPosition: live ? -1 : start, liveSyncDurationCount: 3, enableWorker: true });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else status.textContent = "The video could not be played. Try reloading the page.";
    });
    hls.loadSource(source);
    hls.attachMedia(video);
    return () => hls.liveSyncPosition;
  }
  if (source && video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = source;
    if (start) seek(video, start, { play: false });
    return () => (video.seekable.length ? video.seekable.end(video.seekable.length - 1) : null);
  }
  if (start) seek(video, start, { play: false }); // the MP4 <source> in the page plays
  return () => null;
}

function setUpGoLive(liveEdge) {
  const button = document.getElementById("go-live");
  if (!button) return;
  button.addEventListener("click", () => {
    const edge = liveEdge();
    if (edge != null) seek(video, edge);
  });
  video.addEventListener("timeupdate", () => {
    const edge = liveEdge();
    button.hidden = edge == null || edge - video.currentTime < 10;
  });
}

function setUpCopyMoment() {
  const button = document.getElementById("copy-moment");
  button.hidden = false;
  button.addEventListener("click", async () => {
    const url = `${location.origin}${location.pathname}?t=${Math.floor(video.currentTime)}`;
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = `Link copied: ${url}`;
    } catch (error) {
      status.textContent = `Copy this link: ${url}`;
    }
  });
}

function setUpSeekLinks() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-seek]");
    if (!link) return;
    event.preventDefault();
    seek(video, parseFloat(link.dataset.seek));
    video.scrollIntoView({ block: "nearest" });
  });
  const items = Array.from(document.querySelectorAll("#agenda li[data-start]"));
  if (items.length) followPlayback(video, items);
}

const liveEdge = await attach(video.dataset.hls);
if (live) setUpGoLive(liveEdge);
else setUpCopyMoment();
setUpSeekLinks();
initTranscript(video);
