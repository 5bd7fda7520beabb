"""``/metrics`` in Prometheus text format.

Most figures are read from the database when scraped (live meetings, queue depth and age, segments written,
ffmpeg restarts, transcription speed, beacon rate), so they are right whichever process did the work. Request
latency is measured in this process; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` and prometheus_client adds
up all workers.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from storage.models import Beacon, Meeting, MeetingStatus, Recording, Transcript, TranscriptStatus, utcnow

REQUEST_LATENCY = Histogram(
    "chamber_http_request_duration_seconds", "Time to answer an HTTP request",
    ["method", "endpoint", "status"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


class StateCollector:
    """Gauges and counters computed from the database at scrape time."""

    def __init__(self, storage):
        self.storage = storage

    def collect(self):
        with self.storage.db.session() as session:
            live = session.scalar(select(func.count(Meeting.id)).where(
                Meeting.status.in_([MeetingStatus.LIVE, MeetingStatus.RECONNECTING])))
            segments = session.scalar(select(func.coalesce(func.sum(Recording.segment_count), 0)))
            infos = session.scalars(select(Meeting.live_info).where(Meeting.live_info.is_not(None))).all()
            speed = session.execute(
                select(func.sum(Transcript.audio_seconds), func.sum(Transcript.processing_seconds))
                .where(Transcript.status == TranscriptStatus.READY, Transcript.processing_seconds > 0)).one()
            beacons = session.scalar(select(func.count(Beacon.id)).where(
                Beacon.received_at >= utcnow() - timedelta(seconds=60)))
        queue = self.storage.jobs.depth()
        restarts = sum(int((info or {}).get("ffmpeg_restarts", 0)) for info in infos)

        yield GaugeMetricFamily("chamber_live_meetings", "Meetings live or reconnecting now", value=live)
        yield CounterMetricFamily("chamber_ffmpeg_restarts", "Relay ffmpeg restarts by the supervisor",
                                  value=restarts)
        yield CounterMetricFamily("chamber_recording_segments_written", "Recording segments completed",
                                  value=segments)
        yield GaugeMetricFamily("chamber_jobs_queued", "Jobs waiting in the queue", value=queue["queued"])
        yield GaugeMetricFamily("chamber_jobs_running", "Jobs being worked on", value=queue["running"])
        yield GaugeMetricFamily("chamber_job_queue_oldest_age_seconds", "Age of the oldest queued job",
                                value=queue["oldest_age_seconds"])
        audio, processing = speed
        yield GaugeMetricFamily("chamber_transcription_realtime_factor",
                                "Seconds of audio transcribed per second of processing, over finished transcripts",
                                value=(audio / processing) if audio and processing else 0.0)
        yield GaugeMetricFamily("chamber_beacons_per_second", "Viewer beacons received, averaged over the last minute",
                                value=beacons / 60.0)


def _registry(storage) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(StateCollector(storage))
    return registry


def init_app(app: Flask) -> None:
    storage = app.extensions["chamber"]
    registry = _registry(storage)

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("request_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels(request.method, endpoint, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics():
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
