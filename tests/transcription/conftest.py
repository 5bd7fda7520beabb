"""Fixtures for the transcription tests: the models, generated speech and a meeting's recording."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from faster_whisper import WhisperModel

sys.path.append(str(Path(__file__).resolve().parent))

from synthetic_speech import meeting_turns, speak_meeting  # noqa: E402
from transcription_kit import video_with_sound  # noqa: E402

from storage import load_settings, open_storage  # noqa: E402
from transcription.engine import Transcriber  # noqa: E402
from transcription.model import bundled_model_path, cpu_count  # noqa: E402


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    """Chamber's engine with the bundled model, as the worker builds it."""
    return Transcriber.for_settings()


@pytest.fixture(scope="session")
def plain_model() -> WhisperModel:
    """The plain peer: the same bundled model, decoded sequentially by faster-whisper's own defaults."""
    return WhisperModel(str(bundled_model_path()), device="cpu", compute_type="int8", cpu_threads=cpu_count())


@pytest.fixture(scope="session")
def spoken_meeting(tmp_path_factory):
    """About two minutes of a committee meeting in five espeak-ng voices, naming every member."""
    return speak_meeting(meeting_turns(20), tmp_path_factory.mktemp("speech") / "meeting.wav")


@pytest.fixture(scope="session")
def meeting_video(tmp_path_factory, spoken_meeting) -> Path:
    return video_with_sound(spoken_meeting.path, tmp_path_factory.mktemp("video") / "meeting.mp4")


@pytest.fixture
def short_lease_storage(backend_env, monkeypatch):
    """Storage on both backends with a 5-second job lease, so a dead worker's job comes back quickly."""
    monkeypatch.setenv("CHAMBER_JOB_LEASE_SECONDS", "5")
    opened = open_storage(load_settings())
    yield opened
    opened.close()
