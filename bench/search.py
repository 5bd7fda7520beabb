"""Search benchmark: a synthetic archive of council meetings on SQLite and on PostgreSQL, then a fixed mix of 200
queries through the real ``/search`` page (grouped results, snippets and HTML rendered).

The archive: N meetings (default 1,000) of 2 hours each, a 10-second transcript segment of ~25 words every 10 s,
about 18,000 words a meeting. Words are drawn with Zipf frequencies from a vocabulary of function words, council
words and a long tail of names, with common council phrases ("bus lane") spoken now and then; 90% of meetings
public. Peer, in the same run: the plain full-text query over segments (FTS5 ``MATCH ... ORDER BY rank LIMIT 20``;
PostgreSQL ``tsv @@ q ORDER BY ts_rank_cd LIMIT 20``): ranking only, no grouping by meeting, no snippets, no page.

    python bench/search.py                    # 1,000 meetings, both databases
    python bench/search.py --meetings 50      # a quick run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import insert, text
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.report import machine, write_section  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.models import AgendaItem, Committee, Meeting, Transcript, TranscriptSegment, Visibility  # noqa: E402
from storage.search.query import parse_query, to_fts5, to_tsquery  # noqa: E402
from storage.settings import load_settings  # noqa: E402

SEGMENT_SECONDS = 10
WORDS_PER_SEGMENT = 25
MEETING_SECONDS = 2 * 3600
TARGET_P95_MS = 50

FUNCTION_WORDS = """the of and to a in that is it for we this on be as with are have i you not at was will by
but so there they which from an our all can if would or has been do its what one about more also just very
these their them he she me my no up out now here then there's think going like""".split()
COUNCIL_WORDS = """council councillor chair committee planning application officer report member members item
agenda motion amendment vote resolution budget housing affordable development site street road traffic bus lane
cycle parking school schools library libraries park residents resident consultation policy proposal proposals
decision decisions approve approved refuse refused objection objections condition conditions permission
highways transport safety community communities funding grant cost costs savings revenue capital tax rates
service services care adult social children family families health waste recycling collection bins environment
climate emissions carbon energy flood drainage river bridge pedestrian crossing junction footpath trees green
space open land building buildings design height density homes dwellings flats tenants landlord rent repairs
maintenance contract contractor procurement tender scrutiny audit risk governance legal monitoring officer's
minutes previous meeting declaration interest interests public question questions petition petitions ward wards
town centre high market shops business businesses economy jobs employment skills training youth older people
equality disability access accessible transport station rail train noise licence licensing premises alcohol
hours event events festival leisure centre pool sports pitch allotment cemetery heritage conservation listed
archaeology museum arts culture tourism visitors car park charges enforcement fines speed limit camera schedule
timetable report's recommendation recommendations section paragraph appendix table figure percent million
thousand pounds year years month months quarter forecast overspend underspend reserves borrowing interest
inflation pay staff staffing vacancy vacancies recruitment agency sickness pension performance target targets
indicator indicators delivery programme project projects phase scheme schemes options option appraisal
assessment impact evidence data survey responses engagement partners partnership police fire ambulance nhs
hospital doctor surgery pharmacy dentist school's pupils teachers education special needs transport
""".split()
PHRASES = ["bus lane", "planning application", "section 106", "affordable housing", "air quality",
           "climate emergency", "car park", "town centre", "listed building", "conservation area",
           "council tax", "social care", "planning permission", "speed limit", "school transport",
           "flood risk", "green belt", "waste collection", "public question", "declaration of interest",
           "cycle lane", "road safety", "housing revenue account", "local plan", "high street",
           "traffic regulation order", "tree preservation order", "capital programme", "youth services",
           "pedestrian crossing"]
SYLLABLES = "ash bel bry cal dun elm far gil han hol ken lan mar nor orm pen ros sal tor wes wick ford ton ley " \
            "bury ham stow field worth by".split()
COMMITTEES = ["Planning", "Cabinet", "Full Council", "Licensing", "Scrutiny", "Transport", "Housing",
              "Audit and Governance"]


def vocabulary(rng: np.random.Generator) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """Council words, rare names, and all words in rank order with Zipf (s = 1.07) probabilities: function words
    first, council words next, the names last."""
    function = list(dict.fromkeys(FUNCTION_WORDS))
    council = sorted(set(COUNCIL_WORDS) - set(function))
    rng.shuffle(council)
    tail = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "e", "ton", "ham")} - set(council))
    rng.shuffle(tail)
    tail = tail[:12000]
    words = function + council + tail
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.07
    return council, tail, words, weights / weights.sum()


