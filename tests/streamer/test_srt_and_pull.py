"""SRT with the meeting's passphrase, and meetings that pull their stream from a URL."""

from __future__ import annotations

import subprocess

from live_streams import (
    GRACE_SECONDS,
    add_meeting,
    decoded_seconds,
    live_state,
    make_video,
    materialize,
    meeting_row,
    push,
    start_ingest,
)
from processes import wait_until

from storage.models import MeetingStatus
from streamer.endpoints import srt_publish_url
from streamer.ffmpeg import ffmpeg_binary
from streamer.probe import probe


def _listening(ingest, meeting_id: int) -> bool:
    supervisor = ingest.sessions.get(meeting_id)
    return bool(supervisor and supervisor.process and supervisor.process.poll() is None)


def test_srt_refuses_a_wrong_passphrase_and_takes_the_right_one(live_storage, ingest, sample_video, tmp_path):
    storage = live_storage
    meeting_id = add_meeting(storage)
    wait_until(lambda: _listening(ingest, meeting_id), 10, "the meeting's SRT listener")

    wrong = push(storage, meeting_id, sample_video, 4, protocol="srt",
                 url=srt_publish_url(storage.settings, meeting_id, "not-the-passphrase-at-all"))
    assert wrong.wait(timeout=20) != 0
    wait_until(lambda: (meeting_row(storage, meeting_id).live_info or {}).get("last_refusal"), 5, "the refusal")
    assert "wrong passphrase" in meeting_row(storage, meeting_id).live_info["last_refusal"]["reason"]
    assert storage.blobs.list(f"meetings/{meeting_id}/") == []

    right = push(storage, meeting_id, sample_video, 6, protocol="srt", loop=False)
    wait_until(lambda: live_state(storage, meeting_id) == "live", 15, "live over SRT")
    assert right.wait(timeout=30) == 0
    wait_until(lambda: live_state(storage, meeting_id) == "ended", GRACE_SECONDS + 20, "the meeting to end")
    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and abs(meeting.duration_seconds - 6) <= 2
    archive = materialize(storage.blobs, f"meetings/{meeting_id}/", tmp_path)
    assert abs(decoded_seconds(archive / "vod" / "index.m3u8") - 6) <= 2


def test_pulled_hevc_source_is_reencoded_for_browsers(open_live_storage, tmp_path):
    """A chamber AV system exposing HEVC with MP3 audio: pulled, re-encoded to H.264/AAC, and the staff told why;
    with the transcode ladder on, viewers also get a 240p rendition."""
    storage = open_live_storage(transcode_ladder=("240p",))
    source = make_video(tmp_path / "camera.mkv", 6, video=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                                                           "log-level=error", "-pix_fmt", "yuv420p"], audio=False)
    with_audio = tmp_path / "camera-with-audio.mkv"
    subprocess.run([ffmpeg_binary(), "-loglevel", "error", "-i", str(source), "-f", "lavfi", "-i",
                    "sine=frequency=300:sample_rate=44100", "-t", "6", "-c:v", "copy", "-c:a", "libmp3lame",
                    str(with_audio)], check=True)
    meeting_id = add_meeting(storage, pull_url=str(with_audio))
    service = start_ingest(storage)
    try:
        wait_until(lambda: live_state(storage, meeting_id) == "live", 20, "the pulled meeting to go live")
        segment = next(k for k in storage.blobs.list(f"live/{meeting_id}/src/") if k.endswith(".ts"))
        info = probe(str(storage.blobs.local_path(segment)))
        assert (info.video.codec, info.audio.codec) == ("h264", "aac")
        assert "hevc" in meeting_row(storage, meeting_id).live_info["notices"]["transcoding"]
        wait_until(lambda: storage.blobs.exists(f"live/{meeting_id}/master.m3u8"), 10, "the master playlist")
        assert "240p/index.m3u8" in storage.blobs.get_bytes(f"live/{meeting_id}/master.m3u8").decode()
        rung = next(k for k in storage.blobs.list(f"live/{meeting_id}/240p/") if k.endswith(".ts"))
        assert probe(str(storage.blobs.local_path(rung))).video.height == 240
        wait_until(lambda: live_state(storage, meeting_id) == "ended", GRACE_SECONDS + 25, "the meeting to end")
    finally:
        service.stop()
    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and abs(meeting.duration_seconds - 6) <= 2
