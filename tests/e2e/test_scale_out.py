"""Scale-out on PostgreSQL + SeaweedFS S3, every part a separate process as in docs/deploy.md:
gunicorn with two web workers, one ingest service, two transcription workers. Three meetings stream at once;
each is recorded, transcribed exactly once and served from S3, even though one worker is killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from feeds import speech_feed
from processes import ChamberProcess, wait_for_http, wait_until
from servers import free_port
from sqlalchemy import func, select

from storage import load_settings, open_storage
from storage.meetings import create_committee, create_meeting
from storage.models import Job, JobStatus, Meeting, MeetingStatus, Transcript, TranscriptStatus, utcnow

pytestmark = pytest.mark.e2e

STREAM_SECONDS = 16
MEETINGS = 3


@pytest.fixture
def cluster_env(pg_server, pg_template, s3_server_session, tmp_path):
    database = pg_server.create_database(template=pg_template)
    bucket = s3_server_session.create_bucket()
    env = {
        "CHAMBER_DATA_DIR": str(tmp_path / "data"),
        "CHAMBER_DATABASE_URL": pg_server.url(database),
        "CHAMBER_STORAGE_URL": f"s3://{bucket}/council",
        "CHAMBER_SECRET_KEY": "scale-out-test",
        "CHAMBER_WEB_PORT": str(free_port()),
        "CHAMBER_RTMP_PORT": str(free_port()),
        "CHAMBER_INGEST_CONTROL_PORT": str(free_port()),
        "CHAMBER_SRT_PORT": str(20000 + os.getpid() % 20000),
        "CHAMBER_RECONNECT_GRACE_SECONDS": "3",
        "CHAMBER_JOB_LEASE_SECONDS": "8",
        **s3_server_session.env(),
    }
    yield env
    pg_server.drop_database(database)


def test_three_meetings_on_a_scaled_out_install(cluster_env, tmp_path, monkeypatch):
    for key, value in cluster_env.items():
        monkeypatch.setenv(key, value)
    storage = open_storage(load_settings())
    with storage.db.session() as session:
        committee = create_committee(session, "Planning Committee")
        ids = [create_meeting(session, committee, f"Planning {n}", utcnow(), public=True).id
               for n in range(1, MEETINGS + 1)]
    feed = speech_feed(tmp_path / "feed.mp4", STREAM_SECONDS)

    logs = tmp_path / "logs"
    logs.mkdir()
    web_port = cluster_env["CHAMBER_WEB_PORT"]
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind",
                f"127.0.0.1:{web_port}", "archive_web.wsgi:app"]
    processes = [
        ChamberProcess("web", [], cluster_env, logs, program=gunicorn),
        ChamberProcess("ingest", ["ingest"], cluster_env, logs),
        ChamberProcess("worker-a", ["worker"], cluster_env, logs),
        ChamberProcess("worker-b", ["worker"], cluster_env, logs),
    ]
    web, ingest, worker_a, worker_b = processes
    try:
        wait_for_http(f"http://127.0.0.1:{web_port}/healthz", 60, web)
        time.sleep(2)  # the ingest service starts nginx-rtmp
        encoders = [subprocess.Popen([sys.executable, "-m", "archive_web.cli", "simulate", "--meeting", str(i),
                                      "--file", str(feed)], env={**os.environ, **cluster_env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in ids]

        def live_count():
            with storage.db.session() as session:
                return session.scalar(select(func.count(Meeting.id)).where(Meeting.status == MeetingStatus.LIVE))

        wait_until(lambda: live_count() == MEETINGS, 40, "all three meetings live", 0.5)
        for encoder in encoders:
            assert encoder.wait(timeout=STREAM_SECONDS + 60) == 0, encoder.stderr.read()

        def running_job():
            with storage.db.session() as session:
                return session.scalar(select(Job).where(Job.kind == "transcribe", Job.status == JobStatus.RUNNING,
                                                        Job.worker_id.is_not(None)))

        job = wait_until(running_job, 120, "a transcription job running", 0.3)
        victim = worker_a if str(worker_a.process.pid) in job.worker_id else worker_b
        victim.kill(signal.SIGKILL)

        def all_ready():
            with storage.db.session() as session:
                states = session.scalars(select(Transcript.status).where(Transcript.meeting_id.in_(ids))).all()
                return len(states) == MEETINGS and all(s == TranscriptStatus.READY for s in states)

        wait_until(all_ready, 300, "all three transcripts ready", 1)

        with storage.db.session() as session:
            jobs = session.scalars(select(Job).where(Job.kind == "transcribe")).all()
            transcripts = session.scalars(select(Transcript).where(Transcript.meeting_id.in_(ids))).all()
            durations = {m.id: m.duration_seconds for m in session.scalars(select(Meeting))}
            texts = {t.meeting_id: " ".join(s.text for s in t.segments).lower() for t in transcripts}
        assert sorted(j.payload["meeting_id"] for j in jobs) == sorted(ids), "one transcription job per meeting"
        assert all(j.status == JobStatus.DONE for j in jobs)
        assert any(j.attempts == 2 for j in jobs), "the killed worker's job was taken over"
        for meeting_id in ids:
            assert abs(durations[meeting_id] - STREAM_SECONDS) <= 3, durations
            assert "bus lane" in texts[meeting_id] or "committee" in texts[meeting_id], texts[meeting_id]

        for meeting_id in ids:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/api/v1/meetings/{meeting_id}") as response:
                detail = json.load(response)
            assert detail["status"] in ("ready", "ended")
            with urllib.request.urlopen(detail["media"]["mp4"]) as response:
                served_from = response.geturl()
                head = response.read(64)
            assert served_from.startswith(cluster_env["CHAMBER_S3_ENDPOINT_URL"]), served_from
            assert b"ftyp" in head
            assert storage.blobs.exists(f"meetings/{meeting_id}/vod/index.m3u8")
    finally:
        for process in processes:
            process.stop()
        storage.close()
