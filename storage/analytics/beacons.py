"""Taking in viewer beacons: checking them, and crediting only the viewing that wall-clock time allows.

A beacon says "this page view played ``played`` seconds since its previous beacon". Nothing in it can be
trusted, so the credit is the smallest of:

- what the page claims;
- one beacon interval plus a small tolerance (``PER_BEACON_MAX``): the player sends at least that often while
  playing, so an honest beacon never claims more;
- the wall-clock time since the session's previous beacon, plus the tolerance for network jitter;
- the session's budget: wall-clock time since its first beacon, plus one ``PER_BEACON_MAX`` for the first
  beacon, less what was already credited. Tolerances therefore cannot add up: a session is never credited
  faster than real time, however many beacons it sends.

Beacons are idempotent on (session, seq): a replay is acknowledged and changes nothing.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..models import MAX_ID, Beacon, Meeting, ViewerSession, ViewMode, Visibility
from . import clock
from .models import MediaClient

BEACON_INTERVAL_SECONDS = 15
TOLERANCE_SECONDS = 2.0
PER_BEACON_MAX = BEACON_INTERVAL_SECONDS + TOLERANCE_SECONDS
MAX_BODY_BYTES = 2048
MAX_PLAYED_CLAIM = 3600.0
MAX_POSITION = 7 * 24 * 3600.0
MAX_SEQ = 10_000_000
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MEETING_CACHE_SECONDS = 5.0


class BeaconRejected(ValueError):
    """A beacon that is refused; ``status`` is the HTTP status to answer with, the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class BeaconIn:
    meeting_id: int
    session_id: str
    seq: int
    mode: ViewMode
    position: float
    played: float


@dataclass(frozen=True)
class Credit:
    """What a beacon was worth: ``duplicate`` when (session, seq) had been seen, ``seconds`` credited otherwise."""

    seconds: float
    duplicate: bool = False


def _reject_constant(name: str):
    raise BeaconRejected(f"{name} is not a number a player can send; send finite numbers only.")


def _number(body: dict, name: str, maximum: float) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BeaconRejected(f"'{name}' must be a number of seconds.")
    if not math.isfinite(value) or value < 0 or value > maximum:
        raise BeaconRejected(f"'{name}' must be between 0 and {maximum:g} seconds.")
    return float(value)


def _integer(body: dict, name: str, maximum: int) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise BeaconRejected(f"'{name}' must be a whole number between 0 and {maximum}.")
    return value


def parse_beacon(raw: bytes) -> BeaconIn:
    """Check a beacon body (JSON, at most 2 KB) field by field; raises ``BeaconRejected`` naming the problem."""
    if len(raw) > MAX_BODY_BYTES:
        raise BeaconRejected(f"A beacon is at most {MAX_BODY_BYTES} bytes.", 413)
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BeaconRejected("The body is not JSON; send {meeting_id, session_id, seq, mode, position, played}.")
    if not isinstance(body, dict):
        raise BeaconRejected("The body must be a JSON object with meeting_id, session_id, seq, mode, position, played.")
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        raise BeaconRejected("'session_id' must be 8-64 letters, digits, '-' or '_' (a random id per page view).")
    mode = body.get("mode")
    if mode not in (ViewMode.LIVE.value, ViewMode.ON_DEMAND.value):
        raise BeaconRejected("'mode' must be \"live\" or \"on_demand\".")
    return BeaconIn(meeting_id=_integer(body, "meeting_id", MAX_ID), session_id=session_id,
                    seq=_integer(body, "seq", MAX_SEQ), mode=ViewMode(mode),
                    position=_number(body, "position", MAX_POSITION),
                    played=_number(body, "played", MAX_PLAYED_CLAIM))


def allowed_credit(claimed: float, now: datetime, first_seen: datetime | None, last_seen: datetime | None,
                   credited: float) -> float:
    """The seconds a beacon may be credited with, given its session so far (``first_seen`` None: a new session)."""
    limit = min(claimed, PER_BEACON_MAX)
    if first_seen is None or last_seen is None:
        return limit
    since_previous = max(0.0, (now - last_seen).total_seconds())
    budget = (now - first_seen).total_seconds() + PER_BEACON_MAX - credited
    return max(0.0, min(limit, since_previous + TOLERANCE_SECONDS, budget))


