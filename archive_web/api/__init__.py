"""The open-data JSON API under ``/api/v1``: committees, meetings with their agenda, media and transcripts.

The search (``/api/v1/search``) and viewer beacons (``POST /api/v1/beacon``) live with their own blueprints; the
OpenAPI document here describes every ``/api/v1`` route.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import views  # noqa: E402,F401  (routes register on import)
