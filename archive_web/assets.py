"""Copies the player's JavaScript from ``node_modules`` (installed by ``npm ci`` from the lock file) into
``archive_web/static/vendor/``, so that the site serves a pinned hls.js from its own origin and no page depends
on a CDN. ``scripts/setup.sh`` runs it after ``npm ci``; run it again after changing ``package.json``.

Usage: ``python -m archive_web.assets``
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"

# (file in node_modules, name under static/vendor). The "light" ES module build of hls.js leaves out in-stream
# subtitles, alternate audio and DRM, none of which Chamber uses (captions come as a WebVTT <track>).
VENDORED = [
    ("hls.js/dist/hls.light.min.mjs", "hls.mjs"),
    ("hls.js/LICENSE", "hls.js.LICENSE"),
]


def copy_assets(node_modules: Path = REPO / "node_modules", vendor: Path = VENDOR) -> list[Path]:
    missing = [source for source, _ in VENDORED if not (node_modules / source).is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} not found in {node_modules}; run `npm ci` in {REPO} first.")
    vendor.mkdir(parents=True, exist_ok=True)
    copied = []
    for source, name in VENDORED:
        copied.append(Path(shutil.copy2(node_modules / source, vendor / name)))
    return copied


def main() -> int:
    try:
        copied = copy_assets()
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in copied:
        print(f"copied {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
