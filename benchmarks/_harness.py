"""Shared by the benchmark scripts: run one case in a fresh process and read its peak memory.

Each case runs in its own spawned process so that its peak resident memory is its own, not the largest of
every case run before it in the same interpreter.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
from collections.abc import Callable
from typing import Any


def peak_gb() -> float:
    """Peak resident memory of this process in GB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run_isolated(target: Callable[..., None], *args: Any) -> dict:
    """Run ``target(*args, queue)`` in a spawned process and return the dict it puts on the queue."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out
