"""The Chamber web site: public pages, the JSON API, viewer beacons and the staff pages for committee services."""

from __future__ import annotations

import logging

from flask import Flask

from storage import Storage, open_storage
from storage.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, storage: Storage | None = None) -> Flask:
    """Application factory: one app per process, sharing one ``Storage`` (engine pool, blob client)."""
    storage = storage or open_storage(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=storage.settings.secret_key,
        MAX_CONTENT_LENGTH=storage.settings.upload_max_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=storage.settings.public_base_url.startswith("https://"),
        JSON_SORT_KEYS=False,
    )
    app.extensions["chamber"] = storage
    if storage.settings.trusted_proxies:
        # Behind nginx or a load balancer the client's address arrives in X-Forwarded-For; login throttling and
        # beacon flood limits key on it, so trust exactly as many proxies as the operator says are in front.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = storage.settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.context_processor(lambda: {"site_name": storage.settings.site_name})

    from werkzeug.routing import IntegerConverter

    from storage.models import MAX_ID

    class IdConverter(IntegerConverter):
        """``<int:...>`` in every route: a number past the largest id is a 404, never a database error."""

        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter

    from . import errors, health, metrics

    errors.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Blueprints, one per audience. Each package exposes ``bp``."""
    import importlib

    for name in ("public", "api", "media", "search", "staff", "analytics"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        init = getattr(module, "init_app", None)
        if init:
            init(app)
        else:
            app.register_blueprint(module.bp)


def get_storage() -> Storage:
    from flask import current_app

    return current_app.extensions["chamber"]
