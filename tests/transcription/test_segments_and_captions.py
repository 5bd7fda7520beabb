"""Readable segments and captions: re-cut from word timings, broadcast line rules, the four file formats."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import shared_media
from transcription.captions import MAX_CUE_SECONDS, MAX_LINE_CHARS, cues, render
from transcription.segments import MAX_SEGMENT_SECONDS, Segment, Word, recut

TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)[.,](\d\d\d) --> (\d\d):(\d\d):(\d\d)[.,](\d\d\d)$")


def words_from(text: str, start: float = 0.0, gap: float = 0.05, length: float = 0.4) -> list[Word]:
    words = []
    for token in text.split():
        words.append(Word(start, start + length, token))
        start += length + gap
    return words


@pytest.fixture(scope="module")
def radio_segments(transcriber):
    return list(transcriber.segments(shared_media("radio-address-2008-11-01.flac")))


def test_segments_end_at_sentences_and_pauses():
    words = words_from("Good evening. Welcome Cllr. Evans to the meeting") + words_from("Item one.", start=10.0)
    segments = list(recut(words))
    assert [s.text for s in segments] == ["Good evening.", "Welcome Cllr. Evans to the meeting", "Item one."]
    assert segments[2].start == 10.0


def test_a_monologue_without_full_stops_is_cut_at_a_comma_before_fifteen_seconds():
    text = " ".join(["and the officers looked again"] * 4 + ["at the costs, and the residents wrote to us"] * 3)
    segments = list(recut(words_from(text)))
    assert len(segments) > 1
    assert all(s.end - s.start <= MAX_SEGMENT_SECONDS for s in segments)
    assert segments[0].text.endswith(","), "cut after the clause, not mid-phrase"
    assert " ".join(s.text for s in segments) == text, "no word lost or repeated"


def test_real_transcript_segments_are_short_ordered_and_word_timed(radio_segments):
    assert radio_segments, "the radio address was transcribed"
    assert all(s.end - s.start <= MAX_SEGMENT_SECONDS for s in radio_segments)
    assert all(a.end <= b.start + 0.01 for a, b in zip(radio_segments, radio_segments[1:]))
    assert sum(s.text.rstrip().endswith((".", "?", "!")) for s in radio_segments) >= len(radio_segments) * 0.6
    for segment in radio_segments:
        assert segment.text == " ".join(w.word for w in segment.words)
        assert segment.start == segment.words[0].start and segment.end == segment.words[-1].end


def test_caption_cues_follow_the_two_lines_of_42_characters_rule(radio_segments):
    built = cues(radio_segments)
    assert len(built) >= len(radio_segments)
    for cue in built:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= MAX_LINE_CHARS for line in cue.lines), cue.lines
        assert cue.end > cue.start
        assert cue.end - cue.start <= MAX_CUE_SECONDS, cue
    assert all(a.end <= b.start + 0.001 for a, b in zip(built, built[1:])), "cues never overlap"
    spoken = " ".join(w.word for s in radio_segments for w in s.words)
    assert " ".join(line for cue in built for line in cue.lines) == spoken, "every word is captioned once"


def test_webvtt_and_srt_are_well_formed(radio_segments):
    vtt = render("vtt", radio_segments)
    assert vtt.startswith("WEBVTT\n\n")
    blocks = vtt.strip().split("\n\n")[1:]
    assert blocks and all(TIMING.match(block.splitlines()[0]) for block in blocks)

    srt = render("srt", radio_segments)
    srt_blocks = srt.strip().split("\n\n")
    assert [int(b.splitlines()[0]) for b in srt_blocks] == list(range(1, len(srt_blocks) + 1))
    assert all(TIMING.match(b.splitlines()[1]) and "," in b.splitlines()[1] for b in srt_blocks)
    assert len(srt_blocks) == len(blocks)


def test_json_matches_the_api_contract_and_txt_reads_as_text(radio_segments):
    data = json.loads(render("json", radio_segments))
    assert len(data) == len(radio_segments)
    first = data[0]
    assert set(first) == {"start", "end", "text", "speaker", "corrected", "words"}
    assert set(first["words"][0]) == {"start", "end", "word"} and first["corrected"] is False
    assert render("txt", radio_segments).splitlines()[0] == radio_segments[0].text


def test_corrected_text_is_captioned_even_though_its_words_changed():
    segment = Segment(start=5.0, end=9.0, text="Councillor Featherstonehaugh & the chair <agreed>.",
                      words=words_from("Councillor Feather Stonehaugh and the chair agreed.", start=5.0),
                      speaker="Chair", corrected=True)
    vtt = render("vtt", [segment])
    assert vtt == ("WEBVTT\n\n00:00:05.000 --> 00:00:09.000\n"
                   "<v Chair>Councillor Featherstonehaugh\n&amp; the chair &lt;agreed&gt;.\n")
    assert render("txt", [segment]) == "Chair: Councillor Featherstonehaugh & the chair <agreed>.\n"


def test_an_unknown_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="vtt, srt, txt, json"):
        render("docx", [])
