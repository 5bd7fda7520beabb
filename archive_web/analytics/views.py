"""The staff analytics pages: one meeting's audience, an overview per committee and month, and CSV downloads.

They sit under ``/staff/analytics``, so the staff package's guard (signed in, CSRF) covers them.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, jsonify, render_template, request
from sqlalchemy import select

from storage.agenda import format_timestamp
from storage.analytics import clock
from storage.meetings import RecordError
from storage.models import Committee

from .. import get_storage
from ..public.formatting import local_datetime
from .charts import bar_chart
from .figures import current_viewers, describe_figures, meeting_figures, period_figures

bp = Blueprint("analytics", __name__, url_prefix="/staff/analytics", template_folder="templates",
               static_folder="static", static_url_path="/assets")
LIVE_POLL_SECONDS = 5
MEETING_TABLES = {
    "minutes": ("concurrent_per_minute", ["minute", "live", "live_minutes", "on_demand", "on_demand_minutes"]),
    "items": ("per_item", ["item", "start_seconds", "minutes_viewed"]),
    "days": ("on_demand_by_day", ["date", "views", "minutes_viewed"]),
}


def _figures_or_404(meeting_id: int) -> dict:
    try:
        return meeting_figures(get_storage(), meeting_id)
    except RecordError as exc:
        abort(404, str(exc))


def _csv(rows: list[dict], columns: list[str], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def minute_label(minute: str | None, pattern: str = "%H:%M") -> str:
    """A figures minute (``2026-12-01T18:42``, UTC) as the council's clock reads it."""
    return local_datetime(datetime.fromisoformat(minute), pattern) if minute else ""


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    figures = _figures_or_404(meeting_id)
    charts = {
        "concurrent": bar_chart([(minute_label(row["minute"]), row["live"]) for row in figures["concurrent_per_minute"]
                                 if row["live"]], "Live viewers per minute", "viewers",
                                "Nobody watched this meeting live."),
        "items": bar_chart([(row["item"][:18], row["minutes_viewed"]) for row in figures["per_item"]],
                           "Minutes viewed per agenda item", "minutes"),
        "days": bar_chart([(row["date"][5:], row["views"]) for row in figures["on_demand_by_day"]],
                          "On-demand views by day", "views", "No on-demand views yet."),
    }
    return render_template("analytics/meeting.html", figures=figures, lines=describe_figures(figures),
                           charts=charts, poll_seconds=LIVE_POLL_SECONDS, format_timestamp=format_timestamp,
                           peak_at=minute_label(figures["peak_concurrent"]["at"], "%-d %b %Y %H:%M %Z"))


@bp.get("/meetings/<int:meeting_id>/<table>.csv")
def meeting_csv(meeting_id: int, table: str):
    if table not in MEETING_TABLES:
        abort(404, f"No table {table!r}; choose one of {', '.join(MEETING_TABLES)}.")
    key, columns = MEETING_TABLES[table]
    return _csv(_figures_or_404(meeting_id)[key], columns, f"meeting-{meeting_id}-{table}.csv")


@bp.get("/meetings/<int:meeting_id>/now.json")
def meeting_now(meeting_id: int):
    """Polled by the meeting's analytics page while the meeting is live."""
    storage = get_storage()
    return jsonify({"meeting_id": meeting_id, "viewers": current_viewers(storage, meeting_id),
                    "at": clock.now().isoformat(timespec="seconds") + "Z"})


def _date_arg(name: str, default: date | None) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, f"'{name}' must be a date like 2026-01-31.")


def _period_args() -> tuple[date | None, date | None, int | None]:
    today = clock.now().date()
    start = _date_arg("from", today.replace(day=1) - timedelta(days=365))
    end = _date_arg("to", today)
    committee = request.args.get("committee", "").strip()
    if committee and not committee.isdigit():
        abort(400, "'committee' must be a committee id from the list.")
    return start, end, int(committee) if committee else None


@bp.get("/")
def overview():
    start, end, committee_id = _period_args()
    storage = get_storage()
    figures = period_figures(storage, start, end, committee_id)
    with storage.db.session() as session:
        committees = session.execute(select(Committee.id, Committee.name).order_by(Committee.name)).all()
    months: dict[str, float] = {}
    for row in figures["by_month"]:
        months[row["month"]] = months.get(row["month"], 0.0) + row["minutes_viewed"]
    chart = bar_chart(sorted(months.items()), "Minutes viewed per month", "minutes")
    return render_template("analytics/overview.html", figures=figures, committees=committees, chart=chart,
                           start=start, end=end, committee_id=committee_id, query=request.query_string.decode())


@bp.get("/overview.csv")
def overview_csv():
    start, end, committee_id = _period_args()
    rows = [{"id": row["id"], "date": row["date"], "committee": row["committee"], "title": row["title"],
             **{f"people_{mode}": row["people_tuned_in"][mode] for mode in ("live", "on_demand", "total")},
             **{f"minutes_{mode}": row["minutes_viewed"][mode] for mode in ("live", "on_demand", "total")},
             "average_watch_minutes": row["average_watch_minutes"]["total"]}
            for row in period_figures(get_storage(), start, end, committee_id)["meetings"]]
    columns = ["id", "date", "committee", "title", "people_live", "people_on_demand", "people_total", "minutes_live",
               "minutes_on_demand", "minutes_total", "average_watch_minutes"]
    return _csv(rows, columns, "meetings-audience.csv")
