"""400 simulated viewers against the running app: the figures equal the known truth, and forged beacons change
nothing. Runs on both databases."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest

from archive_web.analytics.figures import meeting_figures
from storage.analytics import roll_up
from storage.models import Visibility

from audience import MEETING_START, add_meeting
from simulation import item_truth, live_pages, minute_truth, on_demand_pages

LENGTH = 900
CHAPTERS = [("1", "Apologies and declarations", 0.0), ("2", "Minutes of the last meeting", 121.7),
            ("3", "Bus lane on Station Road", 263.2), ("4", "Library opening hours", 618.4)]


def _post(client, body, address):
    return client.post("/api/v1/beacon", data=json.dumps(body), content_type="application/json",
                       environ_base={"REMOTE_ADDR": address})


def _audience(meeting_id):
    rng = random.Random(20261103)
    pages = live_pages(rng, 300, LENGTH) + on_demand_pages(rng, 100, LENGTH)
    # 30 long-watching live viewers run a doctored player that claims ten times what it played.
    steady = [p for p in pages
              if p.mode == "live" and len(p.plays) == 1 and p.played > 60 and 5 < p.plays[0][0] % 60 < 55]
    for page in steady[:30]:
        page.loaded, page.inflate = page.plays[0][0], 10.0
    sent = sorted(((arrival, body, page.address) for page in pages for arrival, body in page.beacons(rng, meeting_id)),
                  key=lambda entry: entry[0])
    return pages, sent


def test_figures_match_a_simulated_audience_and_resist_forgery(analytics_app, storage, clock):
    client = analytics_app.test_client()
    meeting_id = add_meeting(storage, chapters=CHAPTERS)
    other_id = add_meeting(storage, "Licensing Committee")
    private_id = add_meeting(storage, "Staffing Sub-Committee", visibility=Visibility.PRIVATE)
    pages, sent = _audience(meeting_id)
    assert len(pages) == 400

    for index, (arrival, body, address) in enumerate(sent):
        clock.now = MEETING_START + timedelta(seconds=arrival)
        assert _post(client, body, address).status_code == 202
        if index == len(sent) // 2:
            roll_up(storage.db.engine)  # a rollup mid-way; the newest beacons stay raw until the end

    live = [p for p in pages if p.mode == "live"]
    truth_people = {mode: sum(1 for p in pages if p.mode == mode and p.played >= 10) for mode in ("live", "on_demand")}
    truth_minutes = {mode: sum(p.played for p in pages if p.mode == mode) / 60 for mode in ("live", "on_demand")}
    per_minute = minute_truth(pages, "live")
    peak_minute = min(per_minute, key=lambda m: (-per_minute[m], m))
    items = item_truth(pages, [start for _, _, start in CHAPTERS])

    def check(figures):
        assert figures["people_tuned_in"] == {**truth_people, "total": sum(truth_people.values())}
        for mode, minutes in truth_minutes.items():
            assert figures["minutes_viewed"][mode] == pytest.approx(minutes, rel=0.01)
        assert figures["minutes_viewed"]["total"] == pytest.approx(sum(truth_minutes.values()), rel=0.01)
        reported = {row["minute"]: row["live"] for row in figures["concurrent_per_minute"] if row["live"]}
        expected = {(MEETING_START + timedelta(minutes=m)).isoformat(timespec="minutes"): n
                    for m, n in per_minute.items()}
        assert reported == expected
        assert figures["peak_concurrent"] == {
            "viewers": per_minute[peak_minute],
            "at": (MEETING_START + timedelta(minutes=peak_minute)).isoformat(timespec="minutes")}
        by_item = [row for row in figures["per_item"] if row["agenda_item_id"]]
        assert [row["item"].split(".")[0] for row in by_item] == ["1", "2", "3", "4"]
        for row, seconds in zip(by_item, items):
            assert row["minutes_viewed"] == pytest.approx(seconds / 60, rel=0.01)
        return figures

    before_rollup = check(meeting_figures(storage, meeting_id))
    assert roll_up(storage.db.engine) > 0
    after_rollup = check(meeting_figures(storage, meeting_id))
    assert after_rollup == before_rollup
    assert len(live) == 300 and before_rollup["on_demand_by_day"]

    rng = random.Random(7)
    for arrival, body, address in rng.sample(sent, 300):  # replays, some with played inflated
        forged = {**body, "played": body["played"] * rng.choice((1, 20))}
        assert _post(client, forged, address).json["duplicate"] is True
    for arrival, body, address in rng.sample(sent, 50):  # a known session sent to other meetings
        assert _post(client, {**body, "meeting_id": other_id, "seq": 9999}, address).status_code == 409
        assert _post(client, {**body, "meeting_id": private_id, "seq": 9999}, address).status_code == 404
    roll_up(storage.db.engine)
    assert meeting_figures(storage, meeting_id) == after_rollup
    assert meeting_figures(storage, other_id)["minutes_viewed"]["total"] == 0
    assert meeting_figures(storage, private_id)["people_tuned_in"]["total"] == 0
