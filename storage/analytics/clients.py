"""Players without JavaScript (VLC, smart TVs opening the playlist URL) send no beacons; they are counted from
the media segments they fetch.

Segment requests are frequent (one every couple of seconds per viewer), so they are counted in memory and
written in one statement per client every few seconds, rather than one write per request.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from sqlalchemy import Engine

from ..models import ViewMode
from .beacons import dialect_insert
from .models import MediaClient

Key = tuple[int, ViewMode, date, str]


class SegmentCounter:
    def __init__(self):
        self._counts: dict[Key, list] = {}
        self._lock = threading.Lock()

    def count(self, meeting_id: int, mode: ViewMode, client_key: str, now: datetime) -> None:
        key = (meeting_id, mode, now.date(), client_key)
        with self._lock:
            entry = self._counts.get(key)
            if entry is None:
                self._counts[key] = [1, now, now]
            else:
                entry[0] += 1
                entry[2] = now

    def flush(self, engine: Engine) -> int:
        """Write the counts gathered since the last flush; returns how many clients were written."""
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return 0
        stmt = dialect_insert(engine, MediaClient)
        stmt = stmt.on_conflict_do_update(
            index_elements=["meeting_id", "day", "client_key", "mode"],
            set_={"segments": MediaClient.segments + stmt.excluded.segments, "last_seen": stmt.excluded.last_seen})
        rows = [{"meeting_id": meeting_id, "mode": mode, "day": day, "client_key": client_key, "segments": segments,
                 "first_seen": first, "last_seen": last, "player": False}
                for (meeting_id, mode, day, client_key), (segments, first, last) in counts.items()]
        try:
            with engine.begin() as conn:
                conn.execute(stmt, rows)
        except Exception:
            self._merge_back(counts)
            raise
        return len(rows)

    def _merge_back(self, counts: dict[Key, list]) -> None:
        """Keep counts that could not be written for the next flush."""
        with self._lock:
            for key, (segments, first, last) in counts.items():
                entry = self._counts.setdefault(key, [0, first, last])
                entry[0] += segments
                entry[1], entry[2] = min(entry[1], first), max(entry[2], last)
