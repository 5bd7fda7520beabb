"""A durable job queue in the database, shared by any number of workers on any number of machines.

Rules, in one place:
- ``claim`` hands each job to exactly one worker. PostgreSQL uses ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite,
  which has no row locks, uses a conditional ``UPDATE`` that only succeeds while the row is still claimable, so of
  two workers racing for one row exactly one sees ``rowcount == 1``.
- A claim is a lease. A worker extends it with ``heartbeat``; if the worker dies, the lease runs out and the job
  becomes claimable again. A worker that lost its lease learns so from ``heartbeat`` returning False and stops.
- A failed attempt is retried after an exponential backoff until ``max_attempts``; then the job stays ``failed``
  with its error text for staff to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select, update

from .db import Database
from .models import Job, JobStatus, utcnow

BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 600


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    worker_id: str


def backoff_seconds(attempts: int) -> int:
    return min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))


def _claimable(now):
    """A job is claimable when queued and due, or running with an expired lease (its worker died)."""
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now),
    )


class JobQueue:
    def __init__(self, db: Database):
        self.db = db

    def enqueue(self, kind: str, payload: dict[str, Any] | None = None, *, max_attempts: int = 5,
                session=None) -> int:
        """Add a job; pass ``session`` to enqueue in the same transaction as the change that caused it."""
        job = Job(kind=kind, payload=payload or {}, max_attempts=max_attempts, run_after=utcnow())
        if session is not None:
            session.add(job)
            session.flush()
            return job.id
        with self.db.session() as own:
            own.add(job)
            own.flush()
            return job.id

    def claim(self, worker_id: str, kinds: Iterable[str] | None = None, lease_seconds: int = 60) -> ClaimedJob | None:
        kinds = list(kinds) if kinds else None
        if self.db.dialect == "postgresql":
            return self._claim_locking(worker_id, kinds, lease_seconds)
        return self._claim_conditional(worker_id, kinds, lease_seconds)

    def _candidates(self, kinds, now, limit):
        query = select(Job.id, Job.status, Job.lease_expires_at, Job.attempts).where(_claimable(now))
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        return query.order_by(Job.run_after, Job.id).limit(limit)

    def _claim_locking(self, worker_id, kinds, lease_seconds):
        now = utcnow()
        with self.db.session() as session:
            query = self._candidates(kinds, now, 1).with_for_update(skip_locked=True)
            row = session.execute(query).first()
            if row is None:
                return None
            job = session.get(Job, row.id)
            self._mark_claimed(job, worker_id, now, lease_seconds)
            return self._claimed(job)

    def _claim_conditional(self, worker_id, kinds, lease_seconds):
        for _ in range(20):
            now = utcnow()
            with self.db.session() as session:
                rows = session.execute(self._candidates(kinds, now, 8)).all()
                if not rows:
                    return None
                for row in rows:
                    # Matching on the attempts count and lease seen above makes the update conditional on nobody
                    # having claimed the row in between.
                    result = session.execute(
                        update(Job)
                        .where(Job.id == row.id, Job.attempts == row.attempts, _claimable(now),
                               Job.lease_expires_at.is_(None) if row.lease_expires_at is None
                               else Job.lease_expires_at == row.lease_expires_at)
                        .values(status=JobStatus.RUNNING, worker_id=worker_id, attempts=Job.attempts + 1,
                                lease_expires_at=now + timedelta(seconds=lease_seconds),
                                started_at=now, error=None)
                        .execution_options(synchronize_session=False)
                    )
                    if result.rowcount == 1:
                        job = session.get(Job, row.id)
                        session.refresh(job)
                        return self._claimed(job)
        return None

    @staticmethod
    def _mark_claimed(job: Job, worker_id: str, now, lease_seconds: int) -> None:
        job.status = JobStatus.RUNNING
        job.worker_id = worker_id
        job.attempts += 1
        job.lease_expires_at = now + timedelta(seconds=lease_seconds)
        job.started_at = now
        job.error = None

    @staticmethod
    def _claimed(job: Job) -> ClaimedJob:
        return ClaimedJob(job.id, job.kind, dict(job.payload or {}), job.attempts, job.max_attempts, job.worker_id)

    def _owned(self, job_id: int, worker_id: str):
        return and_(Job.id == job_id, Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)

    def heartbeat(self, job_id: int, worker_id: str, progress: float | None = None, total: float | None = None,
                  lease_seconds: int = 60) -> bool:
        """Extend the lease and record progress. False means the job is no longer this worker's: stop working on it."""
        values: dict[str, Any] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_seconds)}
        if progress is not None:
            values["progress"] = progress
        if total is not None:
            values["progress_total"] = total
        with self.db.session() as session:
            result = session.execute(update(Job).where(self._owned(job_id, worker_id)).values(**values))
            return result.rowcount == 1

    def complete(self, job_id: int, worker_id: str) -> bool:
        with self.db.session() as session:
            result = session.execute(
                update(Job).where(self._owned(job_id, worker_id))
                .values(status=JobStatus.DONE, finished_at=utcnow(), lease_expires_at=None, error=None,
                        progress=Job.progress_total))
            return result.rowcount == 1

    def fail(self, job_id: int, worker_id: str, error: str, retry: bool = True) -> JobStatus | None:
        """Record a failed attempt: back to the queue after a backoff, or ``failed`` for good. Returns the new status."""
        with self.db.session() as session:
            job = session.execute(select(Job).where(self._owned(job_id, worker_id))).scalar_one_or_none()
            if job is None:
                return None
            job.error = error[:10_000]
            job.lease_expires_at = None
            if retry and job.attempts < job.max_attempts:
                job.status = JobStatus.QUEUED
                job.run_after = utcnow() + timedelta(seconds=backoff_seconds(job.attempts))
            else:
                job.status = JobStatus.FAILED
                job.finished_at = utcnow()
            return job.status

    def retry(self, job_id: int) -> bool:
        """Put a failed job back in the queue now (staff pressed "retry")."""
        with self.db.session() as session:
            result = session.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.FAILED)
                .values(status=JobStatus.QUEUED, run_after=utcnow(), attempts=0, finished_at=None))
            return result.rowcount == 1

    def get(self, job_id: int) -> Job | None:
        with self.db.session() as session:
            return session.get(Job, job_id)

    def depth(self) -> dict[str, Any]:
        """Queued jobs and the age in seconds of the oldest one, for /metrics and staff pages."""
        now = utcnow()
        with self.db.session() as session:
            count, oldest = session.execute(
                select(func.count(Job.id), func.min(Job.created_at)).where(Job.status == JobStatus.QUEUED)).one()
            running = session.scalar(select(func.count(Job.id)).where(Job.status == JobStatus.RUNNING))
        age = (now - oldest).total_seconds() if oldest else 0.0
        return {"queued": count, "running": running, "oldest_age_seconds": age}
