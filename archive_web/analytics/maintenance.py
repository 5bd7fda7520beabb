"""Housekeeping in each web process: write segment counts, roll up beacons, apply retention.

A daemon thread started by the first beacon or segment request (so it starts after gunicorn forks). Dashboards
are right without it (figures add the raw tail), it only keeps that tail short. ``chamber worker`` hosts may call
``storage.analytics.maintain`` instead; running both is safe.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from storage.analytics import SegmentCounter, maintain, roll_up

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 10.0
RETENTION_EVERY_SECONDS = 3600.0


class Maintenance:
    def __init__(self, app, segments: SegmentCounter):
        self.app, self.segments = app, segments
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._retention_due = 0.0

    @property
    def storage(self):
        return self.app.extensions["chamber"]

    def run_once(self) -> dict[str, int]:
        """Write segment counts and roll up; apply retention too when an hour has passed."""
        engine = self.storage.db.engine
        done = {"clients_written": self.segments.flush(engine)}
        if time.monotonic() >= self._retention_due:
            self._retention_due = time.monotonic() + RETENTION_EVERY_SECONDS
            return done | maintain(engine)
        return done | {"rolled_up": roll_up(engine)}

    def ensure_started(self) -> None:
        interval = float(self.app.config.get("ANALYTICS_MAINTENANCE_SECONDS", DEFAULT_INTERVAL_SECONDS))
        if self._thread is not None or interval <= 0:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, args=(interval,), name="analytics-maintenance",
                                                daemon=True)
                self._thread.start()
                atexit.register(self._flush_at_exit)

    def _loop(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            try:
                self.run_once()
            except SQLAlchemyError:
                log.exception("analytics maintenance failed; retrying in %.0f s", interval)

    def _flush_at_exit(self) -> None:
        try:
            self.segments.flush(self.storage.db.engine)
        except SQLAlchemyError:
            log.warning("could not write the last segment counts at exit")
