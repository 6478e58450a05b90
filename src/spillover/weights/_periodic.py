"""Weights that change with the data every period: ``{period: Graph}`` for time-varying spatial models.

Economic and nested weights are built from regions' means of a variable (GDP per capita) over a window of
periods (:func:`spillover.weights.economic`, :func:`spillover.weights.nested`); with GDP changing every year
the weights of year t are those built from the data of year t (``span=1``) or of the ``span`` years up to
t (a moving-window average, which smooths year-to-year noise).  The result feeds
``SpatialPanelModel(panel, y, x, w={period: W_t, ...})``, the time-varying estimator of
:mod:`spillover.spatial._multiw`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Literal

from libpysal.graph import Graph

from spillover.errors import WeightsError, check_option
from spillover.options import check_int
from spillover.weights._build import economic, nested

if TYPE_CHECKING:
    from spillover.panel import SpatialPanel

__all__ = ["by_period", "PeriodKind"]

PeriodKind = Literal["economic", "nested"]


def by_period(
    panel: SpatialPanel, var: str, *, kind: PeriodKind = "economic", span: int = 1, **options: Any
) -> dict[Hashable, Graph]:
    """One weights graph per period of the panel, from that period's data (or a moving window).

    Parameters
    ----------
    panel
        The SpatialPanel.
    var
        The variable whose regional means define the weights (e.g. GDP per capita).
    kind
        ``"economic"`` (:func:`spillover.weights.economic`) or ``"nested"``
        (:func:`spillover.weights.nested`).
    span
        Periods averaged for period t: t and the ``span - 1`` periods before it (fewer at the start of the
        panel, where fewer exist); ``1`` (default) uses period t alone.
    **options
        Passed to the builder (``ties=``, ``transform=``; ``form=``, ``phi=``, ``power=``, ``coords=`` for
        nested weights); not ``window=``, which ``span`` sets per period.

    Returns
    -------
    dict
        ``{period: Graph}`` in the panel's period order, as ``SpatialPanelModel(..., w=...)`` takes it.

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.us_states()
    >>> ws = so.weights.by_period(panel, "ln_gsp", span=3)
    >>> len(ws) == panel.n_periods, list(ws)[:2] == panel.periods.tolist()[:2]
    (True, True)
    """
    check_option(kind, ("economic", "nested"), "kind", error=WeightsError)
    check_int(span, "span", minimum=1, error=WeightsError)
    if "window" in options:
        raise WeightsError("by_period sets each period's window itself (span=); do not pass window=.")
    build = economic if kind == "economic" else nested
    periods = panel.periods.tolist()
    out: dict[Hashable, Graph] = {}
    for i, p in enumerate(periods):
        window = periods[max(0, i - span + 1) : i + 1]
        out[p] = build(panel, var, window=window, **options)
    return out
