"""Accuracy on real speech against plain faster-whisper, and the effect of the meeting's vocabulary.

Word error rates are computed the same way for both sides (Whisper's English normaliser, then jiwer) and both
decoders run in this test, on this machine, with the same bundled model.
"""

from __future__ import annotations

import jiwer
import pytest
from synthetic_speech import AGENDA, MEMBERS, name_recall
from whisper_normalizer.english import EnglishTextNormalizer

from tests.conftest import shared_media

normalise = EnglishTextNormalizer()
TOLERANCE_POINTS = 1.0

# clip -> reference transcript files (the two-speaker clip has one per channel; both voices are in the mix).
CLIPS = {
    "jfk.flac": ["jfk.txt"],
    "librispeech-2412-153948-0000.flac": ["librispeech-2412-153948-0000.txt"],
    "librispeech-stereo-two-speakers.wav": ["librispeech-stereo-two-speakers.left.txt",
                                            "librispeech-stereo-two-speakers.right.txt"],
    "radio-address-2008-11-01.flac": ["radio-address-2008-11-01.txt"],
    "ljspeech-LJ001-0001-0032.flac": ["ljspeech-LJ001-0001-0032.txt"],
    "ami-ES2011a-40s-46s.wav": ["ami-ES2011a-40s-46s.txt"],
}
def word_error_rate(reference: str, hypothesis: str) -> float:
    return 100 * jiwer.wer(normalise(reference), normalise(hypothesis))


@pytest.mark.parametrize("clip", CLIPS)
def test_word_error_rate_matches_plain_sequential_decoding(clip, transcriber, plain_model):
    reference = " ".join(shared_media(ref).read_text() for ref in CLIPS[clip])
    audio = shared_media(clip)

    plain_segments, _ = plain_model.transcribe(str(audio), beam_size=5)
    plain = word_error_rate(reference, " ".join(s.text for s in plain_segments))
    chamber = word_error_rate(reference, " ".join(s.text for s in transcriber.segments(audio)))

    assert chamber <= plain + TOLERANCE_POINTS, f"{clip}: Chamber WER {chamber:.2f} %, plain {plain:.2f} %"


def test_members_names_and_agenda_titles_are_heard_more_often_with_the_meeting_vocabulary(
        transcriber, spoken_meeting):
    without = " ".join(s.text for s in transcriber.segments(spoken_meeting.path))
    with_vocabulary = " ".join(s.text for s in transcriber.segments(spoken_meeting.path, MEMBERS + AGENDA))

    recall_without = name_recall(spoken_meeting.text, without, MEMBERS)
    recall_with = name_recall(spoken_meeting.text, with_vocabulary, MEMBERS)
    titles_heard = sum(title.lower() in with_vocabulary.lower() for title in AGENDA)
    print(f"name recall without vocabulary {recall_without:.2f}, with {recall_with:.2f}")

    assert recall_with >= recall_without + 0.3, (recall_without, recall_with)
    assert titles_heard >= len(AGENDA) - 1, with_vocabulary
    # The hint must not cost the rest of the words: a prompt that makes Whisper drop sentences would show here.
    assert (word_error_rate(spoken_meeting.text, with_vocabulary)
            <= word_error_rate(spoken_meeting.text, without)), with_vocabulary