class MeetingGate:
    """Which meetings take beacons (public ones), cached for a few seconds per process.

    Every beacon would otherwise read its meeting; at thousands of beacons a second that read is the largest
    part of the work. A meeting made private stops counting within ``MEETING_CACHE_SECONDS``.
    """

    def __init__(self, ttl: float = MEETING_CACHE_SECONDS):
        self.ttl = ttl
        self._cache: dict[int, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def accepts(self, engine: Engine, meeting_id: int) -> bool:
        now = time.monotonic()
        cached = self._cache.get(meeting_id)
        if cached and cached[0] > now:
            return cached[1]
        with engine.connect() as conn:
            visibility = conn.scalar(select(Meeting.visibility).where(Meeting.id == meeting_id))
        accepted = visibility == Visibility.PUBLIC
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[meeting_id] = (now + self.ttl, accepted)
        return accepted


def dialect_insert(engine: Engine, table):
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)


class SessionRaced(Exception):
    """The database changed (or held a replay) between our read and our write; the batch is tried again."""


@lru_cache(maxsize=None)
def ingest_statements(dialect: str) -> SimpleNamespace:
    """The ingestion statements, built once per dialect: at thousands of beacons a second, building SQLAlchemy
    constructs per request costs more than running them."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    sessions, beacons, clients = ViewerSession.__table__, Beacon.__table__, MediaClient.__table__
    return SimpleNamespace(
        read_sessions=select(sessions.c.id, sessions.c.session_id, sessions.c.meeting_id, sessions.c.mode,
                             sessions.c.first_seen, sessions.c.last_seen, sessions.c.last_seq,
                             sessions.c.played_seconds)
        .where(sessions.c.session_id.in_(bindparam("ids", expanding=True))),
        read_seqs=select(beacons.c.session_id, beacons.c.seq)
        .where(beacons.c.session_id.in_(bindparam("ids", expanding=True)),
               beacons.c.seq.in_(bindparam("seqs", expanding=True))),
        add_sessions=insert(sessions).on_conflict_do_nothing(index_elements=["session_id"])
        .returning(sessions.c.id),
        add_beacons=insert(beacons).on_conflict_do_nothing(index_elements=["session_id", "seq"])
        .returning(beacons.c.id),
        credit_session=update(sessions)
        .where(sessions.c.id == bindparam("row_id"), sessions.c.last_seen == bindparam("seen_before"),
               sessions.c.played_seconds == bindparam("played_before"))
        .values(last_seen=bindparam("seen_now"), last_seq=bindparam("seq_now"),
                played_seconds=bindparam("played_now")),
        mark_players=(lambda stmt: stmt.on_conflict_do_update(
            index_elements=["meeting_id", "day", "client_key", "mode"], set_={"player": True}))(insert(clients)),
    )


Pending = tuple[BeaconIn, datetime, str | None]


def record_beacon(engine: Engine, beacon: BeaconIn, now: datetime | None = None,
                  client_key: str | None = None) -> Credit:
    """Store one checked beacon and credit its session; raises ``BeaconRejected`` when it is refused."""
    answer = record_beacons(engine, [(beacon, now or clock.now(), client_key)])[0]
    if isinstance(answer, BeaconRejected):
        raise answer
    return answer


def record_beacons(engine: Engine, batch: list[Pending]) -> list[Credit | BeaconRejected]:
    """Store beacons in one transaction, answering each in order. Safe under concurrent writers on both databases:
    sessions are read, then updated only if unchanged (optimistic concurrency), and the batch is redone if another
    process changed one of them in between, so two writers can never spend the same wall-clock time twice."""
    statements = ingest_statements(engine.dialect.name)
    look_for_replays = False  # replays are rare: look for them only once an insert has met one
    for _ in range(20):
        try:
            with engine.begin() as conn:
                return write_beacons(conn, statements, batch, look_for_replays)
        except SessionRaced:
            look_for_replays = True
    return [BeaconRejected("These sessions are sending beacons too fast; slow down.", 429)] * len(batch)


@dataclass
class _SessionState:
    """A session as the batch changes it: ``before`` is what was read (None: created by this batch)."""

    meeting_id: int
    mode: str
    first_seen: datetime
    last_seen: datetime
    last_seq: int
    played: float
    row_id: int | None = None
    before: tuple[datetime, float] | None = None


def write_beacons(conn, sql: SimpleNamespace, batch: list[Pending],
                  look_for_replays: bool = True) -> list[Credit | BeaconRejected]:
    """Credit a batch of beacons with a handful of statements, whatever its size. Raises ``SessionRaced`` when the
    database disagrees with what was read, including a replayed beacon met while not ``look_for_replays``."""
    ids = sorted({beacon.session_id for beacon, _, _ in batch})
    sessions = {row.session_id: _SessionState(row.meeting_id, ViewMode(row.mode).value, row.first_seen,
                                              row.last_seen, row.last_seq, row.played_seconds, row.id,
                                              (row.last_seen, row.played_seconds))
                for row in conn.execute(sql.read_sessions, {"ids": ids})}
    seen: set[tuple[str, int]] = set()
    if sessions and look_for_replays:
        seen = {(row.session_id, row.seq) for row in conn.execute(sql.read_seqs, {
            "ids": sorted(sessions), "seqs": sorted({beacon.seq for beacon, _, _ in batch})})}
    answers: list[Credit | BeaconRejected] = []
    beacon_rows, players = [], {}
    for beacon, now, client_key in batch:
        state = sessions.get(beacon.session_id)
        if (beacon.session_id, beacon.seq) in seen:
            answers.append(Credit(0.0, duplicate=True))
            continue
        if state is not None and (state.meeting_id != beacon.meeting_id or state.mode != beacon.mode.value):
            answers.append(BeaconRejected(
                "This session id belongs to another meeting or viewing mode; start a new session.", 409))
            continue
        seen.add((beacon.session_id, beacon.seq))
        if state is None:
            credit = allowed_credit(beacon.played, now, None, None, 0.0)
            sessions[beacon.session_id] = _SessionState(beacon.meeting_id, beacon.mode.value, now, now, beacon.seq,
                                                        credit)
            if client_key:
                players[(beacon.meeting_id, now.date(), client_key, beacon.mode.value)] = now
        else:
            credit = allowed_credit(beacon.played, now, state.first_seen, state.last_seen, state.played)
            state.last_seen, state.last_seq = max(now, state.last_seen), max(beacon.seq, state.last_seq)
            state.played += credit
        beacon_rows.append({"session_id": beacon.session_id, "meeting_id": beacon.meeting_id, "seq": beacon.seq,
                            "mode": beacon.mode.value, "position": beacon.position, "played": credit,
                            "received_at": now, "rolled_up": False})
        answers.append(Credit(credit))
    _write_changes(conn, sql, sessions, beacon_rows, players)
    return answers


def _write_changes(conn, sql: SimpleNamespace, sessions: dict[str, _SessionState], beacon_rows: list[dict],
                   players: dict) -> None:
    created = [{"session_id": session_id, "meeting_id": s.meeting_id, "mode": s.mode, "client": "player",
                "first_seen": s.first_seen, "last_seen": s.last_seen, "last_seq": s.last_seq,
                "played_seconds": s.played} for session_id, s in sessions.items() if s.before is None]
    if created and len(conn.execute(sql.add_sessions, created).all()) != len(created):
        raise SessionRaced()  # another process created one of these sessions meanwhile
    if beacon_rows and len(conn.execute(sql.add_beacons, beacon_rows).all()) != len(beacon_rows):
        raise SessionRaced()  # a replay, or another process stored one of these beacons meanwhile
    credited = [{"row_id": s.row_id, "seen_before": s.before[0], "played_before": s.before[1],
                 "seen_now": s.last_seen, "seq_now": s.last_seq, "played_now": s.played}
                for s in sessions.values() if s.before is not None and (s.last_seen, s.played) != s.before]
    # Both drivers report the rows an executemany changed in total (SQLAlchemy's "sane multi rowcount").
    if credited and conn.execute(sql.credit_session, credited).rowcount != len(credited):
        raise SessionRaced()  # another process credited one of these sessions meanwhile
    if players:
        conn.execute(sql.mark_players, [
            {"meeting_id": meeting_id, "day": day, "client_key": key, "mode": mode, "segments": 0,
             "first_seen": now, "last_seen": now, "player": True}
            for (meeting_id, day, key, mode), now in players.items()])
