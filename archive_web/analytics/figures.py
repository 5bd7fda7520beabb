"""The audience figures a council quotes, per meeting and over a period, and the sentences that say them.

Definitions (the same on every page, CSV and ``chamber stats``):

- *people tuned in*: page views (sessions) that played at least ``PERSON_MIN_SECONDS`` seconds;
- *minutes viewed*: all credited playing time of every session, divided by 60;
- *concurrent viewers* in a minute: sessions that played during that minute; the *peak* is the live minute with
  the most;
- *average watch time*: minutes viewed by the people tuned in, divided by their number;
- *per agenda item*: playing time split over the media positions it covered, cut at the chapter start times;
- *players without JavaScript*: clients that fetched segments but never sent a beacon, counted per day.

People and minutes come from the per-session totals (always current). Per-minute and per-position figures come
from rollups, plus the raw beacons that are not rolled up yet, read in one snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import case, false, func, select

from storage.analytics import clock
from storage.analytics.beacons import BEACON_INTERVAL_SECONDS, TOLERANCE_SECONDS
from storage.analytics.models import POSITION_BUCKET_SECONDS, MediaClient, ViewPosition
from storage.analytics.rollup import (BEACON_SPAN, beacons_covering, minute_of, minutes_from_beacons, read_snapshot,
                                      split_by_position)
from storage.meetings import RecordError
from storage.models import AgendaItem, Beacon, Committee, Meeting, ViewerSession, ViewMinute, ViewMode

PERSON_MIN_SECONDS = 10
MINUTE_DIGITS = 2  # minutes to 0.01 (0.6 s): fine enough to check against a stopwatch
MODES = (ViewMode.LIVE, ViewMode.ON_DEMAND)
WATCHING_NOW_SECONDS = 2 * BEACON_INTERVAL_SECONDS + TOLERANCE_SECONDS
BEFORE_FIRST_ITEM = "Before the first agenda item"


def _by_mode(values: dict[ViewMode, float], digits: int | None = None) -> dict[str, float]:
    out = {mode.value: values.get(mode, 0) for mode in MODES}
    out["total"] = sum(out.values())
    return {key: round(value, digits) if digits is not None else value for key, value in out.items()}


def _session_totals(conn, meeting_ids) -> dict[int, dict[ViewMode, tuple[int, float, float]]]:
    """Per meeting and mode: (people tuned in, seconds played by everyone, seconds played by those people)."""
    counted = ViewerSession.played_seconds >= PERSON_MIN_SECONDS
    rows = conn.execute(
        select(ViewerSession.meeting_id, ViewerSession.mode, func.sum(case((counted, 1), else_=0)),
               func.sum(ViewerSession.played_seconds),
               func.sum(case((counted, ViewerSession.played_seconds), else_=0.0)))
        .where(ViewerSession.meeting_id.in_(meeting_ids))
        .group_by(ViewerSession.meeting_id, ViewerSession.mode)).all()
    totals: dict[int, dict] = defaultdict(dict)
    for meeting_id, mode, people, seconds, people_seconds in rows:
        totals[meeting_id][ViewMode(mode)] = (int(people or 0), float(seconds or 0), float(people_seconds or 0))
    return totals


def _people_and_minutes(totals: dict[ViewMode, tuple[int, float, float]]) -> dict:
    people = {mode: value[0] for mode, value in totals.items()}
    minutes = {mode: value[1] / 60 for mode, value in totals.items()}
    average = {}
    for mode in MODES:
        count, _, seconds = totals.get(mode, (0, 0.0, 0.0))
        average[mode.value] = round(seconds / 60 / count, 1) if count else 0.0
    all_people = sum(people.values())
    all_seconds = sum(value[2] for value in totals.values())
    average["total"] = round(all_seconds / 60 / all_people, 1) if all_people else 0.0
    return {"people_tuned_in": _by_mode(people), "minutes_viewed": _by_mode(minutes, MINUTE_DIGITS),
            "average_watch_minutes": average}


def _minute_series(conn, meeting_id: int) -> list[dict]:
    """Viewers and minutes per wall-clock minute: rollups, with the minutes the raw tail can touch recomputed."""
    pending = conn.scalar(select(func.min(Beacon.received_at))
                          .where(Beacon.meeting_id == meeting_id, Beacon.rolled_up == false()))
    stale_from = minute_of(pending - BEACON_SPAN) if pending else None
    query = select(ViewMinute.minute, ViewMinute.mode, ViewMinute.viewers, ViewMinute.played_seconds).where(
        ViewMinute.meeting_id == meeting_id)
    if stale_from:
        query = query.where(ViewMinute.minute < stale_from)
    series: dict[datetime, dict] = defaultdict(lambda: {"live": 0, "on_demand": 0, "live_minutes": 0.0,
                                                        "on_demand_minutes": 0.0})
    cells = [(row.minute, ViewMode(row.mode), row.viewers, row.played_seconds) for row in conn.execute(query)]
    if stale_from:
        fresh = minutes_from_beacons(beacons_covering(conn, meeting_id, stale_from), since=stale_from)
        cells += [(minute, mode, value.viewers, value.played_seconds) for (minute, mode), value in fresh.items()]
    for minute, mode, viewers, seconds in cells:
        series[minute][mode.value] = viewers
        series[minute][f"{mode.value}_minutes"] = round(seconds / 60, MINUTE_DIGITS)
    return [{"minute": minute.isoformat(timespec="minutes"), **series[minute]} for minute in sorted(series)]


def _position_seconds(conn, meeting_id: int) -> dict[int, float]:
    """Seconds viewed per 5-second bucket of media time (all modes): rollups plus the raw tail."""
    buckets: dict[int, float] = defaultdict(float)
    for bucket, seconds in conn.execute(
            select(ViewPosition.bucket, func.sum(ViewPosition.played_seconds))
            .where(ViewPosition.meeting_id == meeting_id).group_by(ViewPosition.bucket)):
        buckets[bucket] += seconds
    for position, played in conn.execute(select(Beacon.position, Beacon.played).where(
            Beacon.meeting_id == meeting_id, Beacon.rolled_up == false())):
        for bucket, seconds in split_by_position(position, played):
            buckets[bucket] += seconds
    return buckets


def item_label(item: AgendaItem) -> str:
    return f"{item.number}. {item.title}" if item.number else item.title


def _per_item(items: list[AgendaItem], buckets: dict[int, float]) -> list[dict]:
    """Cut the position buckets at the chapter starts; a bucket straddling a start is shared in proportion."""
    chapters = sorted((item for item in items if item.start_seconds is not None), key=lambda i: i.start_seconds)
    if not chapters:
        return []
    starts = [item.start_seconds for item in chapters]
    bounds = [(0.0, starts[0], BEFORE_FIRST_ITEM, None)] + [
        (start, starts[i + 1] if i + 1 < len(starts) else float("inf"), item_label(item), item)
        for i, (start, item) in enumerate(zip(starts, chapters))]
    seconds = [0.0] * len(bounds)
    for bucket, viewed in buckets.items():
        end = bucket + POSITION_BUCKET_SECONDS
        for index, (low, high, _, _) in enumerate(bounds):
            overlap = min(end, high) - max(bucket, low)
            if overlap > 0:
                seconds[index] += viewed * overlap / POSITION_BUCKET_SECONDS
    return [{"item": label, "agenda_item_id": item.id if item else None,
             "start_seconds": low, "minutes_viewed": round(value / 60, MINUTE_DIGITS)}
            for (low, _, label, item), value in zip(bounds, seconds) if item is not None or value > 0]


def _on_demand_by_day(conn, meeting_id: int) -> list[dict]:
    days: dict[date, list] = defaultdict(lambda: [0, 0.0])
    for first_seen, played in conn.execute(select(ViewerSession.first_seen, ViewerSession.played_seconds).where(
            ViewerSession.meeting_id == meeting_id, ViewerSession.mode == ViewMode.ON_DEMAND)):
        day = days[first_seen.date()]
        day[0] += played >= PERSON_MIN_SECONDS
        day[1] += played
    return [{"date": day.isoformat(), "views": views, "minutes_viewed": round(seconds / 60, MINUTE_DIGITS)}
            for day, (views, seconds) in sorted(days.items())]


def _non_js_clients(conn, meeting_id: int, segment_seconds: int) -> dict:
    rows = conn.execute(select(MediaClient.day, MediaClient.client_key, MediaClient.mode, MediaClient.segments,
                               MediaClient.player).where(MediaClient.meeting_id == meeting_id)).all()
    players = {(row.day, row.client_key) for row in rows if row.player}
    clients: dict[str, set] = {mode.value: set() for mode in MODES}
    segments = 0
    for row in rows:
        if (row.day, row.client_key) not in players and row.segments > 0:
            clients[ViewMode(row.mode).value].add((row.day, row.client_key))
            segments += row.segments
    return {"clients": len(clients["live"] | clients["on_demand"]), "live": len(clients["live"]),
            "on_demand": len(clients["on_demand"]),
            "minutes_estimated": round(segments * segment_seconds / 60, 1)}


def _meeting_or_error(session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise RecordError(f"There is no meeting {meeting_id}; list meetings on the staff pages or with the JSON API.")
    return meeting


def meeting_figures(storage, meeting_id: int) -> dict:
    """Everything known about one meeting's audience, in the shape ``chamber stats --json`` prints."""
    with storage.db.session() as session:
        meeting = _meeting_or_error(session, meeting_id)
        header = {"id": meeting.id, "title": meeting.title, "committee": meeting.committee.name,
                  "date": meeting.scheduled_start.date().isoformat(), "live": meeting.is_live}
        items = list(meeting.agenda_items)
    with read_snapshot(storage.db.engine) as conn:
        totals = _session_totals(conn, [meeting_id]).get(meeting_id, {})
        series = _minute_series(conn, meeting_id)
        buckets = _position_seconds(conn, meeting_id)
        by_day = _on_demand_by_day(conn, meeting_id)
        non_js = _non_js_clients(conn, meeting_id, storage.settings.hls_segment_seconds)
    people = _people_and_minutes(totals)
    peak = max(series, key=lambda row: row["live"], default=None)
    return {
        "meeting": header,
        "people_tuned_in": people["people_tuned_in"],
        "minutes_viewed": people["minutes_viewed"],
        "peak_concurrent": {"viewers": peak["live"] if peak else 0,
                            "at": peak["minute"] if peak and peak["live"] else None},
        "per_item": _per_item(items, buckets),
        "average_watch_minutes": people["average_watch_minutes"],
        "concurrent_per_minute": series,
        "on_demand_by_day": by_day,
        "clients_without_javascript": non_js,
    }


