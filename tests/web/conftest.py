"""Fixtures for the web tests; ``archive_builder`` (beside this file) writes the records and blobs they read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from archive_builder import Archive  # noqa: E402


@pytest.fixture
def archive(storage) -> Archive:
    return Archive(storage)


@pytest.fixture
def sqlite_app(sqlite_storage):
    """The app on the embedded backend only, for tests whose subject does not depend on the backend."""
    from archive_web import create_app

    app = create_app(storage=sqlite_storage)
    app.config.update(TESTING=True)
    return app