class Archive:
    """Generates the meetings deterministically (same seed, same archive, same queries)."""

    def __init__(self, meetings: int, seed: int = 2026):
        self.rng = np.random.default_rng(seed)
        self.council, self.tail, self.words, self.p = vocabulary(self.rng)
        self.meetings = meetings
        self.first_day = datetime(2016, 1, 4, 18, 0)

    def segment_texts(self) -> list[str]:
        count = MEETING_SECONDS // SEGMENT_SECONDS
        drawn = self.rng.choice(len(self.words), size=(count, WORDS_PER_SEGMENT), p=self.p)
        texts = []
        for row, phrase_roll, phrase_pick in zip(drawn, self.rng.random(count),
                                                 self.rng.integers(0, len(PHRASES), count)):
            words = [self.words[i] for i in row]
            if phrase_roll < 0.08:
                at = int(phrase_roll * 100) % (WORDS_PER_SEGMENT - 4)
                words[at:at + 3] = PHRASES[phrase_pick].split()
            texts.append(" ".join(words).capitalize() + ".")
        return texts

    def load(self, storage) -> int:
        """Write committees, meetings, transcripts and agendas the way the app stores them; returns segments."""
        segments = 0
        with storage.db.session() as session:
            committees = []
            for name in COMMITTEES:
                committee = Committee(name=name, slug=name.lower().replace(" ", "-"))
                session.add(committee)
                committees.append(committee)
            session.flush()
            committee_ids = [c.id for c in committees]
        for index in tqdm(range(self.meetings), desc="generate + load", unit="meeting", leave=False):
            roll = self.rng.random()
            visibility = Visibility.PUBLIC if roll < 0.9 else Visibility.PRIVATE if roll < 0.95 else Visibility.DRAFT
            with storage.db.session() as session:
                meeting_id = session.execute(insert(Meeting).values(
                    committee_id=committee_ids[index % len(committee_ids)], title=f"Meeting {index + 1}",
                    scheduled_start=self.first_day + timedelta(days=3 * index + int(self.rng.integers(0, 3))),
                    visibility=visibility, agenda_published=True, status="ready").returning(Meeting.id)).scalar_one()
                transcript_id = session.execute(insert(Transcript).values(meeting_id=meeting_id, status="ready")
                                                .returning(Transcript.id)).scalar_one()
                texts = self.segment_texts()
                session.execute(insert(TranscriptSegment), [
                    {"transcript_id": transcript_id, "meeting_id": meeting_id, "position": i,
                     "start": float(i * SEGMENT_SECONDS), "end": float((i + 1) * SEGMENT_SECONDS), "text": t,
                     "speaker": f"Councillor {self.tail[i % 40].title()}", "words": []}
                    for i, t in enumerate(texts)])
                session.execute(insert(AgendaItem), [
                    {"meeting_id": meeting_id, "position": i, "number": str(i + 1),
                     "title": f"{PHRASES[int(self.rng.integers(0, len(PHRASES)))].title()} "
                              f"{self.council[int(self.rng.integers(0, len(self.council)))]}",
                     "description": " ".join(self.council[int(j)] for j in self.rng.integers(0, len(self.council), 12)),
                     "start_seconds": float(i * 900)} for i in range(8)])
                segments += len(texts)
        return segments

    def queries(self, count: int = 200) -> list[dict[str, str]]:
        """The fixed mix: single words, rare words, phrases, several words, filters, exclusion and OR."""
        rng = np.random.default_rng(7)
        pick = lambda seq: seq[int(rng.integers(0, len(seq)))]  # noqa: E731
        mid = self.council[20:]
        rare = self.tail[2000:]
        day = lambda: (self.first_day + timedelta(days=int(rng.integers(0, 3 * self.meetings)))).date()  # noqa: E731
        mix: list[dict[str, str]] = []
        mix += [{"q": pick(mid)} for _ in range(50)]
        mix += [{"q": pick(rare)} for _ in range(40)]
        mix += [{"q": f'"{pick(PHRASES)}"'} for _ in range(35)]
        mix += [{"q": f"{pick(mid)} {pick(mid)}"} for _ in range(25)]
        mix += [{"q": pick(PHRASES)} for _ in range(10)]
        for _ in range(20):
            start = day()
            mix.append({"q": pick(mid), "committee": pick(COMMITTEES).lower().replace(" ", "-"),
                        "from": start.isoformat(), "to": (start + timedelta(days=365)).isoformat()})
        mix += [{"q": f"{pick(mid)} -{pick(mid)}"} for _ in range(10)]
        mix += [{"q": f"{pick(rare)} OR {pick(rare)}", "sort": "date"} for _ in range(10)]
        return mix[:count]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def peer_statement(dialect: str):
    if dialect == "sqlite":
        return text("SELECT rowid FROM search_entries_fts WHERE search_entries_fts MATCH :q ORDER BY rank LIMIT 20")
    return text("SELECT id FROM search_entries, to_tsquery('english', :q) q WHERE tsv @@ q "
                "ORDER BY ts_rank_cd(tsv, q) DESC LIMIT 20")