def current_viewers(storage, meeting_id: int) -> int:
    """Live sessions that sent a beacon within the last two beacon intervals: watching right now."""
    since = clock.now() - timedelta(seconds=WATCHING_NOW_SECONDS)
    with storage.db.session() as session:
        return session.scalar(select(func.count(ViewerSession.id)).where(
            ViewerSession.meeting_id == meeting_id, ViewerSession.mode == ViewMode.LIVE,
            ViewerSession.last_seen >= since)) or 0


def public_view_count(storage, meeting_id: int) -> int | None:
    """People tuned in, for a public "N people watched" line; None when the council has not switched it on
    (``CHAMBER_SHOW_PUBLIC_VIEW_COUNTS``) or the meeting is not public."""
    from storage.visibility import publicly_visible

    if not storage.settings.show_public_view_counts:
        return None
    with storage.db.session() as session:
        if not publicly_visible(session.get(Meeting, meeting_id)):
            return None
        return session.scalar(select(func.count(ViewerSession.id)).where(
            ViewerSession.meeting_id == meeting_id, ViewerSession.played_seconds >= PERSON_MIN_SECONDS)) or 0


def period_figures(storage, start: date | None = None, end: date | None = None,
                   committee_id: int | None = None) -> dict:
    """Figures for the meetings held in a date range (inclusive), per meeting and per committee and month.

    Viewing is counted under the meeting's own date, including on-demand viewing that happened later.
    """
    query = select(Meeting.id, Meeting.title, Meeting.scheduled_start, Committee.id.label("committee_id"),
                   Committee.name.label("committee")).join(Committee).order_by(Meeting.scheduled_start)
    if start:
        query = query.where(Meeting.scheduled_start >= datetime.combine(start, datetime.min.time()))
    if end:
        query = query.where(Meeting.scheduled_start < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    if committee_id:
        query = query.where(Meeting.committee_id == committee_id)
    with storage.db.session() as session:
        meetings = session.execute(query).all()
        totals = _session_totals(session, [m.id for m in meetings]) if meetings else {}
    rows, months = [], {}
    for meeting in meetings:
        figures = _people_and_minutes(totals.get(meeting.id, {}))
        row = {"id": meeting.id, "title": meeting.title, "committee": meeting.committee,
               "date": meeting.scheduled_start.date().isoformat(), **figures}
        rows.append(row)
        key = (meeting.scheduled_start.strftime("%Y-%m"), meeting.committee)
        month = months.setdefault(key, {"month": key[0], "committee": key[1], "meetings": 0, "people_tuned_in": 0,
                                        "minutes_viewed": 0.0})
        month["meetings"] += 1
        month["people_tuned_in"] += row["people_tuned_in"]["total"]
        month["minutes_viewed"] = round(month["minutes_viewed"] + row["minutes_viewed"]["total"], MINUTE_DIGITS)
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            "meetings": rows, "by_month": [months[key] for key in sorted(months)],
            "totals": {"meetings": len(rows), "people_tuned_in": sum(r["people_tuned_in"]["total"] for r in rows),
                       "minutes_viewed": round(sum(r["minutes_viewed"]["total"] for r in rows), MINUTE_DIGITS)}}


