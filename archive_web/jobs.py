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
    log.info("worker started", extra={"worker_id": worker_id})
    while True:
        job = storage.jobs.claim(worker_id, kinds=list(handlers), lease_seconds=storage.settings.job_lease_seconds)
        if job is None:
            if once:
                return processed
            time.sleep(IDLE_POLL_SECONDS)
            continue
        run_job(storage, job, handlers[job.kind])
        processed += 1
