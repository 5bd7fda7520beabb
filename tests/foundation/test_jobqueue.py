"""The job queue: exactly-once claims under concurrency, leases that expire, retries with backoff."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import select, update

from storage.models import Job, JobStatus, utcnow

JOBS = 200
WORKERS = 4


CLAIM_ALL = """
import json, sys, time
from storage import load_settings, open_storage
storage = open_storage(load_settings())
worker_id, got, misses = sys.argv[1], [], 0
while misses < 3:
    job = storage.jobs.claim(worker_id, kinds=["work"], lease_seconds=60)
    if job is None:
        misses += 1
        time.sleep(0.05)
        continue
    misses = 0
    got.append(job.payload["n"])
    storage.jobs.complete(job.id, worker_id)
print(json.dumps(got))
"""


def test_four_workers_claim_each_job_exactly_once(storage):
    for n in range(JOBS):
        storage.jobs.enqueue("work", {"n": n})
    procs = [subprocess.Popen([sys.executable, "-c", CLAIM_ALL, f"w{i}"], stdout=subprocess.PIPE, text=True,
                              env=os.environ) for i in range(WORKERS)]
    collected = [json.loads(proc.communicate(timeout=240)[0]) for proc in procs]
    claimed = [n for got in collected for n in got]
    assert sorted(claimed) == list(range(JOBS)), "every job claimed exactly once"
    assert sum(1 for got in collected if got) >= 2, "the work was shared between workers"
    with storage.db.session() as session:
        statuses = session.scalars(select(Job.status)).all()
    assert statuses.count(JobStatus.DONE) == JOBS


def test_a_job_whose_worker_dies_is_claimed_again_after_the_lease(storage):
    job_id = storage.jobs.enqueue("work", {"n": 1})
    code = ("import os, time; from storage import open_storage, load_settings; s = open_storage(load_settings());"
            "j = s.jobs.claim('doomed', ['work'], lease_seconds=2); print(j.id, flush=True); time.sleep(60)")
    doomed = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ)
    assert int(doomed.stdout.readline()) == job_id
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    assert storage.jobs.claim("rescuer", ["work"]) is None, "lease still held just after the kill"
    time.sleep(2.2)
    rescued = storage.jobs.claim("rescuer", ["work"])
    assert rescued is not None and rescued.id == job_id and rescued.attempts == 2
    assert storage.jobs.heartbeat(job_id, "doomed") is False, "the dead worker's lease is gone"
    assert storage.jobs.complete(job_id, "rescuer")
    assert storage.jobs.get(job_id).status == JobStatus.DONE


def test_failures_retry_with_backoff_then_stop_with_the_error(storage):
    job_id = storage.jobs.enqueue("work", {}, max_attempts=2)
    first = storage.jobs.claim("w", ["work"])
    assert storage.jobs.fail(first.id, "w", "ffmpeg exited 1") == JobStatus.QUEUED
    assert storage.jobs.claim("w", ["work"]) is None, "backoff delays the retry"
    with storage.db.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow() - timedelta(seconds=1)))
    second = storage.jobs.claim("w", ["work"])
    assert second.attempts == 2
    assert storage.jobs.fail(second.id, "w", "ffmpeg exited 1 again") == JobStatus.FAILED
    failed = storage.jobs.get(job_id)
    assert failed.status == JobStatus.FAILED and failed.error == "ffmpeg exited 1 again"
    assert storage.jobs.retry(job_id)
    assert storage.jobs.claim("w", ["work"]).id == job_id


def test_progress_is_recorded_for_staff(storage):
    job_id = storage.jobs.enqueue("work", {})
    storage.jobs.claim("w", ["work"])
    assert storage.jobs.heartbeat(job_id, "w", progress=120.0, total=600.0)
    job = storage.jobs.get(job_id)
    assert (job.progress, job.progress_total) == (120.0, 600.0)
    assert storage.jobs.depth()["running"] == 1
