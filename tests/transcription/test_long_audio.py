"""Long recordings are decoded in pieces; the joins between pieces must not show in the transcript."""

from __future__ import annotations

import jiwer
import numpy as np
from faster_whisper import BatchedInferencePipeline, decode_audio
from whisper_normalizer.english import EnglishTextNormalizer

from tests.conftest import shared_media
from transcription.audio import SAMPLE_RATE, probe, stream_audio
from transcription.engine import EngineOptions, Transcriber
from transcription.segments import Word

normalise = EnglishTextNormalizer()


def test_audio_is_streamed_in_bounded_chunks_that_add_up_to_the_whole_file():
    clip = shared_media("radio-address-2008-11-01.flac")
    chunks = list(stream_audio(clip, chunk_seconds=20))
    assert all(len(c) <= 20 * SAMPLE_RATE and c.dtype == np.float32 for c in chunks)
    assert abs(sum(len(c) for c in chunks) / SAMPLE_RATE - probe(clip).duration) < 0.1


def unpieced_words(transcriber, clip) -> list[Word]:
    """The same decoding on the whole clip as one array: faster-whisper's batched pipeline on its own."""
    segments, _ = BatchedInferencePipeline(transcriber.model).transcribe(
        decode_audio(str(clip)), batch_size=transcriber.options.batch_size, beam_size=transcriber.options.beam_size,
        word_timestamps=True)
    return [Word(w.start, w.end, w.word.strip()) for s in segments for w in s.words]


def test_pieces_join_at_pauses_without_losing_repeating_or_shifting_words(transcriber):
    clip = shared_media("radio-address-2008-11-01.flac")
    whole = unpieced_words(transcriber, clip)
    pieced_engine = Transcriber(transcriber.model, EngineOptions(chunk_seconds=30, join_search_seconds=10))
    joins = [offset for offset, _ in pieced_engine.pieces(clip, probe(clip))][1:]
    pieced = list(pieced_engine.words(clip))

    assert len(joins) >= 3, "the clip was cut into several pieces"
    assert all(a.start <= b.start for a, b in zip(pieced, pieced[1:])), "timestamps run on across joins"
    assert pieced[-1].end <= probe(clip).duration + 0.5
    for join in joins:
        near_whole = [w for w in whole if abs(w.start - join) < 3]
        near_pieced = [w for w in pieced if abs(w.start - join) < 3]
        assert [w.word for w in near_pieced] == [w.word for w in near_whole], f"words around the join at {join:.1f} s"
        assert all(abs(a.start - b.start) < 0.5 for a, b in zip(near_pieced, near_whole))
    difference = jiwer.wer(normalise(" ".join(w.word for w in whole)), normalise(" ".join(w.word for w in pieced)))
    assert difference < 0.02, f"pieced and whole transcripts differ in {difference:.1%} of words"