def _count(value: float) -> str:
    return f"{round(value):,}"


def _minutes(value: float) -> str:
    """"7,012 minutes", "1 minute", "0.7 minutes": small figures keep a decimal so they do not read as zero."""
    text = f"{value:,.1f}".removesuffix(".0") if value < 10 else _count(value)
    return f"{text} minute" if text == "1" else f"{text} minutes"


def _people(value: int) -> str:
    return f"{value:,} person" if value == 1 else f"{value:,} people"


def describe_figures(figures: dict) -> list[str]:
    """The figures as sentences a clerk can paste into a report."""
    meeting = figures["meeting"]
    people, minutes = figures["people_tuned_in"], figures["minutes_viewed"]
    which = meeting["date"] if meeting["title"] == meeting["committee"] else f"{meeting['title']}, {meeting['date']}"
    lines = [f"{_people(people['total'])} tuned in to watch the {meeting['committee']} ({which}), "
             f"and {_minutes(minutes['total'])} were viewed.",
             f"Live: {_people(people['live'])}, {_minutes(minutes['live'])}. "
             f"On demand: {_people(people['on_demand'])}, {_minutes(minutes['on_demand'])}."]
    peak = figures["peak_concurrent"]
    if peak["viewers"]:
        lines.append(f"Peak: {_people(peak['viewers'])} watching live at {peak['at'].replace('T', ' ')} UTC.")
    if people["total"]:
        lines.append(f"Average watch time: {_minutes(figures['average_watch_minutes']['total'])} per person.")
    for item in figures["per_item"]:
        lines.append(f"  {item['item']}: {_minutes(item['minutes_viewed'])} viewed.")
    clients = figures["clients_without_javascript"]
    if clients["clients"]:
        lines.append(f"Players without JavaScript (VLC, smart TVs): {_count(clients['clients'])} clients, "
                     f"about {_minutes(clients['minutes_estimated'])} (counted separately).")
    return lines
