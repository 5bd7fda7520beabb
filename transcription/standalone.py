"""``chamber transcribe FILE``: one file to captions or text, with no server, database or blob store."""

from __future__ import annotations

import sys
from pathlib import Path

from .captions import render
from .engine import Transcriber
from .progress import progress_bar


def transcribe_file(path: str | Path, fmt: str = "vtt", out: str | Path | None = None, settings=None,
                    show_progress: bool = True) -> str:
    """Transcribe ``path`` and write it as ``fmt`` (vtt, srt, txt or json) to ``out``, or to stdout.

    Returns the rendered text. Raises ``TranscriptionError`` (with what to do) for an unusable file or model.
    """
    transcriber = Transcriber.for_settings(settings)
    with progress_bar(Path(path).name, disable=not show_progress) as progress:
        segments = list(transcriber.segments(path, progress=progress))
    text = render(fmt, segments)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(out).write_text(text, encoding="utf-8")
    return text
