"""RTMP through nginx to live HLS and on to the archive, with real nginx-rtmp and ffmpeg processes."""

from __future__ import annotations

import subprocess

from live_streams import (
    GRACE_SECONDS,
    add_meeting,
    decoded_seconds,
    live_snapshot,
    live_state,
    materialize,
    meeting_row,
    push,
    start_ingest,
)
from processes import wait_until
from sqlalchemy import select

from storage.models import Job, MeetingStatus, Recording
from streamer.playlists import parse_media_playlist
from streamer.service import end_meeting

PUSH_SECONDS = 8


def test_encoder_to_live_hls_to_vod_and_mp4(live_storage_both, sample_video, tmp_path):
    """An encoder pushes 8 s; viewers get a playable live stream; when it stops for longer than the grace
    period the meeting ends by itself, with a VOD and an MP4 as long as what was pushed."""
    storage = live_storage_both
    meeting_id = add_meeting(storage)
    service = start_ingest(storage)
    try:
        encoder = push(storage, meeting_id, sample_video, PUSH_SECONDS)
        wait_until(lambda: storage.blobs.exists(f"live/{meeting_id}/master.m3u8"), 15, "the live master playlist")
        assert meeting_row(storage, meeting_id).status == MeetingStatus.LIVE
        master = storage.blobs.get_bytes(f"live/{meeting_id}/master.m3u8").decode()
        assert "src/index.m3u8" in master and "audio/index.m3u8" in master and 'CODECS="mp4a.40.2"' in master
        assert decoded_seconds(live_snapshot(storage.blobs, meeting_id, tmp_path / "live")) >= 1.5
        live_text = storage.blobs.get_bytes(f"live/{meeting_id}/src/index.m3u8").decode()
        assert "#EXT-X-PROGRAM-DATE-TIME:" in live_text and "#EXT-X-ENDLIST" not in live_text

        assert encoder.wait(timeout=30) == 0, encoder.stderr.read()
        wait_until(lambda: live_state(storage, meeting_id) == "reconnecting", 10, "the reconnecting state")
        wait_until(lambda: live_state(storage, meeting_id) == "ended", GRACE_SECONDS + 20, "the meeting to end")
    finally:
        service.stop()

    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and meeting.failure_reason is None
    assert abs(meeting.duration_seconds - PUSH_SECONDS) <= storage.settings.hls_segment_seconds
    final_live = parse_media_playlist(storage.blobs.get_bytes(f"live/{meeting_id}/src/index.m3u8").decode())
    assert final_live.ended and len(final_live.segments) <= storage.settings.hls_playlist_size

    archive = materialize(storage.blobs, f"meetings/{meeting_id}/", tmp_path / "archive")
    vod_seconds = decoded_seconds(archive / "vod" / "index.m3u8")
    mp4_seconds = decoded_seconds(archive / "media" / "meeting.mp4")
    assert abs(vod_seconds - PUSH_SECONDS) <= 2 and abs(mp4_seconds - PUSH_SECONDS) <= 2
    assert b"moov" in (archive / "media" / "meeting.mp4").read_bytes()[:200_000]  # faststart: index up front
    with storage.db.session() as session:
        job = session.scalar(select(Job).where(Job.kind == "transcribe"))
        assert job.payload["meeting_id"] == meeting_id


def test_refused_publishers_leave_nothing_behind(live_storage, ingest, sample_video):
    """A wrong key, a cancelled meeting and a second encoder on a live meeting are refused, with reasons."""
    storage = live_storage
    meeting_id = add_meeting(storage)
    wrong = push(storage, meeting_id, sample_video, 4,
                 url=f"rtmp://127.0.0.1:{storage.settings.rtmp_port}/live/not-the-key")
    assert wrong.wait(timeout=20) != 0
    cancelled_id = add_meeting(storage, status=MeetingStatus.CANCELLED)
    cancelled = push(storage, cancelled_id, sample_video, 4)
    assert cancelled.wait(timeout=20) != 0
    assert "cancelled" in meeting_row(storage, cancelled_id).live_info["last_refusal"]["reason"]
    assert storage.blobs.list("live/") == [] and storage.blobs.list("meetings/") == []
    assert meeting_row(storage, meeting_id).status == MeetingStatus.SCHEDULED

    first = push(storage, meeting_id, sample_video, 10)
    wait_until(lambda: live_state(storage, meeting_id) == "live", 15, "the first encoder to go live")
    second = push(storage, meeting_id, sample_video, 4)
    assert second.wait(timeout=20) != 0
    assert "already live" in meeting_row(storage, meeting_id).live_info["last_refusal"]["reason"]
    first.kill()
    first.wait()


