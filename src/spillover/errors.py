"""Errors and warnings raised by spillover.

Every user-facing error is a :class:`SpilloverError` (a ``ValueError``) whose message names the offending
column, region or period and says how to fix it.  Subclasses let callers catch one family of problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import FrameType
from typing import Any, get_args

__all__ = [
    "SpilloverError",
    "UnknownRegionError",
    "PanelError",
    "UnbalancedPanelError",
    "WeightsError",
    "ModelError",
    "DEAError",
    "OverwriteError",
    "ReadOnlyError",
    "SpilloverWarning",
    "InterpolationWarning",
    "IslandWarning",
    "InfeasibleWarning",
    "IdentificationWarning",
    "SmallSampleBiasWarning",
    "FewClustersWarning",
    "StationarityWarning",
    "ConvergenceWarning",
    "GeometryWarning",
    "MapWarning",
    "format_items",
    "check_option",
    "user_stacklevel",
]


class SpilloverError(ValueError):
    """Base class of every error spillover raises about user input."""


class UnknownRegionError(SpilloverError, KeyError):
    """A region name or code that the registry does not know."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class PanelError(SpilloverError):
    """A panel that fails validation (duplicates, unknown ids, non-numeric values...)."""


class UnbalancedPanelError(PanelError):
    """A panel with missing (region, period) cells or missing values."""


class WeightsError(SpilloverError):
    """Spatial weights that cannot be built or do not fit the data."""


class ModelError(SpilloverError):
    """A model that cannot be estimated as specified."""


class DEAError(SpilloverError):
    """Invalid data or options for DEA / Malmquist."""


class OverwriteError(SpilloverError, FileExistsError):
    """Refusal to overwrite an existing file without ``overwrite=True``."""


class ReadOnlyError(SpilloverError, AttributeError):
    """A validated model or a result was changed after it was built (build a new one instead)."""


class SpilloverWarning(UserWarning):
    """Base class of spillover's warnings."""


class InterpolationWarning(SpilloverWarning):
    """Cells of a panel were filled by interpolation."""


class IslandWarning(SpilloverWarning):
    """Regions without neighbours were kept in spatial weights."""


class InfeasibleWarning(SpilloverWarning):
    """A linear programme was infeasible; the result is NaN."""


class ConvergenceWarning(SpilloverWarning):
    """An optimiser stopped without clear convergence."""


class GeometryWarning(SpilloverWarning):
    """Region geometries are invalid (e.g. self-intersecting); areas and contiguity may be wrong."""


class MapWarning(SpilloverWarning):
    """A map was drawn differently from what was asked (e.g. English labels for lack of a CJK font)."""


class IdentificationWarning(SpilloverWarning):
    """A model's parameters are only weakly identified on the data (e.g. a SAC or GNS with M = W)."""


class SmallSampleBiasWarning(SpilloverWarning):
    """An estimator's known small-sample bias is large enough to matter (e.g. the direct approach's rho
    with time effects and few regions)."""


class FewClustersWarning(SpilloverWarning):
    """Cluster-robust inference rests on few clusters (fewer than 20): its t tests over-reject; the wild
    cluster bootstrap (``inference="wild"``) gives more reliable p-values."""


class StationarityWarning(SpilloverWarning):
    """A dynamic model's estimates are not stationary, so its long-run effects do not exist (reported as
    NaN)."""


def format_items(items: Iterable[object], limit: int = 10) -> str:
    """Render items for an error message: ``'a', 'b', 'c' (and 4 more)``."""
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:limit])
    if len(items) > limit:
        shown += f" (and {len(items) - limit} more)"
    return shown


def check_option(
    value: object, options: Any, name: str, *, error: type[SpilloverError] = SpilloverError
) -> None:
    """Raise ``error`` unless ``value`` is one of ``options`` (a ``Literal`` alias or a sequence).

    Examples
    --------
    >>> from typing import Literal
    >>> check_option("vrs", Literal["crs", "vrs"], "rts")
    >>> check_option("xyz", ("crs", "vrs"), "rts")
    Traceback (most recent call last):
    ...
    spillover.errors.SpilloverError: 'rts' needs to be one of ['crs', 'vrs']; 'xyz' was given instead.
    """
    allowed = list(get_args(options) or options)
    if value not in allowed:
        raise error(f"{name!r} needs to be one of {allowed}; {value!r} was given instead.")


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside spillover.

    Call it directly inside the function that warns:
    ``warnings.warn(msg, Cls, stacklevel=user_stacklevel())``.
    """
    import sys

    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("spillover"):
        frame, level = frame.f_back, level + 1
    return level
