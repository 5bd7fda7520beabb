"""Search for residents: the ``/search`` page, ``GET /api/v1/search`` and the within-meeting match list."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/search")

from . import views  # noqa: E402,F401  (routes register on import)
