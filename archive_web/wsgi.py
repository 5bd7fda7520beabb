"""WSGI entry point for gunicorn: ``gunicorn archive_web.wsgi:app``. Settings come from the environment."""

from . import create_app

app = create_app()
