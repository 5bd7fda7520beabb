"""Rollups: the same figures before and after, however often and however many processes run them; raw beacons
can be deleted after their retention without changing any figure; yesterday's client keys become unlinkable."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select

from archive_web.analytics.figures import meeting_figures
from storage.analytics import DailySalt, DailySalts, maintain, roll_up
from storage.models import Beacon

from audience import add_meeting, beacon

CHAPTERS = [("1", "Apologies", 0.0), ("2", "Budget", 97.3)]


def _send_minutes(client, meeting_id, clock, minutes, viewers=6, first_step=0):
    for step in range(first_step, first_step + minutes * 4):
        clock.advance(15)
        for n in range(viewers if step % 8 < 6 else viewers // 2):  # some pause now and then
            body = beacon(meeting_id, session_id=f"viewer-{n:05d}", seq=step, position=15.0 * (step + 1), played=15)
            client.post("/api/v1/beacon", data=json.dumps(body), content_type="application/json",
                        environ_base={"REMOTE_ADDR": f"10.2.0.{n}"})


def test_rollups_running_concurrently_give_the_same_figures(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage, chapters=CHAPTERS)
    _send_minutes(client, meeting_id, clock, minutes=5)
    raw_only = meeting_figures(storage, meeting_id)
    assert raw_only["peak_concurrent"]["viewers"] == 6

    threads = [threading.Thread(target=roll_up, args=(storage.db.engine,), kwargs={"batch_size": 7}) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert roll_up(storage.db.engine) == 0
    assert meeting_figures(storage, meeting_id) == raw_only

    _send_minutes(client, meeting_id, clock, minutes=1, first_step=20)  # a new tail on top of the rollups
    with_tail = meeting_figures(storage, meeting_id)
    roll_up(storage.db.engine)
    assert meeting_figures(storage, meeting_id) == with_tail
    assert with_tail["minutes_viewed"]["total"] > raw_only["minutes_viewed"]["total"]


def test_raw_beacons_expire_without_changing_the_figures(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage, chapters=CHAPTERS)
    _send_minutes(client, meeting_id, clock, minutes=3)
    roll_up(storage.db.engine)
    figures = meeting_figures(storage, meeting_id)
    clock.advance(31 * 86400)
    done = maintain(storage.db.engine)
    assert done["purged_beacons"] > 0
    with storage.db.session() as session:
        assert session.scalar(select(func.count(Beacon.id))) == 0
    assert meeting_figures(storage, meeting_id) == figures


def test_client_keys_change_daily_and_old_salts_are_forgotten(sqlite_storage, clock):
    engine = sqlite_storage.db.engine
    today = DailySalts().client_key(engine, "192.0.2.1", "VLC/3.0")
    assert DailySalts().client_key(engine, "192.0.2.1", "VLC/3.0") == today  # every process agrees
    assert DailySalts().client_key(engine, "192.0.2.2", "VLC/3.0") != today
    clock.advance(86400)
    assert DailySalts().client_key(engine, "192.0.2.1", "VLC/3.0") != today
    maintain(engine)
    with sqlite_storage.db.session() as session:
        assert [salt.day for salt in session.scalars(select(DailySalt))] == [clock.now.date()]
