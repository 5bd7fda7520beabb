"""Rolling raw beacons up into per-minute and per-position aggregates, so dashboards never scan raw beacons.

A beacon received at ``t`` crediting ``p`` seconds stands for viewing during ``[t - p, t]`` (wall clock) and over
``[position - p, position]`` (media time). Its seconds are split across the minutes and the 5-second position
buckets those intervals cover.

Only *complete* minutes are rolled up: a minute is complete once every beacon that can cover it has been received
and committed (``BEACON_SPAN`` plus ``COMMIT_MARGIN`` after it ends). Viewers per minute are distinct sessions,
which do not add up across batches, so each complete minute is computed whole from its raw beacons, outside any
write transaction (nothing can change it any more), and written before its beacons are marked ``rolled_up``.
Per-position sums do add up, so each beacon is added once, in the small transaction that marks it rolled up.
Running the rollup twice, or in two processes at once, gives the same result, and the database's write lock is
only ever held for a short batch, so beacons keep flowing while it runs.

Figures read the rollups for the minutes before the oldest beacon not rolled up, and the raw tail after it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Iterator

from sqlalchemy import Connection, Engine, delete, false, func, select, true, update

from ..models import Beacon, ViewMinute, ViewMode
from . import clock
from .beacons import PER_BEACON_MAX, dialect_insert
from .models import POSITION_BUCKET_SECONDS, ViewPosition

MINUTE = timedelta(minutes=1)
BEACON_SPAN = timedelta(seconds=PER_BEACON_MAX)
# A beacon is stamped when its request arrives and committed by the writer thread shortly after; a minute is not
# rolled up until any beacon stamped in it must have been committed.
COMMIT_MARGIN = timedelta(seconds=30)
BATCH_SIZE = 2000
MINUTES_PER_WINDOW = 10
RAW_BEACON_RETENTION_DAYS = 30


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def split_by_minute(received_at: datetime, played: float) -> Iterable[tuple[datetime, float]]:
    """The minutes that ``[received_at - played, received_at]`` touches, with the seconds in each."""
    start = received_at - timedelta(seconds=played)
    minute = minute_of(start)
    if played <= 0:
        yield minute_of(received_at), 0.0
        return
    while minute < received_at:
        overlap = (min(minute + MINUTE, received_at) - max(minute, start)).total_seconds()
        if overlap > 0:
            yield minute, overlap
        minute += MINUTE


def split_by_position(position: float, played: float) -> Iterable[tuple[int, float]]:
    """The 5-second buckets of media time that ``[position - played, position]`` covers, with the seconds in each."""
    start = max(0.0, position - played)
    bucket = math.floor(start / POSITION_BUCKET_SECONDS) * POSITION_BUCKET_SECONDS
    while bucket < position:
        overlap = min(bucket + POSITION_BUCKET_SECONDS, position) - max(bucket, start)
        if overlap > 0:
            yield bucket, overlap
        bucket += POSITION_BUCKET_SECONDS


@dataclass
class MinuteFigures:
    viewers: int
    played_seconds: float


def minutes_from_beacons(rows, since: datetime | None = None) -> dict[tuple[datetime, ViewMode], MinuteFigures]:
    """Viewers (distinct sessions) and seconds per (minute, mode) from raw beacon rows
    (``session_id, mode, played, received_at``), keeping only minutes from ``since`` on."""
    sessions: dict[tuple[datetime, ViewMode], set[str]] = defaultdict(set)
    seconds: dict[tuple[datetime, ViewMode], float] = defaultdict(float)
    for row in rows:
        for minute, overlap in split_by_minute(row.received_at, row.played):
            if since is None or minute >= since:
                key = (minute, ViewMode(row.mode))
                if row.played > 0:
                    sessions[key].add(row.session_id)
                seconds[key] += overlap
    return {key: MinuteFigures(len(sessions[key]), seconds[key]) for key in seconds if sessions[key]}


def beacons_covering(conn, meeting_id: int, first_minute: datetime, last_minute: datetime | None = None):
    """Raw beacons of a meeting that can cover minutes ``first_minute``..``last_minute`` (open-ended if None)."""
    query = (select(Beacon.session_id, Beacon.mode, Beacon.played, Beacon.received_at)
             .where(Beacon.meeting_id == meeting_id, Beacon.received_at >= first_minute))
    if last_minute is not None:
        query = query.where(Beacon.received_at < last_minute + MINUTE + BEACON_SPAN)
    return conn.execute(query).all()


def roll_up(engine: Engine, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Roll up every complete minute not rolled up yet; returns how many beacons were rolled up."""
    until = minute_of((now or clock.now()) - BEACON_SPAN - COMMIT_MARGIN)
    with engine.connect() as conn:
        pending = conn.execute(select(Beacon.meeting_id, func.min(Beacon.received_at))
                               .where(Beacon.rolled_up == false(), Beacon.received_at < until)
                               .group_by(Beacon.meeting_id)).all()
    for meeting_id, first_received in pending:
        _write_minutes(engine, meeting_id, minute_of(first_received - BEACON_SPAN), until)
    total = 0
    while True:
        done = _claim_batch(engine, until, batch_size)
        total += done
        if done < batch_size:
            return total


