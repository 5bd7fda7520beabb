"""Migrations run from empty on both databases, and running them again changes nothing."""

import os
import subprocess
import sys

from sqlalchemy import inspect

from storage.db import Database

EXPECTED_TABLES = {"committees", "members", "meetings", "agenda_items", "documents", "recordings", "transcripts",
                   "transcript_segments", "jobs", "viewer_sessions", "beacons", "view_minutes", "users", "audit_log"}


def _chamber(*args, env=None):
    return subprocess.run([sys.executable, "-m", "archive_web.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_upgrade_from_empty_on_sqlite_then_noop(tmp_path):
    env = {"CHAMBER_DATA_DIR": str(tmp_path)}
    first = _chamber("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_initial" in first.stdout and "0002_search_index" in first.stdout
    second = _chamber("db", "upgrade", env=env)
    assert second.returncode == 0 and "already up to date" in second.stdout
    tables = set(inspect(Database(f"sqlite:///{tmp_path / 'chamber.db'}").engine).get_table_names())
    assert EXPECTED_TABLES <= tables


def test_upgrade_from_empty_on_postgresql_then_noop(pg_server, tmp_path):
    database = pg_server.create_database()
    env = {"CHAMBER_DATA_DIR": str(tmp_path), "CHAMBER_DATABASE_URL": pg_server.url(database)}
    first = _chamber("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    second = _chamber("db", "upgrade", env=env)
    assert "already up to date" in second.stdout
    tables = set(inspect(Database(pg_server.url(database)).engine).get_table_names())
    assert EXPECTED_TABLES <= tables


def test_sqlite_runs_in_wal_mode(sqlite_storage):
    with sqlite_storage.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
