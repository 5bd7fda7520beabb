"""Public pages for residents: live now, upcoming and past meetings, committees, the meeting page and feeds."""

from flask import Blueprint

from .formatting import FILTERS

bp = Blueprint("public", __name__, template_folder="templates")
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

from . import feeds, views  # noqa: E402,F401  (routes register on import)
