"""``/healthz``: the state of each dependency, for load balancers and operators."""

from __future__ import annotations

import time

from flask import Flask, jsonify


def check_dependencies(storage) -> dict[str, dict]:
    checks: dict[str, dict] = {}
    for name, probe in (("database", storage.db.ping), ("blob_store", storage.blobs.check)):
        started = time.perf_counter()
        try:
            probe()
            checks[name] = {"ok": True}
        except Exception as exc:  # each failure is reported, not raised: /healthz must always answer
            checks[name] = {"ok": False, "error": str(exc)}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return checks


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        from . import get_storage

        checks = check_dependencies(get_storage())
        ok = all(check["ok"] for check in checks.values())
        return jsonify({"status": "ok" if ok else "degraded", "checks": checks}), 200 if ok else 503
