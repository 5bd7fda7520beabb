"""The "test my encoder" figures (bitrate, sound level, arriving) measured from real streams through real ingest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import pytest
from live_streams import add_meeting, meeting_row, push, start_ingest
from processes import wait_until

from archive_web.staff.status import encoder_report
from streamer.ffmpeg import ffmpeg_binary
from streamer.monitor import SILENCE_FLOOR_DB, measure_sound
from streamer.playlists import parse_media_playlist

# ffmpeg's sine source has amplitude 1/8: peak 20*log10(1/8) = -18.1 dBFS, mean (RMS) 3 dB lower.
TONE_PEAK_DB = -18.1
TONE_MEAN_DB = -21.1
PEAK_OVERSHOOT_DB = 2.5


def encode(path: Path, audio: str, seconds: float = 6, video_kbps: int | None = None) -> Path:
    """A feed with the given lavfi sound; with ``video_kbps``, 640x360 H.264 at that constant bitrate too."""
    video = []
    if video_kbps:
        rate = f"{video_kbps}k"
        video = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25"]
    command = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *video, "-f", "lavfi", "-i", audio,
               "-t", str(seconds)]
    if video_kbps:
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-b:v", rate, "-minrate", rate, "-maxrate", rate,
                    "-bufsize", rate, "-x264-params", "nal-hrd=cbr", "-g", "50", "-keyint_min", "50",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p"]
    subprocess.run([*command, "-c:a", "aac", "-b:a", "96k", str(path)], check=True)
    return path


def live_segments(storage, meeting_id: int) -> list:
    if not storage.blobs.exists(f"live/{meeting_id}/src/index.m3u8"):
        return []
    return parse_media_playlist(storage.blobs.get_bytes(f"live/{meeting_id}/src/index.m3u8").decode()).segments


def file_kbps(path: Path) -> float:
    result = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=bit_rate", "-of", "json", str(path)],
                            capture_output=True, text=True, check=True)
    return int(json.loads(result.stdout)["format"]["bit_rate"]) / 1000


@pytest.mark.parametrize(("audio", "mean", "peak"), [
    ("sine=frequency=440:sample_rate=48000", TONE_MEAN_DB, TONE_PEAK_DB),
    ("sine=frequency=440:sample_rate=48000,volume=-30dB", TONE_MEAN_DB - 30, TONE_PEAK_DB - 30),
    ("anullsrc=sample_rate=48000:channel_layout=stereo", SILENCE_FLOOR_DB, SILENCE_FLOOR_DB),
])
def test_sound_level_is_read_in_dbfs(tmp_path, audio, mean, peak):
    level = measure_sound(encode(tmp_path / "sound.m4a", audio).read_bytes())
    assert level is not None
    # AAC rebuilds the wave, not its samples: peaks overshoot a little where the sound starts.
    assert abs(level.mean_db - mean) <= 1.0 and -1.0 <= level.peak_db - peak <= PEAK_OVERSHOOT_DB, level


def test_damaged_or_soundless_media_gives_no_level(tmp_path):
    with pytest.raises(av.FFmpegError):
        measure_sound(b"\x00" * 4096)
    picture = tmp_path / "picture.mp4"
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=160x90:rate=5", "-t", "1", str(picture)], check=True)
    assert measure_sound(picture.read_bytes()) is None


def test_encoder_check_reports_a_real_streams_bitrate_and_sound(live_storage, tmp_path):
    """Two encoders at once: one with a tone at a known level, one whose microphone is off. Staff see each
    stream's bitrate close to what the encoder sends, the tone's level, and advice about the silent one."""
    storage = live_storage
    toned = encode(tmp_path / "tone.mp4", "sine=frequency=440:sample_rate=48000", seconds=10, video_kbps=1000)
    silent = encode(tmp_path / "silent.mp4", "anullsrc=sample_rate=48000:channel_layout=stereo", seconds=10,
                    video_kbps=600)
    meetings = {add_meeting(storage, "Planning"): toned, add_meeting(storage, "Licensing"): silent}
    before = {meeting_id: encoder_report(meeting_row(storage, meeting_id), storage.blobs) for meeting_id in meetings}
    assert all(not report["arriving"] and report["bitrate_kbps"] is None for report in before.values())

    service = start_ingest(storage)
    encoders = [push(storage, meeting_id, feed, 14) for meeting_id, feed in meetings.items()]
    try:
        reports = {}

        def measured() -> bool:
            """Both streams measured over at least three whole segments (the first one may be cut short)."""
            for meeting_id in meetings:
                reports[meeting_id] = encoder_report(meeting_row(storage, meeting_id), storage.blobs)
            return all(len(live_segments(storage, meeting_id)) >= 4 for meeting_id in meetings) and all(
                r["arriving"] and r["bitrate_kbps"] and r["audio_level_db"] is not None for r in reports.values())

        wait_until(measured, 40, "both streams to be measured")
    finally:
        for encoder in encoders:
            encoder.kill()
            encoder.wait()
        service.stop()

    tone, quiet = (reports[meeting_id] for meeting_id in meetings)
    for report, feed in ((tone, toned), (quiet, silent)):
        assert report["resolution"] == "640×360"
        assert 0.8 * file_kbps(feed) <= report["bitrate_kbps"] <= 1.25 * file_kbps(feed), (report, file_kbps(feed))
    assert abs(tone["audio_level_db"] - TONE_MEAN_DB) <= 1.0
    assert -1.0 <= tone["audio_peak_db"] - TONE_PEAK_DB <= PEAK_OVERSHOOT_DB
    assert not any("silent" in line for line in tone["advice"]), tone["advice"]
    assert quiet["audio_level_db"] == SILENCE_FLOOR_DB
    assert any("silent" in line for line in quiet["advice"]), quiet["advice"]
