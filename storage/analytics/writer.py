"""One writer thread per process that commits beacons in batches (group commit).

Thousands of beacons a second, each in its own transaction, spend most of their time waiting for the database's
write lock: SQLite lets one writer in at a time and its busy handler sleeps in steps of milliseconds, and
PostgreSQL flushes its log at every commit. Request threads instead hand their beacon to this thread and wait for
the answer; the thread writes whatever has queued up meanwhile in one transaction, and answers each request only
after the commit. The busier the server, the bigger the batches.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy import Engine

from .beacons import BeaconIn, BeaconRejected, Credit, record_beacons

log = logging.getLogger(__name__)

MAX_BATCH = 500
ANSWER_TIMEOUT_SECONDS = 10.0


class BeaconWriter:
    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH):
        self.engine, self.max_batch = engine, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, beacon: BeaconIn, now: datetime, client_key: str | None = None,
               timeout: float = ANSWER_TIMEOUT_SECONDS) -> Credit:
        """Queue a beacon and wait until it is committed; raises what ``record_beacon`` would."""
        if self._thread is None:
            self._start()
        future: Future = Future()
        self._queue.put((beacon, now, client_key, future))
        return future.result(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="beacon-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except Exception as exc:  # the batch could not be committed: every waiting request gets the error
                log.warning("could not write %d beacons: %s", len(batch), exc)
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)

    def _write(self, batch: list) -> None:
        answers = record_beacons(self.engine, [(beacon, now, client_key) for beacon, now, client_key, _ in batch])
        for (*_, future), answer in zip(batch, answers):
            if isinstance(answer, BeaconRejected):
                future.set_exception(answer)
            else:
                future.set_result(answer)
