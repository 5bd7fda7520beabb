"""Simulated audiences with a known truth: pages that play, pause, seek and leave, and the beacons their player
would send (the same rules as ``archive_web/static/js/beacon.js``).

All event times fall on half seconds and network delays are under 0.5 s, so a beacon never moves a viewer's
playing across a minute boundary: the per-minute truth is exact, not approximate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

INTERVAL = 15.0


@dataclass
class Page:
    """One page view: ``plays`` are (wall start, wall end, media position at start), in seconds from the meeting
    start; consecutive plays with different positions are a seek, gaps are pauses."""

    session_id: str
    mode: str
    loaded: float
    plays: list[tuple[float, float, float]]
    address: str
    inflate: float = 1.0
    sent: list[dict] = field(default_factory=list)

    @property
    def played(self) -> float:
        return sum(end - start for start, end, _ in self.plays)

    def position_at(self, t: float) -> float:
        position = self.plays[0][2]
        for start, end, pos in self.plays:
            if start < t <= end:
                return pos + (t - start)
            if end <= t:
                position = pos + (end - start)
        return position

    def played_between(self, a: float, b: float) -> float:
        return sum(max(0.0, min(end, b) - max(start, a)) for start, end, _ in self.plays)

    def beacons(self, rng: random.Random, meeting_id: int) -> list[tuple[float, dict]]:
        """(arrival time, body) for every beacon: a timer every 15 s from page load, and a flush at each pause,
        seek and leave; nothing is sent when nothing was played."""
        last_end = self.plays[-1][1]
        ticks = {self.loaded + INTERVAL * k for k in range(1, int((last_end - self.loaded) // INTERVAL) + 2)}
        moments = sorted(ticks | {end for _, end, _ in self.plays})
        out, previous, seq = [], self.loaded, 0
        for t in moments:
            played = self.played_between(previous, t)
            if played <= 0:
                continue
            body = {"meeting_id": meeting_id, "session_id": self.session_id, "seq": seq, "mode": self.mode,
                    "position": round(self.position_at(t), 3), "played": round(played * self.inflate, 3)}
            out.append((t + rng.choice((0.0, 0.1, 0.2, 0.3, 0.4)), body))
            previous, seq = t, seq + 1
        return out


def live_pages(rng: random.Random, count: int, length: int) -> list[Page]:
    pages = []
    for n in range(count):
        join = rng.randint(0, length - 60) + 0.5
        kind = rng.random()
        if kind < 0.08:  # glanced for a few seconds: not a person tuned in
            plays = [(join, join + rng.randint(2, 8), join)]
        else:
            leave = min(length + 0.5, join + rng.randint(30, length))  # many leave early
            plays = [(join, leave, join)]
            if kind > 0.7 and leave - join > 120:  # paused, then back to the live edge
                pause = join + rng.randint(20, int(leave - join) - 60)
                resume = pause + rng.randint(10, 40)
                plays = [(join, pause, join), (resume, leave, resume)]
        pages.append(Page(f"live-{n:05d}-{rng.getrandbits(32):08x}", "live", join - rng.randint(0, 5), plays,
                          f"10.{n // 250}.{n % 250}.{rng.randint(1, 250)}"))
    return pages


def on_demand_pages(rng: random.Random, count: int, length: int, first: int = 0) -> list[Page]:
    """Views on later days (some by people who watched live: a new page view is a new session)."""
    pages = []
    for n in range(first, first + count):
        day_start = 86400 * rng.randint(1, 6) + rng.randint(0, 40000) + 0.5
        position = float(rng.randint(0, length - 200))
        watch = rng.randint(30, length - int(position))
        plays = [(day_start, day_start + watch, position)]
        if rng.random() < 0.4 and watch > 60:  # skipped ahead to another item
            cut = day_start + rng.randint(20, watch - 20)
            jump = float(rng.randint(0, length - 200))
            plays = [(day_start, cut, position), (cut, min(cut + (day_start + watch - cut), cut + length - jump), jump)]
        pages.append(Page(f"vod-{n:05d}-{rng.getrandbits(32):08x}", "on_demand", day_start - 2, plays,
                          f"172.16.{n // 250}.{n % 250}"))
    return pages


def minute_truth(pages: list[Page], mode: str) -> dict[int, int]:
    """Viewers per minute (minute index from the meeting start) who played during it."""
    counts: dict[int, int] = {}
    for page in pages:
        if page.mode != mode:
            continue
        minutes = set()
        for start, end, _ in page.plays:
            minute = int(start // 60)
            while minute * 60 < end:
                if min(end, minute * 60 + 60) - max(start, minute * 60) > 0:
                    minutes.add(minute)
                minute += 1
        for minute in minutes:
            counts[minute] = counts.get(minute, 0) + 1
    return counts


def item_truth(pages: list[Page], starts: list[float]) -> list[float]:
    """Seconds viewed per chapter ``[start_i, start_i+1)`` from the media positions each page really played."""
    bounds = list(zip(starts, starts[1:] + [float("inf")]))
    seconds = [0.0] * len(bounds)
    for page in pages:
        for start, end, position in page.plays:
            low, high = position, position + (end - start)
            for index, (a, b) in enumerate(bounds):
                seconds[index] += max(0.0, min(high, b) - max(low, a))
    return seconds
