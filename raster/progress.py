"""One progress bar for every long loop: tqdm on stderr, switched on or off in one place.

Commands set the switch once from ``--progress/--no-progress`` (``raster.cli``); library loops
call :func:`progress_bar`. Default (None): a bar only when stderr is a terminal, so logs and
CI output stay free of carriage-return noise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm import tqdm

_enabled: bool | None = None


def set_progress(enabled: bool | None) -> None:
    """True: always show bars; False: never; None: only when stderr is a terminal."""
    global _enabled
    _enabled = enabled


def progress_enabled(enabled: bool | None = None) -> bool:
    """Whether a bar shows: an explicit ``enabled`` wins, then the switch, then the terminal."""
    for choice in (enabled, _enabled):
        if choice is not None:
            return bool(choice)
    return sys.stderr.isatty()


def progress_bar(
    iterable: Iterable | None = None, *, enabled: bool | None = None, **kwargs
) -> tqdm:
    """A tqdm bar on stderr (updated at most once a second), hidden when progress is off.

    Args:
        iterable: what to wrap (or None and call ``update``).
        enabled: per-call override (e.g. False for loops too short to need a bar).
        **kwargs: tqdm's (``total``, ``desc``, ``unit``, ``leave``, ...).
    """
    kwargs.setdefault("mininterval", 1.0)
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("file", sys.stderr)
    return tqdm(iterable, disable=not progress_enabled(enabled), **kwargs)
