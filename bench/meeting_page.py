"""Meeting page benchmark: the public page of a 3-hour meeting (about 2,500 transcript segments, 15 agenda items,
papers, captions, VOD and MP4) served by ``waitress`` over HTTP, as ``chamber web`` serves it.

Peer, in the same run: the very same HTML bytes served as a static response by the same server (a plain WSGI
app), so the ratio is the cost of reading the meeting from the database and rendering it, over the cost of
moving the page. Target: p95 under 100 ms on 2 cores, on the embedded backend (SQLite + local folder).

    python bench/meeting_page.py               # 2,500 segments, 300 requests each
    python bench/meeting_page.py --requests 50 --no-report
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.report import machine, write_section  # noqa: E402
from servers import free_port  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.meetings import create_committee, create_meeting  # noqa: E402
from storage.models import AgendaItem, Document, MeetingStatus, Transcript, TranscriptSegment, utcnow  # noqa: E402
from storage.settings import load_settings  # noqa: E402

TARGET_P95_MS = 100
MEETING_SECONDS = 3 * 3600
SPEAKERS = ["Chair", "Councillor Patel", "Councillor Jones", "Planning officer", None, None]
SENTENCE = ("the committee heard that the proposed bus lane on the high street would run from seven until ten "
            "in the morning and residents had raised concerns about parking and deliveries").split()


def build_meeting(storage, segments: int) -> int:
    """A finished 3-hour meeting with everything its page shows, written through the storage API."""
    with storage.db.session() as session:
        committee = create_committee(session, "Planning Committee")
        meeting = create_meeting(session, committee, "Planning Committee", utcnow() - timedelta(days=1),
                                 public=True, location="Council Chamber, Town Hall")
        meeting.status, meeting.duration_seconds = MeetingStatus.READY, float(MEETING_SECONDS)
        for n in range(15):
            item = AgendaItem(position=n, number=str(n + 1), title=f"Agenda item {n + 1}: planning application",
                              start_seconds=n * MEETING_SECONDS / 15)
            meeting.agenda_items.append(item)
            if n % 4 == 0:
                session.flush()
                key = f"meetings/{meeting.id}/documents/item-{n + 1}.pdf"
                storage.blobs.put_bytes(key, b"%PDF-1.4")
                session.add(Document(meeting_id=meeting.id, agenda_item_id=item.id, title=f"Report for item {n + 1}",
                                     filename=f"item-{n + 1}.pdf", content_type="application/pdf", size_bytes=8,
                                     blob_key=key))
        transcript = Transcript(meeting=meeting, model="tiny.en", status="ready", progress=1.0, completed_at=utcnow())
        session.add(transcript)
        session.flush()
        step = MEETING_SECONDS / segments
        for i in range(segments):
            words = SENTENCE[i % 7: i % 7 + 14]
            start = i * step
            session.add(TranscriptSegment(
                transcript_id=transcript.id, meeting_id=meeting.id, position=i, start=start, end=start + step,
                text=" ".join(words).capitalize() + ".", speaker=SPEAKERS[i % len(SPEAKERS)], corrected=i % 50 == 0,
                words=[{"start": start + k * step / len(words), "end": start + (k + 1) * step / len(words), "word": w}
                       for k, w in enumerate(words)]))
        meeting_id = meeting.id
    for key in ("vod/index.m3u8", "media/meeting.mp4", *(f"captions/transcript.{f}" for f in ("vtt", "srt", "txt",
                                                                                             "json"))):
        storage.blobs.put_bytes(f"meetings/{meeting_id}/{key}", b"placeholder")
    return meeting_id


def serve(app, port: int) -> None:
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=port, threads=4, ident="bench")
    threading.Thread(target=server.run, daemon=True).start()
    return server


def measure(port: int, path: str, requests: int, warmup: int = 20, before=lambda: None) -> tuple[list[float], int]:
    """Sequential requests on one keep-alive connection, as one visitor's browser would; milliseconds each."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings, size = [], 0
    for n in range(warmup + requests):
        before()
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        if n >= warmup:
            timings.append(elapsed)
        size = len(body)
    connection.close()
    return timings, size


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=2500)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--no-report", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = parser.parse_args()

    from archive_web import create_app
    from archive_web.public.transcript import forget_rendered

    with tempfile.TemporaryDirectory(prefix="chamber-bench-page-") as folder:
        storage = open_storage(load_settings({"CHAMBER_DATA_DIR": folder, "CHAMBER_SECRET_KEY": "bench"}))
        storage.db.upgrade()
        meeting_id = build_meeting(storage, args.segments)
        app = create_app(storage=storage)
        ours_port, peer_port = free_port(), free_port()
        servers = [serve(app, ours_port)]
        page = app.test_client().get(f"/meetings/{meeting_id}").data

        def static_page(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(page)))])
            return [page]

        servers.append(serve(static_page, peer_port))
        ours, size = measure(ours_port, f"/meetings/{meeting_id}", args.requests)
        # The first view after a correction or a new transcript renders all segments again.
        uncached, _ = measure(ours_port, f"/meetings/{meeting_id}", max(20, args.requests // 5), warmup=2,
                              before=forget_rendered)
        peer, _ = measure(peer_port, "/", args.requests)
        for server in servers:
            server.close()
        storage.close()

    p95, peer_p95 = percentile(ours, 95), percentile(peer, 95)
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    report = "\n".join([
        f"Meeting page of a 3-hour meeting ({args.segments:,} transcript segments, {size / 1024:.0f} KB of HTML), "
        f"{args.requests} sequential requests over HTTP to waitress; peer: the same bytes served as a static "
        "response by the same server.",
        "",
        "| | ratio to peer (p95) | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
        f"| Chamber `/meetings/<id>` | {p95 / peer_p95:.1f}x | {statistics.median(ours):.1f} | {p95:.1f} | "
        f"{percentile(ours, 99):.1f} |",
        f"| the same, transcript re-rendered each time | {percentile(uncached, 95) / peer_p95:.1f}x | "
        f"{statistics.median(uncached):.1f} | {percentile(uncached, 95):.1f} | {percentile(uncached, 99):.1f} |",
        f"| static peer | 1.0x | {statistics.median(peer):.1f} | {peer_p95:.1f} | {percentile(peer, 99):.1f} |",
        "",
        f"Target p95 < {TARGET_P95_MS} ms: {verdict} ({p95:.1f} ms). Machine: {machine()}, load average "
        f"{os.getloadavg()[0]:.1f} during the run (the machine is shared).",
    ])
    print(report)
    if not args.no_report:
        write_section("Meeting page", report)
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
