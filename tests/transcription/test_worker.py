"""The transcription worker against the real queue, database and blob store, on both backends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from transcription_kit import add_meeting, saved_segments, store_as_recording, transcribe_queued, transcript_of
from sqlalchemy import select

from storage.models import Job, JobStatus, Transcript, TranscriptSegment, TranscriptStatus
from storage.blobkeys import caption_key

WORKER = ("from archive_web.jobs import run_worker; from storage import open_storage; "
          "from transcription.worker import handle_transcribe_job; "
          "run_worker(open_storage(), once=True, worker_id='doomed', handlers={'transcribe': handle_transcribe_job})")


def test_a_meeting_gets_a_word_timed_transcript_captions_and_search(storage, meeting_video):
    meeting_id = add_meeting(storage, meeting_video)
    job_id = storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id, "model": None})

    assert transcribe_queued(storage) == 1

    transcript = transcript_of(storage, meeting_id)
    assert transcript.status == TranscriptStatus.READY and transcript.progress == 1.0
    assert transcript.model == "tiny.en" and transcript.audio_seconds > 100
    segments = saved_segments(storage, meeting_id)
    assert len(segments) > 10
    assert [s[0] for s in segments] == list(range(len(segments)))
    assert all(s[2] - s[1] <= 15.0 and s[5] and s[5][0]["start"] == s[1] for s in segments)
    job = storage.jobs.get(job_id)
    assert job.status == JobStatus.DONE and job.progress_total == transcript.audio_seconds

    vtt = storage.blobs.get_bytes(caption_key(meeting_id, "vtt")).decode()
    assert vtt.startswith("WEBVTT") and "Featherstonehaugh" in vtt, "the members' names came from the vocabulary"
    assert storage.blobs.get_bytes(caption_key(meeting_id, "srt")).startswith(b"1\n00:00:")
    published = json.loads(storage.blobs.get_bytes(caption_key(meeting_id, "json")))
    assert [(s["start"], s["text"]) for s in published] == [(s[1], s[3]) for s in segments]
    assert storage.blobs.get_bytes(caption_key(meeting_id, "txt")).decode().count("\n") == len(segments)

    with storage.db.session() as session:
        hits = storage.search.search_in_meeting(session, meeting_id, "Featherstonehaugh")
    assert hits and all(hit.url.startswith(f"/meetings/{meeting_id}?t=") for hit in hits)


def test_without_an_mp4_the_recording_segments_are_transcribed(storage, meeting_video, tmp_path):
    meeting_id = add_meeting(storage, None)
    store_as_recording(storage, meeting_id, meeting_video, tmp_path)
    storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})

    assert transcribe_queued(storage) == 1
    assert transcript_of(storage, meeting_id).status == TranscriptStatus.READY
    segments = saved_segments(storage, meeting_id)
    assert len(segments) > 10 and segments[-1][2] > 100, "the whole recording, across its segments"
    assert "Featherstonehaugh" in storage.blobs.get_bytes(caption_key(meeting_id, "txt")).decode()


def test_retranscribing_keeps_staff_corrections(storage, meeting_video):
    meeting_id = add_meeting(storage, meeting_video)
    storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})
    transcribe_queued(storage)
    first = saved_segments(storage, meeting_id)
    corrected_start, corrected_end = first[3][1], first[3][2]
    with storage.db.session() as session:
        row = session.scalar(select(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting_id,
                                                             TranscriptSegment.position == 3))
        row.original_text, row.text, row.corrected, row.speaker = row.text, "Corrected by the clerk.", True, "Clerk"

    storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id, "model": "tiny.en"})
    transcribe_queued(storage)

    again = saved_segments(storage, meeting_id)
    kept = [s for s in again if s[4]]
    assert [(s[1], s[2], s[3]) for s in kept] == [(corrected_start, corrected_end, "Corrected by the clerk.")]
    overlapping = [s for s in again if not s[4] and s[1] < corrected_end and corrected_start < s[2]]
    assert overlapping == [], "no machine segment was laid over the corrected one"
    assert [s[0] for s in again] == list(range(len(again)))
    assert len(again) == len(first), "every other segment came back"
    assert "<v Clerk>Corrected by the clerk." in storage.blobs.get_bytes(caption_key(meeting_id, "vtt")).decode()


def test_a_worker_killed_mid_job_leaves_one_complete_transcript(short_lease_storage, meeting_video):
    storage = short_lease_storage
    meeting_id = add_meeting(storage, meeting_video)
    job_id = storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})

    doomed = subprocess.Popen([sys.executable, "-c", WORKER], env=os.environ, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while getattr(transcript_of(storage, meeting_id), "status", None) != TranscriptStatus.RUNNING:
            assert doomed.poll() is None and time.monotonic() < deadline, doomed.stderr.read().decode()
            time.sleep(0.05)
        time.sleep(1.0)  # well into decoding
    finally:
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its ffmpeg
        doomed.wait()
    assert storage.jobs.get(job_id).status == JobStatus.RUNNING, "killed before it finished"
    assert saved_segments(storage, meeting_id) == [], "nothing half-written"

    time.sleep(storage.settings.job_lease_seconds + 0.5)
    assert transcribe_queued(storage) == 1, "the job came back after its lease ran out"

    with storage.db.session() as session:
        assert len(session.scalars(select(Transcript).where(Transcript.meeting_id == meeting_id)).all()) == 1
        job = session.get(Job, job_id)
        assert job.status == JobStatus.DONE and job.attempts == 2 and job.worker_id == "test-worker"
    rescued = saved_segments(storage, meeting_id)
    assert rescued and transcript_of(storage, meeting_id).status == TranscriptStatus.READY

    storage.jobs.enqueue("transcribe", {"meeting_id": meeting_id})
    transcribe_queued(storage)
    assert saved_segments(storage, meeting_id) == rescued, "a rerun gives the identical transcript"
