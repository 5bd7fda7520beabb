"""Refusing floods of beacons from one address: a token bucket per (hashed) address, in memory.

Generous enough for a council office or library where a hundred people share one address (each sends a beacon
every 15 s), tight enough that one machine cannot write thousands of rows a second.
"""

from __future__ import annotations

import threading
import time

DEFAULT_RATE_PER_SECOND = 10.0
DEFAULT_BURST = 60.0
MAX_TRACKED = 100_000


class TokenBuckets:
    def __init__(self, rate: float = DEFAULT_RATE_PER_SECOND, burst: float = DEFAULT_BURST):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        """Take one token for ``key``: 0 when allowed, otherwise the seconds until the next token."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            if len(self._buckets) >= MAX_TRACKED:
                self._forget_full(now)
            self._buckets[key] = (tokens - 1, now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes nothing."""
        refill = self.burst / self.rate
        self._buckets = {key: value for key, value in self._buckets.items() if now - value[1] < refill}