def _write_minutes(engine: Engine, meeting_id: int, first: datetime, until: datetime) -> None:
    """Compute the complete minutes ``first`` .. ``until`` (exclusive) of a meeting and store them, a window at a
    time so that a long backlog never has to fit in memory."""
    stmt = dialect_insert(engine, ViewMinute)
    stmt = stmt.on_conflict_do_update(index_elements=["meeting_id", "minute", "mode"],
                                      set_={"viewers": stmt.excluded.viewers,
                                            "played_seconds": stmt.excluded.played_seconds})
    while first < until:
        last = min(first + MINUTES_PER_WINDOW * MINUTE, until) - MINUTE
        with engine.connect() as conn:
            figures = minutes_from_beacons(beacons_covering(conn, meeting_id, first, last), since=first)
        rows = [{"meeting_id": meeting_id, "minute": minute, "mode": mode, "viewers": value.viewers,
                 "played_seconds": value.played_seconds}
                for (minute, mode), value in figures.items() if minute <= last]
        if rows:
            with engine.begin() as conn:
                conn.execute(stmt, rows)
        first = last + MINUTE


def _claim_batch(engine: Engine, until: datetime, batch_size: int) -> int:
    """Mark up to ``batch_size`` beacons of complete minutes rolled up, adding their seconds to the positions."""
    with engine.begin() as conn:
        pending = (select(Beacon.id).where(Beacon.rolled_up == false(), Beacon.received_at < until)
                   .order_by(Beacon.id).limit(batch_size))
        claimed = conn.execute(
            update(Beacon)
            .where(Beacon.id.in_(pending.scalar_subquery()), Beacon.rolled_up == false())
            .values(rolled_up=true())
            .returning(Beacon.meeting_id, Beacon.mode, Beacon.position, Beacon.played)
            .execution_options(synchronize_session=False)).all()
        _add_positions(conn, engine, claimed)
        return len(claimed)


def _add_positions(conn, engine: Engine, rows) -> None:
    sums: dict[tuple[int, ViewMode, int], float] = defaultdict(float)
    for row in rows:
        for bucket, overlap in split_by_position(row.position, row.played):
            sums[(row.meeting_id, ViewMode(row.mode), bucket)] += overlap
    if not sums:
        return
    stmt = dialect_insert(engine, ViewPosition)
    stmt = stmt.on_conflict_do_update(
        index_elements=["meeting_id", "mode", "bucket"],
        set_={"played_seconds": ViewPosition.played_seconds + stmt.excluded.played_seconds})
    conn.execute(stmt, [{"meeting_id": meeting_id, "mode": mode, "bucket": bucket, "played_seconds": seconds}
                        for (meeting_id, mode, bucket), seconds in sums.items()])


def purge_raw_beacons(engine: Engine, keep_days: int = RAW_BEACON_RETENTION_DAYS) -> int:
    """Delete rolled-up raw beacons older than the retention period (the rollups keep every figure)."""
    cutoff = clock.now() - timedelta(days=keep_days)
    with engine.begin() as conn:
        return conn.execute(delete(Beacon).where(Beacon.rolled_up == true(), Beacon.received_at < cutoff)).rowcount


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one moment, so a rollup committing between two reads of the figures
    (rollups, then the raw tail not yet rolled up) cannot count a beacon twice or not at all."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn
        return
    # pysqlite does not open a transaction for reads by itself; an explicit BEGIN pins the WAL snapshot.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("ROLLBACK")
