"""Error pages and JSON errors. No request, however malformed, should reach the user as a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return (request.path.startswith(("/api/", "/staff/api/"))
            or request.accept_mimetypes.best == "application/json")


def _render(status: int, title: str, message: str):
    if wants_json():
        return jsonify({"error": title, "message": message, "status": status}), status
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _render(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "Something went wrong", "The error has been logged. Please try again in a moment.")
