"""Audience analytics: beacon ingestion, rollups, anonymous client keys and non-JavaScript client counts.

Lives in ``storage`` so that the web app, the worker and the ``chamber`` command share one implementation.
"""

from __future__ import annotations

from sqlalchemy import Engine

from .beacons import BeaconIn, BeaconRejected, Credit, MeetingGate, parse_beacon, record_beacon
from .clients import SegmentCounter
from .models import DailySalt, MediaClient, ViewPosition
from .privacy import DailySalts, delete_old_salts
from .rollup import purge_raw_beacons, roll_up

__all__ = ["BeaconIn", "BeaconRejected", "Credit", "DailySalt", "DailySalts", "MediaClient", "MeetingGate",
           "SegmentCounter", "ViewPosition", "maintain", "parse_beacon", "record_beacon", "roll_up"]


def maintain(engine: Engine) -> dict[str, int]:
    """The periodic housekeeping any process may run: roll up beacons, apply retention, forget old salts."""
    return {"rolled_up": roll_up(engine), "purged_beacons": purge_raw_beacons(engine),
            "deleted_salts": delete_old_salts(engine)}
