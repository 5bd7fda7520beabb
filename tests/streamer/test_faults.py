"""Faults a live meeting survives or reports by name: storage outages, a full disk, a meeting that runs too long."""

from __future__ import annotations

import time

from live_streams import add_meeting, live_state, meeting_row, push, start_ingest
from processes import wait_until
from sqlalchemy import select

from storage.blobs import BlobStoreError
from storage.models import MeetingStatus, Recording
from streamer.service import end_meeting


class UnreachableWhenDown:
    """A blob store that fails every write while ``down`` is set, like an S3 endpoint that stopped answering.
    (A real server cannot be made to fail on cue inside a running ingest service.)"""

    def __init__(self, store):
        self._store = store
        self.down = False

    def __getattr__(self, name):
        attribute = getattr(self._store, name)
        if name.startswith("put_") and callable(attribute):
            def guarded(*args, **kwargs):
                if self.down:
                    raise BlobStoreError("cannot reach the S3 server (test outage)")
                return attribute(*args, **kwargs)
            return guarded
        return attribute

    def local_path(self, key):
        return None  # behave like a remote store: every segment is uploaded


def test_storage_outage_is_reported_and_loses_nothing(live_storage, sample_video):
    storage = live_storage
    storage.blobs = UnreachableWhenDown(storage.blobs)
    meeting_id = add_meeting(storage)
    service = start_ingest(storage)
    try:
        encoder = push(storage, meeting_id, sample_video, 14, loop=True)
        wait_until(lambda: live_state(storage, meeting_id) == "live", 15, "live")
        storage.blobs.down = True
        wait_until(lambda: "storage unreachable" in (meeting_row(storage, meeting_id).failure_reason or ""), 10,
                 "staff to see the outage")
        assert meeting_row(storage, meeting_id).live_info["error"] == "storage_unreachable"
        time.sleep(5)  # segments queue up on the ingest machine meanwhile
        storage.blobs.down = False
        wait_until(lambda: meeting_row(storage, meeting_id).failure_reason is None, 10, "the outage to clear")
        assert encoder.wait(timeout=30) == 0
        end_meeting(storage, meeting_id)
    finally:
        service.stop()
    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and abs(meeting.duration_seconds - 14) <= 2
    with storage.db.session() as session:
        assert len(session.scalars(select(Recording).where(Recording.meeting_id == meeting_id)).all()) == 1


def test_nearly_full_disk_stops_with_a_named_error(open_live_storage):
    storage = open_live_storage(min_free_disk_mb=10**9)
    meeting_id = add_meeting(storage)
    service = start_ingest(storage)
    try:
        wait_until(lambda: meeting_row(storage, meeting_id).status == MeetingStatus.FAILED, 15, "the meeting to stop")
    finally:
        service.stop()
    meeting = meeting_row(storage, meeting_id)
    assert meeting.live_info["error"] == "disk_nearly_full"
    assert "disk nearly full" in meeting.failure_reason and "CHAMBER_MIN_FREE_DISK_MB" in meeting.failure_reason


def test_meeting_over_the_maximum_duration_is_ended_and_kept(open_live_storage, sample_video):
    storage = open_live_storage(max_meeting_hours=6 / 3600)
    meeting_id = add_meeting(storage)
    service = start_ingest(storage)
    encoder = push(storage, meeting_id, sample_video, 20)
    try:
        wait_until(lambda: live_state(storage, meeting_id) == "ended", 25, "the meeting to be ended")
    finally:
        encoder.kill()
        encoder.wait()
        service.stop()
    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and meeting.live_info["error"] == "max_duration_exceeded"
    assert "CHAMBER_MAX_MEETING_HOURS" in meeting.failure_reason
    assert 6 <= meeting.duration_seconds <= 14
    assert storage.blobs.exists(f"meetings/{meeting_id}/media/meeting.mp4")
