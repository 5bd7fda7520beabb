"""Audience analytics in the web app: viewer beacons in, staff dashboards out.

``POST /api/v1/beacon`` takes player heartbeats; an ``after_request`` hook counts segment fetches by players
without JavaScript; ``/staff/analytics/...`` shows the figures (see ``figures.py`` for their definitions).
The storage side (ingestion rules, rollups, privacy) is ``storage.analytics``.
"""

from __future__ import annotations

from flask import Flask

from .figures import public_view_count
from .ingest import init_ingest

__all__ = ["init_app", "public_view_count"]


def init_app(app: Flask) -> None:
    from .views import bp

    init_ingest(app)
    app.register_blueprint(bp)
