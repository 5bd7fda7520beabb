// Shared by the agenda and the transcript: which entry is current at a playback time, and seeking the video.

/** The start times (seconds) of elements carrying data-start, in document order (which is time order). */
function startsOf(elements) {
  return elements.map((element) => parseFloat(element.dataset.start));
}

/** The index of the last start at or before `time`, or -1 before the first one. */
export function indexAt(starts, time) {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= time) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Move playback to `seconds` and, for a click on a moment ("show me this"), play from there. */
export function seek(video, seconds, { play = true } = {}) {
  const go = () => {
    video.currentTime = seconds;
    if (play) video.play().catch(() => {});
  };
  if (video.readyState >= HTMLMediaElement.HAVE_METADATA) go();
  else video.addEventListener("loadedmetadata", go, { once: true });
}

/**
 * Mark the element whose time range contains the playback position with class "current" and aria-current,
 * calling onChange(element) each time it changes.
 */
export function followPlayback(video, elementsInAnyOrder, onChange = () => {}) {
  const elements = [...elementsInAnyOrder].sort((a, b) => parseFloat(a.dataset.start) - parseFloat(b.dataset.start));
  const starts = startsOf(elements);
  let current = -1;
  const update = () => {
    const index = indexAt(starts, video.currentTime);
    if (index === current) return;
    if (current >= 0) {
      elements[current].classList.remove("current");
      elements[current].removeAttribute("aria-current");
    }
    current = index;
    if (index >= 0) {
      elements[index].classList.add("current");
      elements[index].setAttribute("aria-current", "true");
      onChange(elements[index]);
    }
  };
  for (const event of ["timeupdate", "seeked", "loadedmetadata"]) video.addEventListener(event, update);
  update();
}
