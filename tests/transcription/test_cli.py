"""``chamber transcribe FILE``: captions from one file with no server, and a progress bar while it works."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import shared_media


def chamber_transcribe(tmp_path, *args):
    env = {**os.environ, "CHAMBER_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "archive_web.cli", "transcribe", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_transcribe_writes_subtitles_to_a_file_with_a_progress_bar(tmp_path):
    out = tmp_path / "jfk.srt"
    result = chamber_transcribe(tmp_path, str(shared_media("jfk.flac")), "--format", "srt", "-o", str(out))
    assert result.returncode == 0, result.stderr
    srt = out.read_text()
    assert srt.startswith("1\n00:00:00,") and "ask not what your country" in srt.replace("\n", " ")
    assert "100%" in result.stderr and "s of audio" in result.stderr
    assert result.stdout == ""


def test_transcribe_prints_json_to_stdout(tmp_path):
    result = chamber_transcribe(tmp_path, str(shared_media("librispeech-2412-153948-0000.flac")), "--format", "json")
    assert result.returncode == 0, result.stderr
    segments = json.loads(result.stdout)
    assert segments and all(s["words"] and s["end"] > s["start"] for s in segments)


def test_an_unusable_file_is_explained_without_a_traceback(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    result = chamber_transcribe(tmp_path, str(empty))
    assert result.returncode != 0
    assert "empty (0 bytes)" in result.stderr and "Traceback" not in result.stderr
