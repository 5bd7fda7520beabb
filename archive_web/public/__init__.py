"""Public pages for residents: live now, upcoming and past meetings, committees."""

from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (routes register on import)
