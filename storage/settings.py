"""Chamber's settings: one frozen object built from ``CHAMBER_*`` variables and an optional TOML file.

Every setting has an embedded default so that ``chamber up`` works on a bare machine (SQLite, a local folder,
the bundled model). A value that cannot be used fails at start with a message naming the variable, because a
council's operator will read that message long before they read the code.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from .localtime import council_zone

ENV_PREFIX = "CHAMBER_"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and what to do."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./chamber-data")
    database_url: str = ""
    storage_url: str = ""
    s3_endpoint_url: str | None = None
    s3_public_url: str | None = None
    whisper_model: str = "tiny.en"
    whisper_device: str = "auto"
    whisper_compute_type: str = "auto"
    secret_key: str = ""
    public_base_url: str = ""
    site_name: str = "Council meetings"
    timezone: str = "Europe/London"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    trusted_proxies: int = 0
    ingest_host: str = "127.0.0.1"
    ingest_control_port: int = 8880
    rtmp_port: int = 1935
    srt_port: int = 8890
    reconnect_grace_seconds: int = 300
    max_meeting_hours: float = 12.0
    hls_segment_seconds: int = 2
    hls_playlist_size: int = 10
    hls_segment_type: str = "mpegts"
    transcode_ladder: tuple[str, ...] = ()
    min_free_disk_mb: int = 1024
    upload_max_mb: int = 50
    job_lease_seconds: int = 120
    show_public_view_counts: bool = False
    demo_live_seconds: int = 900
    log_level: str = "INFO"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_s3(self) -> bool:
        return self.storage_url.startswith("s3://")


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a yes/no value; use true or false.")


def _parse_int(name: str, raw: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={value} is out of range; use a number between {minimum}{upper}.")
    return value


def _parse_float(name: str, raw: str) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number.") from None
    if value <= 0:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={value} must be greater than zero.")
    return value


_PORTS = {"web_port", "rtmp_port", "srt_port", "ingest_control_port"}
_CHOICES = {
    "whisper_device": {"auto", "cpu", "cuda"},
    "whisper_compute_type": {"auto", "int8", "int8_float16", "float16", "float32", "int8_float32"},
    "hls_segment_type": {"mpegts", "fmp4"},
    "log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
}
_LADDER_RUNGS = {"1080p", "720p", "480p", "360p", "240p"}


def _coerce(name: str, raw: Any) -> Any:
    """Turn one raw value (string from the environment or a TOML value) into the typed setting."""
    if name == "data_dir":
        return Path(str(raw)).expanduser()
    if name in _PORTS:
        return _parse_int(name, raw, 1, 65535)
    if name in {"reconnect_grace_seconds", "min_free_disk_mb", "upload_max_mb", "trusted_proxies",
                "demo_live_seconds"}:
        return _parse_int(name, raw, 0)
    if name == "job_lease_seconds":
        return _parse_int(name, raw, 5)
    if name == "hls_segment_seconds":
        return _parse_int(name, raw, 1, 30)
    if name == "hls_playlist_size":
        return _parse_int(name, raw, 3, 1000)
    if name == "max_meeting_hours":
        return _parse_float(name, raw)
    if name == "show_public_view_counts":
        return raw if isinstance(raw, bool) else _parse_bool(name, str(raw))
    if name == "transcode_ladder":
        rungs = raw if isinstance(raw, (list, tuple)) else [r for r in str(raw).replace(" ", "").split(",") if r]
        unknown = [r for r in rungs if r not in _LADDER_RUNGS]
        if unknown:
            raise SettingsError(
                f"{ENV_PREFIX}TRANSCODE_LADDER has unknown rungs {unknown}; choose from {sorted(_LADDER_RUNGS)}."
            )
        return tuple(rungs)
    if name == "timezone":
        try:
            return council_zone(str(raw).strip()).key
        except ValueError as exc:
            raise SettingsError(f"{ENV_PREFIX}TIMEZONE: {exc}.") from None
    if name in _CHOICES:
        value = str(raw).strip()
        value = value.upper() if name == "log_level" else value
        if value not in _CHOICES[name]:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not one of {sorted(_CHOICES[name])}.")
        return value
    return str(raw)


def _validate_urls(values: dict[str, Any]) -> None:
    db = values["database_url"]
    if not (db.startswith("sqlite") or db.startswith("postgresql")):
        raise SettingsError(
            f"{ENV_PREFIX}DATABASE_URL={db!r} is not supported; use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB."
        )
    store = values["storage_url"]
    parsed = urlparse(store)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise SettingsError(f"{ENV_PREFIX}STORAGE_URL={store!r} has no bucket; use s3://BUCKET/PREFIX.")
    elif parsed.scheme not in {"file", ""}:
        raise SettingsError(f"{ENV_PREFIX}STORAGE_URL={store!r} is not supported; use a folder path or s3://BUCKET/PREFIX.")


def _file_values(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{ENV_PREFIX}CONFIG={path!r}: no such file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{ENV_PREFIX}CONFIG={path!r} is not valid TOML: {exc}") from None
    section = data.get("chamber", data)
    return {str(k).lower(): v for k, v in section.items()}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from (lowest to highest priority) defaults, the TOML file, the environment, overrides."""
    env = os.environ if environ is None else environ
    known = {f.name for f in fields(Settings)} - {"extra"}
    raw: dict[str, Any] = {}
    if env.get(f"{ENV_PREFIX}CONFIG"):
        for key, value in _file_values(env[f"{ENV_PREFIX}CONFIG"]).items():
            if key not in known:
                raise SettingsError(f"{ENV_PREFIX}CONFIG: unknown setting {key!r}; known settings: {sorted(known)}.")
            raw[key] = value
    for name in known:
        env_name = f"{ENV_PREFIX}{name.upper()}"
        if env.get(env_name) not in (None, ""):
            raw[name] = env[env_name]
    raw.update({k: v for k, v in overrides.items() if v is not None})

    values = {name: _coerce(name, value) for name, value in raw.items()}
    data_dir = values.setdefault("data_dir", Settings.data_dir).resolve()
    values["data_dir"] = data_dir
    values.setdefault("database_url", f"sqlite:///{data_dir / 'chamber.db'}")
    values.setdefault("storage_url", str(data_dir / "blobs"))
    if not values.get("secret_key"):
        values["secret_key"] = _persistent_secret(data_dir)
    if values.get("s3_endpoint_url") == "":
        values["s3_endpoint_url"] = None
    _validate_urls(values)
    return Settings(**values)


def _persistent_secret(data_dir: Path) -> str:
    """A random secret kept in the data dir, so sessions survive restarts without anyone choosing a key."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError as exc:
        raise SettingsError(
            f"{ENV_PREFIX}DATA_DIR={str(data_dir)!r} is not writable ({exc.strerror}); choose a writable folder."
        ) from None
