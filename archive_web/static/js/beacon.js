// Viewing beacons: tells the server how many seconds of the meeting this page actually played.
//
// A random id per page view (no cookie, nothing stored in the browser), a sequence number per beacon, and the
// seconds played since the previous beacon, measured from the video's own clock (timeupdate), so time spent
// paused, buffering or seeking is never counted. A beacon goes every 15 s while there is something to report,
// and at once on pause, end and when the page is hidden or left (navigator.sendBeacon survives the unload).

const BEACON_URL = "/api/v1/beacon";
const INTERVAL_MS = 15000;
const MAX_STEP_SECONDS = 2; // a bigger jump of currentTime between timeupdates is a seek, not playing

function randomSessionId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // crypto.randomUUID needs a secure context
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function startBeacons(video, { url = BEACON_URL, intervalMs = INTERVAL_MS } = {}) {
  const meetingId = Number(video.dataset.meetingId);
  const mode = video.dataset.live === "true" ? "live" : "on_demand";
  const sessionId = randomSessionId();
  let seq = 0;
  let played = 0;
  let lastMediaTime = null; // where the video was at the last measurement; null while not playing
  let lastWallTime = 0;
  let position = video.currentTime; // the media position the played seconds ended at

  function resetBaseline() {
    lastMediaTime = position = video.currentTime;
    lastWallTime = performance.now();
  }

  function accumulate() {
    if (lastMediaTime === null || video.seeking) return;
    const now = performance.now();
    const mediaStep = video.currentTime - lastMediaTime;
    const wallStep = (now - lastWallTime) / 1000;
    if (mediaStep > 0 && mediaStep <= Math.max(MAX_STEP_SECONDS, wallStep + 0.5)) {
      played += mediaStep / Math.max(1, video.playbackRate); // at 2x speed, 60 s of video is 30 s of viewing
    }
    lastMediaTime = position = video.currentTime;
    lastWallTime = now;
  }

  function send() {
    if (played <= 0) return; // nothing played since the last beacon: paused or buffering
    const body = JSON.stringify({
      meeting_id: meetingId, session_id: sessionId, seq: seq++, mode,
      position: Math.round(position * 1000) / 1000, played: Math.round(played * 1000) / 1000,
    });
    played = 0;
    const blob = new Blob([body], { type: "application/json" });
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, blob))) {
      fetch(url, { method: "POST", body, keepalive: true, headers: { "Content-Type": "application/json" } })
        .catch(() => {});
    }
  }

  function flush() {
    if (!video.paused) accumulate();
    send();
  }

  function stopMeasuring(report) {
    accumulate();
    lastMediaTime = null;
    if (report) send();
  }

  video.addEventListener("playing", resetBaseline);
  video.addEventListener("seeked", () => { if (!video.paused) resetBaseline(); });
  video.addEventListener("timeupdate", () => { if (!video.paused) accumulate(); });
  video.addEventListener("waiting", () => stopMeasuring(false));
  video.addEventListener("pause", () => stopMeasuring(true));
  video.addEventListener("ended", () => stopMeasuring(true));
  // currentTime already holds the seek target here: report what was played before it, at the old position.
  video.addEventListener("seeking", () => { lastMediaTime = null; send(); });
  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
  const timer = setInterval(flush, intervalMs);
  if (!video.paused && video.readyState > 2) resetBaseline();
  return { sessionId, stop: () => clearInterval(timer), flush };
}

const player = document.getElementById("meeting-video");
if (player && player.dataset.meetingId) startBeacons(player);
