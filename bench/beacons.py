"""Beacon ingestion benchmark: gunicorn serving the real app on SQLite and on PostgreSQL, driven by an asyncio load
generator on the same machine (it shares the cores with the server, so the figures are a floor).

Per backend, three phases (about 30 s in all):

1. peer: the same server and client answering a request that does no work (``GET /api/v1/beacon``, a 405 from
   Flask): the ceiling for any endpoint on this machine;
2. max: beacons as fast as the server takes them (closed loop);
3. sustained: beacons at a fixed rate (open loop, default 1,000/s, about 15,000 viewers at one beacon per 15 s);
   latency is measured from when each beacon was due, so a server falling behind shows in the p95.

Viewers are spread over many source addresses (127.0.x.y), as real ones are, so the per-address flood limit does
not apply. Afterwards: every accepted beacon must be in the database (nothing lost), and rolling them all up must
run several times faster than they came in (the web processes roll up complete minutes as they go).

    python bench/beacons.py                       # both databases
    python bench/beacons.py --rate 500 --backends sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.report import machine, write_section  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.analytics import roll_up  # noqa: E402
from storage.meetings import create_committee, create_meeting  # noqa: E402
from storage.models import Beacon, MeetingStatus, utcnow  # noqa: E402
from storage.settings import load_settings  # noqa: E402

TARGET_RATE = 1000
TARGET_P95_MS = 50
VIEWERS = 3000
CONNECTIONS = 200


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (gunicorn's workers, PostgreSQL's backends)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU time of the process trees under ``roots``, from /proc (children that exited included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in (p for root in roots for p in process_tree(root)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


@dataclass
class Phase:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def cpu_ms(self, which: str) -> float:
        return (self.server_cpu if which == "server" else self.client_cpu) / max(1, self.sent) * 1000

    def record(self, status: int, latency: float) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000 if len(self.latencies) > 1 else 0.0


class Viewers:
    """Round-robin over simulated viewers, each with its own session id and sequence numbers."""

    def __init__(self, meeting_id: int, count: int = VIEWERS):
        self.meeting_id = meeting_id
        self.sessions = [f"bench-{os.getpid()}-{n:06d}" for n in range(count)]
        self.seqs = [0] * count
        self.turn = 0

    def next_request(self, port: int) -> bytes:
        index = self.turn % len(self.sessions)
        self.turn += 1
        body = json.dumps({"meeting_id": self.meeting_id, "session_id": self.sessions[index],
                           "seq": self.seqs[index], "mode": "live", "position": 15.0 * (self.seqs[index] + 1),
                           "played": 15.0}).encode()
        self.seqs[index] += 1
        return (f"POST /api/v1/beacon HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _exchange(connection, request: bytes) -> int:
    reader, writer = connection
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _connect(port: int, count: int):
    """``count`` keep-alive connections, each from its own loopback address (one viewer network each)."""
    return [await asyncio.open_connection("127.0.0.1", port, local_addr=(f"127.0.{1 + n // 250}.{1 + n % 250}", 0))
            for n in range(count)]


async def closed_loop(port: int, make_request, seconds: float, connections: int) -> Phase:
    phase, pool = Phase(), await _connect(port, connections)
    deadline = time.perf_counter() + seconds

    async def worker(connection):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await _exchange(connection, make_request())
            phase.record(status, time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    phase.seconds = time.perf_counter() - started
    for _, writer in pool:
        writer.close()
    return phase


async def open_loop(port: int, make_request, rate: float, seconds: float, connections: int) -> Phase:
    """Beacons at a fixed rate, each viewer network keeping to its own connection (as a viewer's browser does), so
    one address never sends faster than its share even when the server catches up after a stall."""
    phase, pool = Phase(), await _connect(port, connections)
    queues: list[asyncio.Queue] = [asyncio.Queue() for _ in pool]

    async def worker(connection, due_times: asyncio.Queue):
        while (due := await due_times.get()) is not None:
            status = await _exchange(connection, make_request())
            phase.record(status, time.perf_counter() - due)

    workers = [asyncio.create_task(worker(c, q)) for c, q in zip(pool, queues)]
    started = time.perf_counter()
    for n in range(int(rate * seconds)):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queues[n % len(queues)].put_nowait(due)
    for due_times in queues:
        due_times.put_nowait(None)
    await asyncio.gather(*workers)
    phase.seconds = time.perf_counter() - started
    for _, writer in pool:
        writer.close()
    return phase


def measured(roots: list[int], phase_coroutine) -> Phase:
    """Run one phase, charging to it the CPU that the server processes and this load generator used."""
    server, client = cpu_seconds(roots), time.process_time()
    phase = asyncio.run(phase_coroutine)
    phase.server_cpu, phase.client_cpu = cpu_seconds(roots) - server, time.process_time() - client
    return phase


def backend_env(name: str, stack: ExitStack, folder: Path) -> tuple[dict[str, str], list[int]]:
    """The CHAMBER_* variables for the backend, and the database server's process (PostgreSQL), if any."""
    env = {"CHAMBER_DATA_DIR": str(folder), "CHAMBER_SECRET_KEY": "bench", "CHAMBER_LOG_LEVEL": "WARNING"}
    if name != "postgres":
        return env, []
    from servers import postgres_server

    server = stack.enter_context(postgres_server())
    env["CHAMBER_DATABASE_URL"] = server.url(server.create_database())
    return env, [int((server.datadir / "postmaster.pid").read_text().split()[0])]


def seed(env: dict[str, str]) -> tuple[object, int]:
    storage = open_storage(load_settings(env))
    storage.db.upgrade()
    with storage.db.session() as session:
        committee = create_committee(session, "Planning Committee")
        meeting = create_meeting(session, committee, "Benchmark meeting", datetime(2026, 11, 3, 18, 30), public=True)
        meeting.status = MeetingStatus.LIVE
        session.flush()
        return storage, meeting.id


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path):
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread", "--threads",
               str(threads), "--bind", f"127.0.0.1:{port}", "--keep-alive", "30", "--backlog", "2048",
               "archive_web.wsgi:app"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def count_beacons(storage) -> int:
    with storage.db.session() as session:
        return session.scalar(select(func.count(Beacon.id)))


