"""Running one claimed job: heartbeats that keep the lease, progress, and the outcome written back.

A handler is ``handler(storage, job, report_progress)``. It raises ``PermanentJobError`` for input that will
never succeed (a corrupt file): the job fails at once with that reason. Any other exception is a transient
failure and the job is retried with backoff. If the heartbeat finds the lease lost (this worker was presumed
dead and another took over), ``report_progress`` raises ``LeaseLost`` so the handler stops before writing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from .jobqueue import ClaimedJob

log = logging.getLogger(__name__)


class PermanentJobError(Exception):
    """The job cannot succeed however often it is retried; the message is shown to staff."""


class LeaseLost(Exception):
    """Another worker owns this job now; stop without writing results."""


ProgressFn = Callable[[float, float], None]


class _Heartbeat(threading.Thread):
    """Extends the lease in the background so a long step (one model call) does not lose the job."""

    def __init__(self, storage, job: ClaimedJob, interval: float):
        super().__init__(daemon=True, name=f"heartbeat-{job.id}")
        self.storage, self.job, self.interval = storage, job, interval
        self.stopped = threading.Event()
        self.lost = False
        self.progress: tuple[float, float] | None = None

    def beat(self) -> None:
        done, total = self.progress or (None, None)
        ok = self.storage.jobs.heartbeat(self.job.id, self.job.worker_id, done, total,
                                         lease_seconds=self.storage.settings.job_lease_seconds)
        self.lost = self.lost or not ok

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.beat()
            except Exception:  # a database hiccup must not kill the worker; the next beat retries
                log.warning("heartbeat failed", exc_info=True, extra={"job_id": self.job.id})


def run_job(storage, job: ClaimedJob, handler) -> str:
    """Run ``handler`` for a claimed job; returns "done", "retry", "failed" or "lost"."""
    context = {"job_id": job.id, "worker_id": job.worker_id, "meeting_id": job.payload.get("meeting_id")}
    heartbeat = _Heartbeat(storage, job, max(1.0, storage.settings.job_lease_seconds / 4))
    last_write = [0.0]

    def report_progress(done: float, total: float) -> None:
        heartbeat.progress = (done, total)
        if heartbeat.lost:
            raise LeaseLost(f"job {job.id} was taken over by another worker")
        if time.monotonic() - last_write[0] > 2.0:
            last_write[0] = time.monotonic()
            heartbeat.beat()

    log.info("job %s (%s) started, attempt %d of %d", job.id, job.kind, job.attempts, job.max_attempts, extra=context)
    heartbeat.start()
    try:
        handler(storage, job, report_progress)
    except LeaseLost:
        log.warning("job %s lost its lease; leaving it to the other worker", job.id, extra=context)
        return "lost"
    except PermanentJobError as exc:
        log.error("job %s failed: %s", job.id, exc, extra=context)
        storage.jobs.fail(job.id, job.worker_id, str(exc), retry=False)
        return "failed"
    except Exception as exc:
        log.exception("job %s attempt %d crashed", job.id, job.attempts, extra=context)
        status = storage.jobs.fail(job.id, job.worker_id, f"{type(exc).__name__}: {exc}", retry=True)
        return "retry" if status and status.value == "queued" else "failed"
    finally:
        heartbeat.stopped.set()
    storage.jobs.complete(job.id, job.worker_id)
    log.info("job %s done", job.id, extra=context)
    return "done"
