"""The operator's commands end to end: `chamber ingest`, `chamber simulate` (the generated test meeting with speech)
and `chamber meeting end`, as separate processes like on a real machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from live_streams import add_meeting, decoded_seconds, live_state, meeting_row
from processes import ChamberProcess, wait_until

from storage import open_storage
from storage.models import MeetingStatus
from storage.settings import load_settings
from streamer.probe import probe


def chamber(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive_web.cli", *args], capture_output=True, text=True,
                          env=os.environ, timeout=timeout)


def test_simulated_meeting_through_chamber_ingest_and_meeting_end(sqlite_env, ingest_env, tmp_path):
    storage = open_storage(load_settings())
    meeting_id = add_meeting(storage, title="Full Council")
    ingest = ChamberProcess("ingest", ["ingest"], {}, tmp_path)
    try:
        control = f"http://127.0.0.1:{storage.settings.ingest_control_port}/sessions"
        wait_until(lambda: _answers(control), 20, "the ingest service")
        simulated = chamber("simulate", "--meeting", str(meeting_id), "--duration", "6")
        assert simulated.returncode == 0, simulated.stderr
        wait_until(lambda: live_state(storage, meeting_id) == "reconnecting", 10, "the encoder to be missed")
        ended = chamber("meeting", "end", str(meeting_id))
        assert ended.returncode == 0 and f"Meeting {meeting_id} ended" in ended.stdout, ended.stderr
    finally:
        ingest.stop()
    assert "Chamber ingest running" in ingest.output()

    meeting = meeting_row(storage, meeting_id)
    assert meeting.status == MeetingStatus.ENDED and abs(meeting.duration_seconds - 6) <= 2
    mp4 = storage.blobs.local_path(f"meetings/{meeting_id}/media/meeting.mp4")
    info = probe(str(mp4))
    assert info.video.codec == "h264" and info.audio.codec == "aac"
    assert abs(decoded_seconds(mp4) - meeting.duration_seconds) <= 1
    storage.close()


def test_refused_simulation_says_why(sqlite_env, ingest_env, tmp_path):
    storage = open_storage(load_settings())
    meeting_id = add_meeting(storage, status=MeetingStatus.CANCELLED)
    ingest = ChamberProcess("ingest", ["ingest"], {}, tmp_path)
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{storage.settings.ingest_control_port}/sessions"), 20,
                 "the ingest service")
        refused = chamber("simulate", "--meeting", str(meeting_id), "--duration", "3")
    finally:
        ingest.stop()
        storage.close()
    assert refused.returncode != 0 and "meeting is cancelled" in refused.stderr


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return "sessions" in json.loads(response.read())
    except OSError:
        return False