def run_backend(name: str, args, folder: Path) -> dict:
    from servers import free_port

    with ExitStack() as stack:
        env, roots = backend_env(name, stack, folder)
        storage, meeting_id = seed(env)
        port = free_port()
        roots.append(stack.enter_context(gunicorn(env, port, args.workers, args.threads, folder / "gunicorn.log")))
        viewers = Viewers(meeting_id)
        peer_request = f"GET /api/v1/beacon HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        peer = measured(roots, closed_loop(port, lambda: peer_request, args.peer_seconds, args.connections))
        fastest = measured(roots, closed_loop(port, lambda: viewers.next_request(port), args.max_seconds,
                                              args.connections))
        sustained = measured(roots, open_loop(port, lambda: viewers.next_request(port), args.rate, args.seconds,
                                              args.connections))
        accepted = fastest.statuses.get(202, 0) + sustained.statuses.get(202, 0)
        stored = count_beacons(storage)
        # Every beacon of the run is complete two minutes later; time the rollup that the web processes would run.
        started = time.perf_counter()
        rolled = roll_up(storage.db.engine, now=utcnow() + timedelta(minutes=2))
        rollup_seconds = time.perf_counter() - started
        storage.close()
    return {"backend": name, "load": f"{os.getloadavg()[0]:.1f}", "peer": peer, "max": fastest,
            "sustained": sustained, "accepted": accepted, "stored": stored, "rolled": rolled,
            "rollup_rate": rolled / rollup_seconds if rollup_seconds else 0.0}


def _statuses(phase: Phase) -> str:
    return ", ".join(f"{status}: {count:,}" for status, count in sorted(phase.statuses.items()))


def report(results: list[dict], args) -> str:
    lines = [
        f"{args.workers} gunicorn gthread workers x {args.threads} threads, {args.connections} keep-alive connections "
        f"from distinct loopback addresses; load generator on the same machine ({machine()}). PostgreSQL is the "
        "test server (fsync off). Peer = the same server answering a request that does no work. Server CPU = CPU "
        "time of the gunicorn (and PostgreSQL) processes per request, which other load on the machine does not "
        "change; load avg = the machine's 1-minute load when the backend finished (2 = both cores busy).",
        "",
        "| backend | server CPU per beacon / per peer request | max beacons/s | peer req/s | server CPU per beacon "
        "| sustained rate | p50 | p95 | p99 | responses | accepted = stored | rollup | load avg | "
        "target (>= 1,000/s, p95 < 50 ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["sustained"]
        keeps_up = r["rollup_rate"] >= 3 * s.rate and r["rolled"] == r["stored"]
        rollup = f"{r['rolled']:,} at {r['rollup_rate']:,.0f}/s ({'keeps up' if keeps_up else 'FALLS BEHIND'})"
        met = (s.rate >= TARGET_RATE * 0.98 and s.percentile(95) < TARGET_P95_MS and r["accepted"] == r["stored"]
               and set(s.statuses) == {202} and keeps_up)
        latency = " | ".join(f"{s.percentile(q):.1f} ms" for q in (50, 95, 99))
        lines.append(
            f"| {r['backend']} | {s.cpu_ms('server') / r['peer'].cpu_ms('server'):.2f}x | {r['max'].rate:,.0f} "
            f"| {r['peer'].rate:,.0f} | {s.cpu_ms('server'):.2f} ms | {s.rate:,.0f}/s | {latency} | {_statuses(s)} "
            f"| {r['accepted']:,} / {r['stored']:,} | {rollup} | {r['load']} | {'met' if met else 'MISSED'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="sustained beacons per second")
    parser.add_argument("--seconds", type=float, default=15, help="length of the sustained phase")
    parser.add_argument("--max-seconds", type=float, default=8)
    parser.add_argument("--peer-seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="a beacon thread mostly waits for its batch")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    results = []
    for name in args.backends:
        with tempfile.TemporaryDirectory(prefix=f"chamber-bench-{name}-") as folder:
            print(f"{name}: peer {args.peer_seconds:.0f} s, max {args.max_seconds:.0f} s, "
                  f"sustained {args.seconds:.0f} s at {args.rate:,.0f}/s ...", flush=True)
            results.append(run_backend(name, args, Path(folder)))
    table = report(results, args)
    print(table)
    if not args.no_report:
        write_section("Beacon ingestion", table)


if __name__ == "__main__":
    main()
