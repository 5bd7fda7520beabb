"""Beacon ingestion: what is credited, what is refused, and that nothing a client sends causes a 500."""

from __future__ import annotations

import json

import pytest

from archive_web.analytics.figures import meeting_figures
from storage.models import Visibility

from audience import add_meeting, beacon, configure


def post(client, body, address="10.1.1.1", **kwargs):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/api/v1/beacon", data=data, content_type=kwargs.pop("content_type", "application/json"),
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_beacons_credit_real_time_and_replays_change_nothing(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage)
    first = post(client, beacon(meeting_id, seq=0, played=15))
    assert first.status_code == 202 and first.json["credited"] == 15
    clock.advance(15)
    assert post(client, beacon(meeting_id, seq=1, played=15)).json["credited"] == 15
    replay = post(client, beacon(meeting_id, seq=1, played=900))
    assert replay.status_code == 200 and replay.json["duplicate"] is True
    figures = meeting_figures(storage, meeting_id)
    assert figures["minutes_viewed"]["live"] == 0.5
    assert figures["people_tuned_in"] == {"live": 1, "on_demand": 0, "total": 1}


def test_inflated_claims_are_cut_to_wall_clock_time(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage)
    # A first beacon may cover one interval (15 s) plus 2 s of tolerance, however much it claims.
    assert post(client, beacon(meeting_id, seq=0, played=600)).json["credited"] == 17
    clock.advance(5)
    # 5 s later: at most those 5 s plus tolerance, and never more than the session's real-time budget.
    assert post(client, beacon(meeting_id, seq=1, played=15)).json["credited"] == 5
    credited = []
    for seq in range(2, 42):  # a forger sending a beacon every second, each claiming 15 s
        clock.advance(1)
        credited.append(post(client, beacon(meeting_id, seq=seq, played=15)).json["credited"])
    assert sum(credited) == pytest.approx(40, abs=0.01)  # 40 s of wall clock, 40 s credited
    total_seconds = meeting_figures(storage, meeting_id)["minutes_viewed"]["total"] * 60
    assert total_seconds <= 17 + 45 + 0.5


def test_private_draft_and_unknown_meetings_are_refused(analytics_app, storage):
    client = analytics_app.test_client()
    private = add_meeting(storage, "Staffing Sub-Committee", visibility=Visibility.PRIVATE)
    draft = add_meeting(storage, "Licensing", visibility=Visibility.DRAFT)
    for meeting_id in (private, draft, 987654):
        response = post(client, beacon(meeting_id))
        assert response.status_code == 404 and "No public meeting" in response.json["message"]
    assert meeting_figures(storage, private)["people_tuned_in"]["total"] == 0


def test_a_session_cannot_move_to_another_meeting_or_mode(analytics_app, storage):
    client = analytics_app.test_client()
    planning = add_meeting(storage)
    licensing = add_meeting(storage, "Licensing Committee")
    assert post(client, beacon(planning, seq=0)).status_code == 202
    assert post(client, beacon(licensing, seq=1)).status_code == 409
    assert post(client, beacon(planning, seq=2, mode="on_demand")).status_code == 409
    assert meeting_figures(storage, licensing)["minutes_viewed"]["total"] == 0


MALFORMED = [
    (b"", 400), (b"not json", 400), (b"[1, 2]", 400), (b'"text"', 400), (b"\xff\xfe", 400),
    (b"{" * 5000, 413), (json.dumps(beacon(1, note="x" * 3000)).encode(), 413),
    (b'{"meeting_id": 1, "session_id": "session-0001", "seq": 0, "mode": "live", "position": NaN, "played": 1}', 400),
    (b'{"meeting_id": 1, "session_id": "session-0001", "seq": 0, "mode": "live", "position": 1, "played": Infinity}',
     400),
    (json.dumps(beacon(1, played=-1)).encode(), 400),
    (json.dumps(beacon(1, played=1e9)).encode(), 400),
    (json.dumps(beacon(1, position="12")).encode(), 400),
    (json.dumps(beacon(1, seq=-1)).encode(), 400),
    (json.dumps(beacon(1, seq=1.5)).encode(), 400),
    (json.dumps(beacon(True)).encode(), 400),
    (json.dumps(beacon("1")).encode(), 400),
    (json.dumps(beacon(1, mode="vod")).encode(), 400),
    (json.dumps(beacon(1, session_id="short")).encode(), 400),
    (json.dumps(beacon(1, session_id="x" * 65)).encode(), 400),
    (json.dumps(beacon(1, session_id="<script>alert(1)</script>")).encode(), 400),
    (json.dumps(beacon(1, session_id=None)).encode(), 400),
    (json.dumps(beacon(2**40)).encode(), 400),
]


@pytest.mark.parametrize("body,status", MALFORMED)
def test_malformed_beacons_get_a_clear_4xx(sqlite_app, sqlite_storage, body, status):
    add_meeting(sqlite_storage)
    response = post(sqlite_app.test_client(), body, content_type="text/plain")
    assert response.status_code == status
    assert response.json["message"]


def test_other_methods_are_405(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/api/v1/beacon").status_code == 405
    assert client.put("/api/v1/beacon", data="{}").status_code == 405


def test_a_flood_from_one_address_gets_429_and_others_are_unaffected(sqlite_app, sqlite_storage):
    configure(sqlite_app, rate=1.0, burst=20)
    client = sqlite_app.test_client()
    meeting_id = add_meeting(sqlite_storage)
    statuses = [post(client, beacon(meeting_id, session_id=f"flood-{n:04d}"), address="203.0.113.9").status_code
                for n in range(40)]
    assert statuses[:20] == [202] * 20 and set(statuses[20:]) == {429}
    limited = post(client, beacon(meeting_id, session_id="flood-9999"), address="203.0.113.9")
    assert int(limited.headers["Retry-After"]) >= 1
    assert post(client, beacon(meeting_id, session_id="neighbour-01"), address="198.51.100.7").status_code == 202


def test_no_ip_address_is_stored(sqlite_app, sqlite_storage):
    client = sqlite_app.test_client()
    meeting_id = add_meeting(sqlite_storage)
    post(client, beacon(meeting_id), address="192.0.2.77")
    dump = "\n".join(sqlite_storage.db.engine.raw_connection().driver_connection.iterdump())
    assert "192.0.2.77" not in dump and "192.0.2" not in dump


def test_two_processes_racing_on_one_session_cannot_double_credit(storage, clock):
    """Two writers (as two web processes would have), many threads, the same sessions, inflated claims, one
    instant of wall clock: every beacon is stored once and each session gets only its first beacon's allowance."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.analytics.beacons import BeaconIn, PER_BEACON_MAX
    from storage.analytics.writer import BeaconWriter
    from storage.db import Database
    from storage.models import ViewMode, ViewerSession

    meeting_id = add_meeting(storage)
    second = Database(storage.settings.database_url)
    writers = [BeaconWriter(storage.db.engine), BeaconWriter(second.engine)]

    def send(n):
        beacon_in = BeaconIn(meeting_id, f"racer-{n % 5:04d}", n, ViewMode.LIVE, 10.0, 900.0)
        return writers[n % 2].record(beacon_in, clock.now).seconds

    try:
        with ThreadPoolExecutor(12) as pool:
            credited = list(pool.map(send, range(200)))
    finally:
        second.dispose()
    assert sum(credited) == pytest.approx(5 * PER_BEACON_MAX)
    with storage.db.session() as session:
        totals = [s.played_seconds for s in session.query(ViewerSession).filter_by(meeting_id=meeting_id)]
    assert totals == [pytest.approx(PER_BEACON_MAX)] * 5
