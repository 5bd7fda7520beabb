"""Fixtures for the live-ingest tests: ports of their own, a sample encoder feed and a running ingest service."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from live_streams import GRACE_SECONDS, free_srt_base, make_video, start_ingest  # noqa: E402
from servers import free_port  # noqa: E402

from storage import open_storage  # noqa: E402
from storage.settings import load_settings  # noqa: E402


@pytest.fixture
def ingest_env(monkeypatch):
    """Ports of our own and a short reconnect grace, so tests never collide and meetings end quickly."""
    env = {"CHAMBER_RTMP_PORT": str(free_port()), "CHAMBER_INGEST_CONTROL_PORT": str(free_port()),
           "CHAMBER_SRT_PORT": str(free_srt_base()), "CHAMBER_RECONNECT_GRACE_SECONDS": str(GRACE_SECONDS),
           "CHAMBER_HLS_PLAYLIST_SIZE": "4"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def open_live_storage(sqlite_env, ingest_env):
    """Opens the embedded backend (SQLite + local folder) with ingest ports and any settings overridden."""
    opened = []

    def open_with(**overrides):
        opened.append(open_storage(load_settings(**overrides)))
        return opened[-1]

    yield open_with
    for storage in opened:
        storage.close()


@pytest.fixture
def live_storage(open_live_storage):
    """Embedded backend (SQLite + local folder) with ingest ports."""
    return open_live_storage()


@pytest.fixture
def live_storage_both(backend_env, ingest_env):
    """Both backends: SQLite + local folder, PostgreSQL + S3."""
    opened = open_storage(load_settings())
    yield opened
    opened.close()


@pytest.fixture
def ingest(live_storage):
    service = start_ingest(live_storage)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory) -> Path:
    """20 s of what a well-set-up encoder sends: H.264 (keyframe every 2 s) and AAC, 640x360."""
    path = tmp_path_factory.mktemp("media") / "feed.mp4"
    make_video(path, 20)
    return path
