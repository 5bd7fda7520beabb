"""Recordings that cannot be transcribed end with a reason staff can act on, never a crash or a retry loop."""

from __future__ import annotations

import shutil
from pathlib import Path

import ffmpeg
import pytest
from transcription_kit import add_meeting, transcribe_queued, transcript_of

from tests.conftest import shared_media
from transcription.audio import (SAMPLE_RATE, CorruptMedia, EmptyMedia, NoAudioStream, TruncatedMedia, ffmpeg_exe,
                                 probe, stream_audio)
from storage.blobkeys import caption_key
from storage.models import JobStatus, TranscriptStatus


def generated(path: Path, *inputs, **output) -> Path:
    ffmpeg.output(*inputs, str(path), **output).run(quiet=True, overwrite_output=True)
    return path


def silence(path: Path) -> Path:
    return generated(path, ffmpeg.input("anullsrc=r=16000:cl=mono", f="lavfi", t=20))


def music(path: Path) -> Path:
    """A chord with a slow tremolo: tonal, loud, and no words in it."""
    notes = [ffmpeg.input(f"sine=f={f}:d=20", f="lavfi") for f in (440, 554, 659)]
    return generated(path, ffmpeg.filter(notes, "amix", inputs=3).filter("tremolo", f=2, d=0.7), ar=16000)


def video_only(path: Path) -> Path:
    return generated(path, ffmpeg.input("testsrc=d=3:s=160x90", f="lavfi"), vcodec="libx264", preset="ultrafast")


def truncated_flac(path: Path) -> Path:
    whole = shared_media("jfk.flac").read_bytes()
    path.write_bytes(whole[: len(whole) // 4])
    return path


def garbage(path: Path) -> Path:
    path.write_bytes(b"\x00\x01not a recording" * 500)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make", [silence, music], ids=["silence", "music"])
def test_sound_without_speech_gives_an_empty_transcript(make, transcriber, tmp_path):
    assert list(transcriber.segments(make(tmp_path / "input.wav"))) == []


@pytest.mark.parametrize("make, error, says", [
    (empty, EmptyMedia, r"empty \(0 bytes\)"),
    (video_only, NoAudioStream, "no sound track"),
    (garbage, CorruptMedia, "not a readable audio or video file"),
    (truncated_flac, TruncatedMedia, "cut off or damaged"),
], ids=["0-byte", "no-audio", "corrupt", "truncated"])
def test_unusable_files_raise_a_named_error_that_says_what_to_do(make, error, says, transcriber, tmp_path):
    with pytest.raises(error, match=says) as raised:
        list(transcriber.segments(make(tmp_path / "input.mp4")))
    assert "upload" in str(raised.value).lower(), "the message tells the person what to do next"


def test_the_imageio_ffmpeg_fallback_decodes_too(monkeypatch):
    """Machines without a system ffmpeg use the binary that imageio-ffmpeg ships."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    ffmpeg_exe.cache_clear()
    try:
        assert "imageio_ffmpeg" in ffmpeg_exe()
        clip = shared_media("jfk.flac")
        assert probe(clip).has_audio
        assert abs(sum(len(c) for c in stream_audio(clip, chunk_seconds=4)) / SAMPLE_RATE - 11.0) < 0.1
    finally:
        ffmpeg_exe.cache_clear()


def test_a_corrupt_recording_fails_its_job_once_with_the_reason_stored(storage, tmp_path):
    meeting_id = add_meeting(storage, garbage(tmp_path / "meeting.mp4"))
    job_id = storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})

    assert transcribe_queued(storage) == 1
    assert transcribe_queued(storage) == 0, "not queued again"

    job = storage.jobs.get(job_id)
    assert job.status == JobStatus.FAILED and job.attempts == 1 and "not a readable" in job.error
    transcript = transcript_of(storage, meeting_id)
    assert transcript.status == TranscriptStatus.FAILED and "upload it again" in transcript.error


def test_a_meeting_without_a_recording_fails_with_the_missing_key(storage):
    meeting_id = add_meeting(storage, None)
    job_id = storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})
    transcribe_queued(storage)
    job = storage.jobs.get(job_id)
    assert job.status == JobStatus.FAILED and f"meetings/{meeting_id}/media/meeting.mp4" in job.error
    assert transcript_of(storage, meeting_id).status == TranscriptStatus.FAILED


def test_a_silent_recording_is_ready_with_an_empty_transcript(storage, tmp_path):
    meeting_id = add_meeting(storage, silence(tmp_path / "silence.wav"))
    storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})
    transcribe_queued(storage)
    assert transcript_of(storage, meeting_id).status == TranscriptStatus.READY
    assert storage.blobs.get_bytes(caption_key(meeting_id, "vtt")) == b"WEBVTT\n"
    assert storage.blobs.get_bytes(caption_key(meeting_id, "json")) == b"[]"
