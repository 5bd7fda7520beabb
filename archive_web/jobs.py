"""The background worker: claims jobs from the queue and hands each kind to the package that owns that work.

Transcription belongs to ``transcription``; importing past recordings to ``streamer``. This module is the only
place that knows both, which is why it lives in archive_web (the one package allowed to start the others).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 2.0
TIDY_INTERVAL_SECONDS = 3600


def _tidy_when_idle(storage, last_tidy: float) -> float:
    """Hourly upkeep done by an idle worker: compact the search index so searches stay fast as the archive grows."""
    if time.monotonic() - last_tidy < TIDY_INTERVAL_SECONDS:
        return last_tidy
    try:
        with storage.db.session() as session:
            storage.search.optimize(session)
    except Exception:  # upkeep must never stop the worker; the next hour tries again
        log.warning("search index upkeep failed", exc_info=True)
    return time.monotonic()


def job_handlers() -> dict:
    from streamer.importer import handle_import_job
    from transcription.worker import handle_transcribe_job

    return {"transcribe": handle_transcribe_job, "import": handle_import_job}


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_worker(storage, once: bool = False, worker_id: str | None = None, handlers: dict | None = None) -> int:
    """Claim and run jobs until stopped (or, with ``once``, until the queue is empty). Returns jobs processed."""
    from storage.jobrunner import run_job

    handlers = handlers or job_handlers()
    worker_id = worker_id or default_worker_id()
    processed = 0
    last_tidy = time.monotonic()
    log.info("worker started", extra={"worker_id": worker_id})
    while True:
        job = storage.jobs.claim(worker_id, kinds=list(handlers), lease_seconds=storage.settings.job_lease_seconds)
        if job is None:
            if once:
                return processed
            last_tidy = _tidy_when_idle(storage, last_tidy)
            time.sleep(IDLE_POLL_SECONDS)
            continue
        run_job(storage, job, handlers[job.kind])
        processed += 1
