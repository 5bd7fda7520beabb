"""Transcript segments re-cut from word timings.

Whisper's batched decoder returns one segment per 30-second window, which is far too long to read beside a video
or to link to. Chamber keeps Whisper's words and their times, and cuts its own segments at sentence ends and
pauses, never longer than ``MAX_SEGMENT_SECONDS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

MAX_SEGMENT_SECONDS = 15.0
PAUSE_SECONDS = 1.0
SENTENCE_ENDS = (".", "?", "!", "…")
# A full stop after these is not the end of a sentence ("Cllr. Evans", "Mr. Patel").
ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "cllr.", "st.", "no.", "prof.", "rev."}
CLAUSE_ENDS = (",", ";", ":", "—")


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "word": self.word}


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    corrected: bool = False

    @classmethod
    def from_words(cls, words: list[Word]) -> Segment:
        return cls(start=words[0].start, end=words[-1].end, text=" ".join(w.word for w in words), words=words)

    def as_dict(self) -> dict:
        """The shape of ``/api/v1/meetings/<id>/transcript.json``."""
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text,
                "speaker": self.speaker, "corrected": self.corrected, "words": [w.as_dict() for w in self.words]}


def _ends_sentence(word: Word) -> bool:
    return word.word.rstrip("\"')]}”’").endswith(SENTENCE_ENDS) and word.word.lower() not in ABBREVIATIONS


def _best_split(words: list[Word]) -> int:
    """Where to cut an over-long run of words: after the last clause mark, else at the widest pause.

    Only cut points that leave the first part at least a third of the run are considered, so a comma after the
    first word does not produce a one-word segment. Returns how many words go into the first part.
    """
    earliest = words[0].start + (words[-1].end - words[0].start) / 3
    cuts = [i for i in range(1, len(words)) if words[i - 1].end >= earliest] or list(range(1, len(words)))
    for index in reversed(cuts):
        if words[index - 1].word.endswith(CLAUSE_ENDS):
            return index
    return max(cuts, key=lambda i: words[i].start - words[i - 1].end)


def recut(words: Iterable[Word], max_seconds: float = MAX_SEGMENT_SECONDS,
          pause_seconds: float = PAUSE_SECONDS) -> Iterator[Segment]:
    """Group a time-ordered stream of words into segments, lazily.

    A segment ends after a sentence, before a pause of ``pause_seconds`` or more, and before it would last longer
    than ``max_seconds`` (then it is cut at the best earlier point, so no segment is longer, whatever the decoder
    returned). A single word longer than ``max_seconds`` is a segment of its own.
    """
    pending: list[Word] = []
    for word in words:
        if pending and (_ends_sentence(pending[-1]) or word.start - pending[-1].end >= pause_seconds):
            yield Segment.from_words(pending)
            pending = []
        while pending and word.end - pending[0].start > max_seconds:
            cut = _best_split(pending + [word])
            if cut >= len(pending):
                yield Segment.from_words(pending)
                pending = []
            else:
                yield Segment.from_words(pending[:cut])
                pending = pending[cut:]
        pending.append(word)
    if pending:
        yield Segment.from_words(pending)
