"""Fixtures for analytics tests: an app whose housekeeping runs only when told, and a clock moved by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from audience import ManualClock, configure  # noqa: E402


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    manual = ManualClock()
    monkeypatch.setattr("storage.analytics.clock.now", manual)
    return manual


@pytest.fixture
def analytics_app(app):
    return configure(app)


@pytest.fixture
def sqlite_app(sqlite_storage):
    from archive_web import create_app

    flask_app = create_app(storage=sqlite_storage)
    flask_app.config.update(TESTING=True)
    return configure(flask_app)
