"""Shared fixtures. The ``storage`` fixture runs a test on both backends: SQLite + a local folder, and
PostgreSQL + SeaweedFS S3, each real and private to the test."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from servers import postgres_server, s3_server  # noqa: E402

from storage import open_storage  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.settings import load_settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = REPO.parent / "shared" / "media" / "speech"


def shared_media(name: str) -> Path:
    """A clip from ../shared/media/speech; skips when absent, fails when CI requires it."""
    path = SHARED_MEDIA / name
    if not path.exists():
        if os.environ.get("CHAMBER_REQUIRE_SHARED_MEDIA") == "1":
            pytest.fail(f"{path} is missing but CHAMBER_REQUIRE_SHARED_MEDIA=1")
        pytest.skip(f"shared speech media not present at {SHARED_MEDIA}")
    return path


@pytest.fixture(scope="session")
def pg_server():
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def s3_server_session():
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated database that each test's database is copied from (much faster than migrating each time)."""
    name = pg_server.create_database()
    database = Database(pg_server.url(name))
    database.upgrade()
    database.dispose()
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "chamber.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


def _sqlite_env(tmp_path: Path, template: Path) -> dict[str, str]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    shutil.copy(template, data_dir / "chamber.db")
    return {"CHAMBER_DATA_DIR": str(data_dir)}


@pytest.fixture(params=["sqlite", "postgres"])
def backend_env(request, tmp_path, monkeypatch):
    """CHAMBER_* (and AWS_*) variables for a fresh, migrated instance on the parametrised backend."""
    if request.param == "sqlite":
        env = _sqlite_env(tmp_path, request.getfixturevalue("sqlite_template"))
    else:
        pg = request.getfixturevalue("pg_server")
        s3 = request.getfixturevalue("s3_server_session")
        database = pg.create_database(template=request.getfixturevalue("pg_template"))
        bucket = s3.create_bucket()
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        env = {"CHAMBER_DATA_DIR": str(data_dir), "CHAMBER_DATABASE_URL": pg.url(database),
               "CHAMBER_STORAGE_URL": f"s3://{bucket}/chamber", **s3.env()}
        request.addfinalizer(lambda: pg.drop_database(database))
    env["CHAMBER_SECRET_KEY"] = "test-secret-key"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def settings(backend_env):
    return load_settings()


@pytest.fixture
def storage(settings):
    opened = open_storage(settings)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_env(tmp_path, sqlite_template, monkeypatch):
    """Only the embedded backend, for tests whose subject does not depend on the database."""
    env = {**_sqlite_env(tmp_path, sqlite_template), "CHAMBER_SECRET_KEY": "test-secret-key"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def sqlite_storage(sqlite_env):
    opened = open_storage(load_settings())
    yield opened
    opened.close()


@pytest.fixture
def app(storage):
    from archive_web import create_app

    flask_app = create_app(storage=storage)
    flask_app.config.update(TESTING=True)
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()
