"""Progress of a study run: steps on top of the package's one progress protocol.

``spillover.study.run(progress=...)`` takes what every ``progress=`` takes (:data:`spillover.options.Progress`:
False/None shows nothing, the API default; True shows the steps, rich on a terminal and plain lines
otherwise, as the command line does; a callable ``update(done, total)`` is told the finished steps) or a step
callback called with a :class:`StepEvent` when each step starts and ends (QGIS passes its own).
:func:`steps` turns any of them into the step callback the runner calls.

>>> seen = []
>>> report = steps(lambda done, total: seen.append((done, total)))
>>> report(StepEvent("data", "Read the data", 1, 3, "start")); report(StepEvent("data", "Read the data", 1, 3, "done"))
>>> seen
[(1, 3)]
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from spillover.options import Progress, ProgressFn, is_terminal

__all__ = [
    "StepEvent",
    "ProgressCallback",
    "StudyProgress",
    "plain_reporter",
    "rich_reporter",
    "reporter",
    "silent",
    "steps",
    "counting",
]


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
StudyProgress = Progress | ProgressCallback
"""What ``spillover.study.run(progress=...)`` takes: a :data:`spillover.options.Progress` or a step callback."""


def silent(event: StepEvent) -> None:
    """A callback that shows nothing."""


def plain_reporter(stream: TextIO | None = None) -> ProgressCallback:
    """One line per finished step, e.g. ``[3/9] weights: 2 matrices (0.4 s)``, for logs and pipes."""

    def report(event: StepEvent) -> None:
        out = stream if stream is not None else sys.stderr
        if event.status == "done":
            detail = f": {event.detail}" if event.detail else ""
            print(
                f"[{event.index}/{event.total}] {event.title}{detail} ({event.seconds:.1f} s)",
                file=out,
                flush=True,
            )

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
        con.print(
            f"[green]\u2713[/green] [{event.index}/{event.total}] {event.title}{detail} "
            f"[dim]({event.seconds:.1f} s)[/dim]",
            highlight=False,
        )

    return report


def reporter(stream: TextIO | None = None) -> ProgressCallback:
    """rich on a terminal, plain lines otherwise (what ``progress=True`` shows)."""
    out = stream if stream is not None else sys.stderr
    if is_terminal(out):
        from rich.console import Console

        return rich_reporter(Console(file=out))
    return plain_reporter(out)


def counting(update: ProgressFn) -> ProgressCallback:
    """A step callback that tells ``update(done, total)`` (the package's one protocol) each finished step."""

    def report(event: StepEvent) -> None:
        if event.status == "done":
            update(event.index, event.total)

    return report


def steps(progress: StudyProgress, stream: TextIO | None = None) -> ProgressCallback:
    """The step callback for a study run's ``progress=`` (see the module docstring)."""
    if progress is None or progress is False:
        return silent
    if progress is True:
        return reporter(stream)
    if _is_update(progress):
        return counting(progress)  # type: ignore[arg-type]
    return progress  # type: ignore[return-value]


def _is_update(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` is an ``update(done, total)`` (two required positional arguments), not a step callback."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: called with one event
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds and p.default is p.empty for p in params) == 2
