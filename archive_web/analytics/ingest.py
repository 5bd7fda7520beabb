"""``POST /api/v1/beacon`` and the segment-request counter for players without JavaScript."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.http import HTTP_STATUS_CODES

from storage.analytics import BeaconRejected, DailySalts, MeetingGate, SegmentCounter, clock, parse_beacon
from storage.analytics.beacons import MAX_BODY_BYTES
from storage.analytics.writer import BeaconWriter
from storage.models import ViewMode

from .. import get_storage
from .maintenance import Maintenance
from .ratelimit import TokenBuckets

log = logging.getLogger(__name__)

beacon_bp = Blueprint("beacons", __name__)
SEGMENT_PATH = re.compile(r"^/media/(?:live/(?P<live>\d+)|meetings/(?P<vod>\d+)/vod)/[^?]+\.(?:ts|m4s|aac)$")
COUNTED_STATUSES = {200, 206, 301, 302, 303, 307, 308}


@dataclass
class AnalyticsState:
    """Per-process helpers, kept on ``app.extensions["analytics"]``."""

    gate: MeetingGate = field(default_factory=MeetingGate)
    salts: DailySalts = field(default_factory=DailySalts)
    segments: SegmentCounter = field(default_factory=SegmentCounter)
    limiter: TokenBuckets = field(default_factory=TokenBuckets)
    writer: BeaconWriter | None = None
    maintenance: Maintenance | None = None


def analytics_state() -> AnalyticsState:
    return current_app.extensions["analytics"]


def _refuse(status: int, message: str, retry_after: float | None = None):
    response = jsonify({"error": HTTP_STATUS_CODES.get(status, "Error"), "message": message, "status": status})
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


@beacon_bp.post("/api/v1/beacon")
def beacon():
    """Credit a viewer heartbeat. 202: credited; 200: a replay, nothing changed; 4xx: refused, with the reason."""
    state, storage = analytics_state(), get_storage()
    engine = storage.db.engine
    state.maintenance.ensure_started()
    address = request.remote_addr or "unknown"
    try:
        wait = state.limiter.wait_seconds(state.salts.client_key(engine, address))
        if wait:
            return _refuse(429, "Too many beacons from your address; slow down.", wait)
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _refuse(413, f"A beacon is at most {MAX_BODY_BYTES} bytes.")
        incoming = parse_beacon(request.stream.read(MAX_BODY_BYTES + 1))
        if not state.gate.accepts(engine, incoming.meeting_id):
            return _refuse(404, f"No public meeting {incoming.meeting_id} takes beacons.")
        credit = state.writer.record(incoming, clock.now(),
                                     client_key=state.salts.client_key(engine, address, request.user_agent.string))
    except BeaconRejected as exc:
        return _refuse(exc.status, str(exc))
    except (OperationalError, TimeoutError):
        log.warning("database busy while recording a beacon", exc_info=True)
        return _refuse(503, "The server is busy; send the beacon again in a few seconds.", 5)
    if credit.duplicate:
        return jsonify({"recorded": False, "duplicate": True, "credited": 0}), 200
    return jsonify({"recorded": True, "credited": round(credit.seconds, 3)}), 202


def count_segment_request(response):
    """``after_request``: a segment fetched from live or VOD media counts towards its client's viewing."""
    match = SEGMENT_PATH.match(request.path)
    if match is None or request.method != "GET" or response.status_code not in COUNTED_STATUSES:
        return response
    state = analytics_state()
    meeting_id, mode = (int(match["live"]), ViewMode.LIVE) if match["live"] else (int(match["vod"]),
                                                                                ViewMode.ON_DEMAND)
    try:
        state.maintenance.ensure_started()
        key = state.salts.client_key(get_storage().db.engine, request.remote_addr or "unknown",
                                     request.user_agent.string)
        state.segments.count(meeting_id, mode, key, clock.now())
    except SQLAlchemyError:
        log.warning("could not count a segment request for meeting %s", meeting_id, exc_info=True)
    return response


def init_ingest(app: Flask) -> None:
    state = AnalyticsState(limiter=TokenBuckets(app.config.get("BEACON_RATE_PER_SECOND", 10.0),
                                                app.config.get("BEACON_BURST", 60.0)))
    state.maintenance = Maintenance(app, state.segments)
    state.writer = BeaconWriter(app.extensions["chamber"].db.engine)
    app.extensions["analytics"] = state
    app.register_blueprint(beacon_bp)
    app.after_request(count_segment_request)