def test_encoder_reconnecting_within_grace_continues_the_same_recording(open_live_storage, sample_video, tmp_path):
    """Two encoder sessions, one meeting. (With fMP4 segments, so each part's init segment is carried too.)"""
    storage = open_live_storage(reconnect_grace_seconds=60, hls_segment_type="fmp4")
    meeting_id = add_meeting(storage)
    service = start_ingest(storage)
    try:
        for _ in range(2):
            encoder = push(storage, meeting_id, sample_video, 6, loop=False)
            wait_until(lambda: live_state(storage, meeting_id) == "live", 15, "live")
            assert encoder.wait(timeout=30) == 0
            wait_until(lambda: live_state(storage, meeting_id) == "reconnecting", 10, "reconnecting")
        message = end_meeting(storage, meeting_id)  # staff end it, as `chamber meeting end` does
        assert "ended" in message
    finally:
        service.stop()

    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and abs(meeting.duration_seconds - 12) <= 2
    with storage.db.session() as session:
        parts = session.scalars(select(Recording).where(Recording.meeting_id == meeting_id)).all()
    assert len(parts) == 2 and all(p.segment_count >= 2 and p.ended_at for p in parts)
    vod = storage.blobs.get_bytes(f"meetings/{meeting_id}/vod/index.m3u8").decode()
    assert vod.count("#EXT-X-DISCONTINUITY\n") == 1 and vod.count("#EXT-X-MAP:") == 2
    archive = materialize(storage.blobs, f"meetings/{meeting_id}/", tmp_path)
    assert abs(decoded_seconds(archive / "vod" / "index.m3u8") - 12) <= 2
    assert abs(decoded_seconds(archive / "media" / "meeting.mp4") - 12) <= 2


def test_killed_relay_restarts_and_loses_no_completed_segment(live_storage, ingest, sample_video, tmp_path):
    storage = live_storage
    meeting_id = add_meeting(storage)
    encoder = push(storage, meeting_id, sample_video, 14)
    recorded = f"meetings/{meeting_id}/recording/"
    wait_until(lambda: len([k for k in storage.blobs.list(recorded) if k.endswith(".ts")]) >= 2, 20, "two segments")
    before = [k for k in storage.blobs.list(recorded) if k.endswith(".ts")]
    killed_pid = ingest.sessions[meeting_id].process.pid
    subprocess.run(["kill", "-9", str(killed_pid)], check=True)
    restarted = wait_until(lambda: (p := ingest.sessions[meeting_id].process) and p.pid != killed_pid and p, 2.0,
                         "a new relay within 2 s")
    assert restarted.poll() is None
    wait_until(lambda: any("part-0002/" in k for k in storage.blobs.list(recorded)), 10, "the stream to resume")
    assert live_state(storage, meeting_id) == "live"
    assert "#EXT-X-DISCONTINUITY" in storage.blobs.get_bytes(f"live/{meeting_id}/src/index.m3u8").decode()
    assert encoder.wait(timeout=30) == 0
    end_meeting(storage, meeting_id)

    meeting = meeting_row(storage, meeting_id)
    assert meeting.live_info["ffmpeg_restarts"] == 1
    vod = storage.blobs.get_bytes(f"meetings/{meeting_id}/vod/index.m3u8").decode()
    for key in before:  # every segment completed before the kill is in the recording and the VOD
        assert storage.blobs.exists(key) and key.split("recording/")[1] in vod
    # what was lost is the segment being written plus the wait for the next keyframe: at most two segments
    assert meeting.duration_seconds >= 14 - 2 * storage.settings.hls_segment_seconds
    archive = materialize(storage.blobs, f"meetings/{meeting_id}/", tmp_path)
    assert abs(decoded_seconds(archive / "vod" / "index.m3u8") - meeting.duration_seconds) <= 2
