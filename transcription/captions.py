"""Caption cues and the four transcript files: WebVTT, SRT, plain text and JSON.

Cues follow common broadcast subtitle guidance (for example the BBC's): at most two lines of 42 characters, on
screen for at most about 7 seconds, lines broken where the two halves are closest in length and preferably after
punctuation, and never spanning two transcript segments (a segment ends at a sentence or a pause).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .segments import Segment, Word

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_SECONDS = 7.0
MIN_CUE_SECONDS = 0.8


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str | None = None


def timed_words(segment: Segment) -> list[Word]:
    """The segment's words with times. When staff corrected the text, the decoder's words no longer match it,
    so the corrected words are spread over the segment in proportion to their length."""
    if segment.words and " ".join(w.word for w in segment.words) == segment.text:
        return segment.words
    tokens = segment.text.split()
    total = sum(len(t) + 1 for t in tokens) or 1
    span = segment.end - segment.start
    words, start = [], segment.start
    for token in tokens:
        end = start + span * (len(token) + 1) / total
        words.append(Word(start, end, token))
        start = end
    return words


def layout(words: Sequence[str]) -> tuple[str, ...] | None:
    """The lines for one cue, or None when the words cannot fit in ``MAX_LINES`` lines."""
    text = " ".join(words)
    if len(text) <= MAX_LINE_CHARS:
        return (text,)
    best = None
    for split in range(1, len(words)):
        top, bottom = " ".join(words[:split]), " ".join(words[split:])
        if len(top) > MAX_LINE_CHARS or len(bottom) > MAX_LINE_CHARS:
            continue
        score = (not top.endswith((",", ".", "?", "!", ";", ":")), abs(len(top) - len(bottom)))
        if best is None or score < best[0]:
            best = (score, (top, bottom))
    return best[1] if best else None


def _segment_cues(segment: Segment) -> Iterable[Cue]:
    group: list[Word] = []
    for word in timed_words(segment):
        candidate = group + [word]
        too_long = word.end - candidate[0].start > MAX_CUE_SECONDS
        if group and (too_long or layout([w.word for w in candidate]) is None):
            yield _cue(group, segment.speaker)
            group = [word]
        else:
            group = candidate
    if group:
        yield _cue(group, segment.speaker)


def _cue(words: list[Word], speaker: str | None) -> Cue:
    texts = [w.word for w in words]
    # A single word wider than a line (a long web address) is shown as it is rather than dropped.
    return Cue(words[0].start, words[-1].end, layout(texts) or (" ".join(texts),), speaker)


def cues(segments: Iterable[Segment]) -> list[Cue]:
    """Caption cues for a transcript. Cues are kept on screen at least ``MIN_CUE_SECONDS`` where the next cue
    leaves room, so a one-word reply does not flash past unread."""
    built = [cue for segment in segments for cue in _segment_cues(segment)]
    for index, cue in enumerate(built):
        limit = built[index + 1].start if index + 1 < len(built) else cue.start + MIN_CUE_SECONDS
        end = min(max(cue.end, cue.start + MIN_CUE_SECONDS), max(limit, cue.end))
        built[index] = Cue(cue.start, max(end, cue.start + 0.001), cue.lines, cue.speaker)
    return built


def _timestamp(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(segments: Iterable[Segment]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues(segments):
        lines = [_vtt_text(line) for line in cue.lines]
        if cue.speaker:
            lines[0] = f"<v {_vtt_text(cue.speaker)}>{lines[0]}"
        blocks.append(f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def render_srt(segments: Iterable[Segment]) -> str:
    blocks = []
    for number, cue in enumerate(cues(segments), start=1):
        blocks.append(f"{number}\n{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}\n"
                      + "\n".join(cue.lines) + "\n")
    return "\n".join(blocks)


def render_txt(segments: Iterable[Segment]) -> str:
    """One line per segment, with the speaker's name where staff gave one."""
    return "".join(f"{s.speaker}: {s.text}\n" if s.speaker else f"{s.text}\n" for s in segments)


def render_json(segments: Iterable[Segment]) -> str:
    return json.dumps([s.as_dict() for s in segments], ensure_ascii=False, separators=(",", ":"))


RENDERERS: dict[str, Callable[[Iterable[Segment]], str]] = {
    "vtt": render_vtt, "srt": render_srt, "txt": render_txt, "json": render_json}
CONTENT_TYPES = {"vtt": "text/vtt; charset=utf-8", "srt": "application/x-subrip; charset=utf-8",
                 "txt": "text/plain; charset=utf-8", "json": "application/json"}


def render(fmt: str, segments: Sequence[Segment]) -> str:
    """The transcript in one of ``RENDERERS``' formats."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown transcript format {fmt!r}; choose one of {', '.join(RENDERERS)}") from None
    return renderer(segments)
