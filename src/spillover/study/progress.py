"""Progress of a study run: a callback underneath, rich on a terminal, plain lines otherwise.

:func:`spillover.study.run` calls ``progress(event)`` with a :class:`StepEvent` when each step starts and
ends; QGIS (or any caller) passes its own callback.  :func:`reporter` picks what the command line shows.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["StepEvent", "ProgressCallback", "plain_reporter", "rich_reporter", "reporter", "silent"]


@dataclass(frozen=True)
class StepEvent:
    """One step of a study run: ``status`` is ``"start"`` or ``"done"``; ``index`` counts from 1."""

    step: str
    title: str
    index: int
    total: int
    status: str
    seconds: float = 0.0
    detail: str = ""


ProgressCallback = Callable[[StepEvent], None]


def silent(event: StepEvent) -> None:
    """A callback that shows nothing."""


def plain_reporter(stream: TextIO | None = None) -> ProgressCallback:
    """One line per finished step, e.g. ``[3/9] weights: 2 matrices (0.4 s)``, for logs and pipes."""

    def report(event: StepEvent) -> None:
        out = stream if stream is not None else sys.stderr
        if event.status == "done":
            detail = f": {event.detail}" if event.detail else ""
            print(f"[{event.index}/{event.total}] {event.title}{detail} ({event.seconds:.1f} s)", file=out,
                  flush=True)

    return report


def rich_reporter(console: Any = None) -> ProgressCallback:
    """A rich status line while a step runs and a tick when it ends (for a terminal)."""
    from rich.console import Console

    con = console if console is not None else Console(stderr=True)
    state: dict[str, Any] = {}

    def report(event: StepEvent) -> None:
        if event.status == "start":
            state["status"] = con.status(f"[{event.index}/{event.total}] {event.title}...")
            state["status"].start()
            state["t0"] = time.perf_counter()
            return
        status = state.pop("status", None)
        if status is not None:
            status.stop()
        detail = f": {event.detail}" if event.detail else ""
        con.print(f"[green]\u2713[/green] [{event.index}/{event.total}] {event.title}{detail} "
                  f"[dim]({event.seconds:.1f} s)[/dim]", highlight=False)

    return report


def reporter(stream: TextIO | None = None) -> ProgressCallback:
    """rich on a terminal, plain lines otherwise."""
    out = stream if stream is not None else sys.stderr
    if getattr(out, "isatty", lambda: False)():
        from rich.console import Console

        return rich_reporter(Console(file=out))
    return plain_reporter(out)
