"""A progress bar in audio seconds, for ``chamber transcribe`` and ``chamber worker``."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from tqdm import tqdm

from .engine import ProgressFn

BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s of audio [{elapsed}<{remaining}]"


@contextmanager
def progress_bar(description: str, disable: bool | None = None) -> Iterator[ProgressFn]:
    """Yield a ``progress(done, total)`` function that draws a bar on stderr.

    ``disable=None`` hides the bar when stderr is not a terminal, so a worker's log file gets no bar noise.
    """
    with tqdm(total=0, desc=description, bar_format=BAR_FORMAT, file=sys.stderr, disable=disable,
              dynamic_ncols=True) as bar:
        def update(done: float, total: float) -> None:
            total = max(total, done)
            if total != bar.total:
                bar.total = total
            bar.update(done - bar.n)

        yield update