def run_backend(name: str, environ: dict[str, str], archive: Archive, queries: list[dict[str, str]]) -> dict:
    from archive_web import create_app

    storage = open_storage(load_settings(environ))
    storage.db.upgrade()
    started = time.perf_counter()
    segments = archive.load(storage)
    load_s = time.perf_counter() - started

    with storage.db.session() as session:
        meeting_ids = list(session.scalars(text("SELECT id FROM meetings ORDER BY id")))
    started = time.perf_counter()
    batch = 20
    for first in tqdm(range(0, len(meeting_ids), batch), desc=f"{name}: index", unit="batch", leave=False):
        with storage.db.session() as session:
            for meeting_id in meeting_ids[first:first + batch]:
                storage.search.index_meeting(session, meeting_id)
    with storage.db.session() as session:
        storage.search.optimize(session)
    index_s = time.perf_counter() - started

    client = create_app(storage=storage).test_client()
    peer_sql = peer_statement(storage.db.dialect)
    # A live archive's pages are in memory; a first pass reads them from disk.
    measure(client, storage, peer_sql, queries, f"{name}: warm-up")
    ours, peer = measure(client, storage, peer_sql, queries, f"{name}: queries")
    storage.close()
    return {"backend": name, "segments": segments, "load_s": load_s, "index_s": index_s, "ours": ours,
            "peer": peer}


def measure(client, storage, peer_sql, queries: list[dict[str, str]], label: str):
    """Milliseconds for each query: the whole /search page, and the peer statement."""
    ours, peer = [], []
    for params in tqdm(queries, desc=label, leave=False):
        started = time.perf_counter()
        response = client.get("/search?" + urlencode(params))
        ours.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (params, response.status_code)
        parsed = parse_query(params["q"])
        rendered = to_fts5(parsed) if storage.db.dialect == "sqlite" else to_tsquery(parsed)
        with storage.db.session() as session:
            started = time.perf_counter()
            session.execute(peer_sql, {"q": rendered}).all()
            peer.append((time.perf_counter() - started) * 1000)
    return ours, peer


def table(results: list[dict], meetings: int) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [f"{meetings:,} meetings x 2 h ({results[0]['segments']:,} segments, "
             f"~{results[0]['segments'] * WORDS_PER_SEGMENT / 1e6:.1f} M words), 200 queries after one warm-up pass; machine: {machine()}, "
             f"load average at the end {load}.",
             "Ours = GET /search (match + rank meetings, best 3 hits each with snippets, HTML page rendered). "
             "Peer = raw segment-level full-text query ranked top 20, no grouping, no snippets, no page.", "",
             "| backend | p95 ours / peer | p50 ours | p95 ours | p99 ours | p50 peer | p95 peer | p99 peer "
             "| index build (incl. optimize) | data load | target p95 < 50 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ours, peer = r["ours"], r["peer"]
        p95 = percentile(ours, 95)
        lines.append(
            f"| {r['backend']} | {p95 / max(percentile(peer, 95), 1e-9):.2f}x | {percentile(ours, 50):.1f} ms "
            f"| {p95:.1f} ms | {percentile(ours, 99):.1f} ms | {percentile(peer, 50):.1f} ms "
            f"| {percentile(peer, 95):.1f} ms | {percentile(peer, 99):.1f} ms | {r['index_s']:.0f} s "
            f"| {r['load_s']:.0f} s | {'met' if p95 < TARGET_P95_MS else 'MISSED'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-report", action="store_true", help="print only; do not update docs/benchmarks.md")
    args = parser.parse_args(argv)

    results = []
    with ExitStack() as stack:
        for backend in args.backends.split(","):
            archive = Archive(args.meetings)
            queries = archive.queries(args.queries)
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chamber-bench-search-")))
            environ = {"CHAMBER_DATA_DIR": str(data_dir), "CHAMBER_SECRET_KEY": "bench"}
            if backend == "postgres":
                from servers import postgres_server

                pg = stack.enter_context(postgres_server())
                environ["CHAMBER_DATABASE_URL"] = pg.url(pg.create_database())
            results.append(run_backend(backend, environ, archive, queries))
            print(table(results, args.meetings), flush=True)
    report = table(results, args.meetings)
    print(report)
    if not args.no_report:
        write_section("Search", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
