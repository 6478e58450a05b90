"""The one door to pyfixest: imported and run with the user's logging configuration kept.

pyfixest calls ``logging.basicConfig(level=logging.INFO)`` when its compressed-regression module is first
imported (lazily, inside the first ``feols``), which sets the process's root logger to INFO and adds a
stderr handler; every library's INFO messages then reach the terminal (pyogrio's "Created 31 records" on
each GeoPackage written).  A library must not change its user's logging, so every pyfixest call goes through
:func:`feols`, which restores the root logger's level and handlers afterwards.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

__all__ = ["feols", "keep_root_logging"]


@contextlib.contextmanager
def keep_root_logging() -> Iterator[None]:
    """Restore the root logger's level and handlers (and logging's global disable level) on exit.

    >>> root = logging.getLogger()
    >>> before = (root.level, list(root.handlers))
    >>> with keep_root_logging():
    ...     logging.basicConfig(level=logging.INFO)
    >>> (root.level, list(root.handlers)) == before
    True
    """
    root = logging.getLogger()
    level, handlers, disabled = root.level, list(root.handlers), logging.root.manager.disable
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        logging.disable(disabled)


def feols(fml: str, **kwargs: Any) -> Any:
    """``pyfixest.feols(fml, **kwargs)``, leaving the caller's logging configuration as it was."""
    with keep_root_logging():
        import pyfixest as pf

        return pf.feols(fml, **kwargs)
