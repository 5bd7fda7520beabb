"""Speech to words: faster-whisper's batched pipeline over a recording read in pieces.

How a long meeting goes through:
- ffmpeg streams the audio in blocks of ``EngineOptions.chunk_seconds`` (less for a short recording, so every
  decoder gets a share). Each block is cut at the longest pause that voice activity detection finds near its end;
  the audio after the cut is carried into the next piece, so no word is split between pieces and timestamps run
  on without a break.
- Pieces are decoded side by side by ``BatchedInferencePipeline`` (VAD, windows of up to 30 s decoded in batches,
  word timestamps), one piece per model worker; words come back in time order.
- A recording that fits in one 30-second Whisper window (a clip, a test upload) has nothing to batch. It is
  decoded in one pass with beam search over the whole piece, lead-in included, once VAD has confirmed that
  it holds speech: this is the plain decoder's most careful reading and costs a fraction of a second.
- Batched decoding sometimes ends a window early and silently drops the rest of it (seen with synthetic voices
  and with long prompts). Every stretch of ``recheck_gap_seconds`` or more without a word is therefore decoded
  again on its own; where it really is silent, VAD finds nothing and this costs next to nothing.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

from .audio import SAMPLE_RATE, MediaInfo, probe, stream_audio
from .model import choose_model, load_model
from .segments import Segment, Word, recut

ProgressFn = Callable[[float, float], None]

# A pause of this length is enough to cut between two words; the cut goes in its middle.
_PAUSE_VAD = VadOptions(min_silence_duration_ms=100, speech_pad_ms=0)
VOCABULARY_MAX_CHARS = 600
MIN_PIECE_SECONDS = 30.0
WINDOW_SECONDS = 30.0


@dataclass(frozen=True)
class EngineOptions:
    """How the engine decodes; the defaults were chosen by measuring the bundled model on 2 CPU cores.

    A beam of 2 in the batched decoder keeps word error rate within a point of sequential beam-5 decoding on
    dense read speech, where greedy decoding fell just outside it, for a few percent more work than greedy; a beam
    of 5 costs about a fifth more again for no further gain on these recordings (see ``bench/transcribe.py``).
    A batch of 4 windows is as fast as 8 on a CPU and holds half the encoder memory (each 30-second window's
    attention needs about 54 MB with tiny.en). 2-minute pieces keep memory flat however long the meeting is.
    A recording of one window or less is decoded with ``window_beam_size``: cutting it at the first word VAD finds
    loses the lead-in that Whisper uses to settle on names (measured on the AMI meeting clip).
    """

    batch_size: int = 4
    beam_size: int = 2
    window_beam_size: int = 5
    chunk_seconds: float = 120.0
    join_search_seconds: float = 30.0
    recheck_gap_seconds: float = 3.0


def vocabulary_hint(terms: Iterable[str]) -> str | None:
    """Names and titles as one comma-separated hint for the decoder (Whisper's "hotwords"), duplicates dropped.

    Whisper gives a hint at most half of its 448-token context, and a long hint slows every window, so the hint
    stops at ``VOCABULARY_MAX_CHARS``: callers list the terms that matter most (members' names) first.
    """
    hint: list[str] = []
    seen: set[str] = set()
    length = 0
    for term in terms:
        term = " ".join(term.split())
        if not term or term.lower() in seen:
            continue
        if length + len(term) + 2 > VOCABULARY_MAX_CHARS:
            break
        hint.append(term)
        seen.add(term.lower())
        length += len(term) + 2
    return ", ".join(hint) or None


def pause_cut(audio: np.ndarray, search_seconds: float) -> int:
    """The sample index at which to end this piece: the middle of the longest pause near its end.

    The pause is looked for in the last ``search_seconds`` (at most the second half of the piece). With no speech
    there, the whole piece is taken; with no pause at all (a speaker who never draws breath), the piece is cut at
    its end.
    """
    window_start = len(audio) - min(int(search_seconds * SAMPLE_RATE), len(audio) // 2)
    window = audio[window_start:]
    speech = get_speech_timestamps(window, _PAUSE_VAD)
    if not speech:
        return len(audio)
    edges = [0] + [x for region in speech for x in (region["start"], region["end"])] + [len(window)]
    pauses = [(edges[i + 1] - edges[i], edges[i]) for i in range(0, len(edges), 2)]
    length, start = max(pauses)
    return window_start + start + length // 2 if length > 0 else len(audio)


class Transcriber:
    """One loaded model and the options to run it with; reuse it for every file.

    Pieces are decoded by as many threads as the model has workers (``WhisperModel(num_workers=...)``): on a
    CPU, two one-thread decoders keep both cores busy where one two-thread decoder leaves them a quarter idle
    (feature extraction, VAD and the decoder's small steps are serial).
    """

    def __init__(self, model: WhisperModel, options: EngineOptions = EngineOptions(), model_name: str = ""):
        self.model = model
        self.options = options
        self.model_name = model_name
        self.streams = max(1, model.model.num_workers)

    @classmethod
    def for_settings(cls, settings=None, model_name: str | None = None) -> Transcriber:
        """The transcriber for Chamber's settings; ``model_name`` (a job's choice) wins over the setting."""
        choice = choose_model(settings, model_name)
        return cls(load_model(choice), model_name=choice.name)

    def segments(self, path: str | Path, vocabulary: Sequence[str] = (),
                 progress: ProgressFn | None = None) -> Iterator[Segment]:
        """Transcript segments for a media file, produced lazily as the audio is decoded."""
        return recut(self.words(path, vocabulary, progress))

    def words(self, path: str | Path, vocabulary: Sequence[str] = (),
              progress: ProgressFn | None = None) -> Iterator[Word]:
        """Every word with its start and end in seconds from the start of the file, in time order.

        ``progress(done, total)`` is called in audio seconds each time a piece is finished. At most
        ``streams + 1`` pieces are held at once, so memory does not grow with the length of the meeting.
        """
        info = probe(path)
        total = info.duration or 0.0
        report = progress or (lambda done, total: None)
        hint = vocabulary_hint(vocabulary)
        pool = ThreadPoolExecutor(self.streams, thread_name_prefix="whisper")
        pending: deque[tuple[float, Future]] = deque()
        end = 0.0
        decode = self._window_words if 0 < total <= WINDOW_SECONDS else self._piece_words
        try:
            for offset, audio in self.pieces(path, info):
                pending.append((offset + len(audio) / SAMPLE_RATE, pool.submit(decode, audio, offset, hint)))
                while pending and (len(pending) > self.streams or pending[0][1].done()):
                    end, future = pending.popleft()
                    yield from future.result()
                    report(end, max(total, end))
            for end, future in pending:
                yield from future.result()
                report(end, max(total, end))
        finally:
            pool.shutdown(cancel_futures=True)
        # The container's duration may run a little past the sound (a video track ends later): finishing is 100 %.
        report(max(total, end), max(total, end))

    def piece_seconds(self, info: MediaInfo) -> float:
        """``chunk_seconds``, or less for a short recording, so that every decoder gets a share of it."""
        if not info.duration:
            return self.options.chunk_seconds
        return min(self.options.chunk_seconds, max(MIN_PIECE_SECONDS, info.duration / self.streams))

    def pieces(self, path: str | Path, info: MediaInfo) -> Iterator[tuple[float, np.ndarray]]:
        """The audio as consecutive pieces of about ``piece_seconds``, each ending in a pause."""
        seconds = self.piece_seconds(info)
        block_samples = int(seconds * SAMPLE_RATE)
        carry = np.empty(0, dtype=np.float32)
        offset = 0.0
        for block in stream_audio(path, seconds, info):
            piece = np.concatenate([carry, block]) if carry.size else block
            last = len(block) < block_samples
            cut = len(piece) if last else pause_cut(piece, self.options.join_search_seconds)
            yield offset, piece[:cut]
            carry, offset = piece[cut:], offset + cut / SAMPLE_RATE
        if carry.size:
            yield offset, carry

    def _piece_words(self, audio: np.ndarray, offset: float, hint: str | None) -> list[Word]:
        pipeline = BatchedInferencePipeline(self.model)
        words = self._decode(pipeline, audio, offset, hint)
        missed = [w for start, end in self._wordless_stretches(words, offset, len(audio))
                  for w in self._decode(pipeline, audio[start:end], offset + start / SAMPLE_RATE, hint)]
        return sorted(words + missed, key=lambda w: w.start)

    def _wordless_stretches(self, words: list[Word], offset: float, length: int) -> list[tuple[int, int]]:
        """Sample ranges of the piece, at least ``recheck_gap_seconds`` long, that were left without a word."""
        bounds = [offset] + [t for w in words for t in (w.start, w.end)] + [offset + length / SAMPLE_RATE]
        stretches = []
        for i in range(0, len(bounds), 2):
            start, end = bounds[i], bounds[i + 1]
            if end - start >= self.options.recheck_gap_seconds:
                stretches.append((int((start - offset) * SAMPLE_RATE), min(length, int((end - offset) * SAMPLE_RATE))))
        return stretches

    def _decode(self, pipeline: BatchedInferencePipeline, audio: np.ndarray, offset: float,
                hint: str | None) -> list[Word]:
        """Words of ``audio``, which starts ``offset`` seconds into the file."""
        segments, _ = pipeline.transcribe(
            audio, batch_size=self.options.batch_size, beam_size=self.options.beam_size,
            word_timestamps=True, vad_filter=True, hotwords=hint)
        return _segments_words(segments, offset)

    def _window_words(self, audio: np.ndarray, offset: float, hint: str | None) -> list[Word]:
        """Words of a recording no longer than one window, decoded whole; nothing at all when VAD hears no speech.

        Whisper decoding a window without speech invents words ("Thank you."), so silence and noise stop at VAD.
        """
        if not get_speech_timestamps(audio, VadOptions()):
            return []
        segments, _ = self.model.transcribe(
            audio, beam_size=self.options.window_beam_size, word_timestamps=True, vad_filter=False,
            condition_on_previous_text=False, hotwords=hint)
        return _segments_words(segments, offset)


def _segments_words(segments, shift: float) -> list[Word]:
    return [word for segment in segments for word in _spoken_words(segment.words or (), shift)]


def _spoken_words(whisper_words, shift: float) -> list[Word]:
    """Whisper's words as whitespace-separated words, timed to the millisecond from the start of the file.

    A piece without a leading space ("-Jenkins" after "Pryce") belongs to the word before it, so that joining
    words with spaces gives back the text as written.
    """
    words: list[Word] = []
    for w in whisper_words:
        text = w.word.strip()
        if not text:
            continue
        end = round(w.end + shift, 3)
        if words and not w.word[:1].isspace():
            words[-1] = Word(words[-1].start, end, words[-1].word + text)
        else:
            words.append(Word(round(w.start + shift, 3), end, text))
    return words
