"""Figures of the causal designs: the event-study plot and the placebo distribution."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from spillover.errors import SpilloverError, format_items
from spillover.maps._base import cjk_text, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from spillover.causal import EventStudyResult, PlaceboResult  # type only: maps stays quick to import

__all__ = ["event_study_plot", "placebo_plot"]

_LINE = "#2166AC"
_REAL = "#B2182B"


def event_study_plot(result: EventStudyResult, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Event-time coefficients of :func:`spillover.causal.event_study` with their confidence intervals.

    Points and bars: the coefficients and their intervals (at the result's ``level``); the reference period
    (``-1``, fixed at 0) is an open marker; the vertical dashed line separates the leads from event time 0;
    binned ends are marked with ``<=``/``>=`` in their tick labels; the subtitle gives the pre-trend test.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if type(result).__name__ != "EventStudyResult":
        raise SpilloverError(f"event_study_plot needs an event_study result; got {type(result).__name__}.")
    frame = result.to_frame()
    fig, ax = new_axes(ax, (6.5, 4.0))
    x = frame.index.to_numpy(dtype=float)
    est = frame["estimate"].to_numpy(dtype=float)
    lo, hi = frame["ci_lower"].to_numpy(dtype=float), frame["ci_upper"].to_numpy(dtype=float)
    ref = frame["reference"].to_numpy(dtype=bool)
    ax.axhline(0, color="#707070", linewidth=0.8)
    ax.axvline(-0.5, color="#707070", linewidth=0.8, linestyle="--")
    ax.errorbar(
        x[~ref], est[~ref], yerr=[est[~ref] - lo[~ref], hi[~ref] - est[~ref]], fmt="o", color=_LINE,
        ecolor=_LINE, elinewidth=1.2, capsize=3, markersize=5, label=f"estimate, {result.level:.0%} CI",
    )  # fmt: skip
    ax.plot(x[ref], est[ref], "o", markerfacecolor="white", markeredgecolor=_LINE, label="reference (-1)")
    labels = []
    lo_w, hi_w = result.window
    for t in frame.index:
        binned = bool(frame.loc[t, "binned"])
        labels.append(f"<={t}" if binned and t == lo_w else (f">={t}" if binned and t == hi_w else str(t)))
    ax.set_xticks(x, labels)
    ax.set_xlabel("event time (periods since adoption)")
    ax.set_ylabel(f"effect on {result.y_name}")
    methods = {
        "sun_abraham": "Sun-Abraham",
        "did2s": "did2s",
        "twfe": "TWFE",
        "callaway_santanna": "Callaway-Sant'Anna",
    }
    heading = title if title is not None else f"Event study ({methods[result.method]})"
    if result.pretrend is not None:
        p = result.pretrend
        heading += f"\npre-trends: chi2({p.df}) = {p.statistic:.2f}, p = {p.pvalue:.3f}"
    ax.set_title(heading, fontsize=10)
    ax.legend(loc="upper left", fontsize=7.5, frameon=False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    return cjk_text(fig)


def placebo_plot(
    result: PlaceboResult, term: str | None = None, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Histogram and kernel density of the placebo estimates of ``term`` (default: the first, the direct
    ATT or the event study's ``att``), with the real estimate as a vertical line and the permutation p-value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if type(result).__name__ != "PlaceboResult":
        raise SpilloverError(f"placebo_plot needs a placebo result; got {type(result).__name__}.")
    terms = list(result.estimate.index)
    term = terms[0] if term is None else term
    if term not in terms:
        raise SpilloverError(
            f"term {term!r} is not in the placebo result; its terms are {format_items(terms)}."
        )
    draws = result.distribution[term].dropna().to_numpy(dtype=float)
    real = float(result.estimate[term])
    fig, ax = new_axes(ax, (6.0, 3.8))
    ax.hist(draws, bins="auto", density=True, color="#BDBDBD", edgecolor="white", label="placebo estimates")
    if len(draws) > 2 and np.std(draws) > 0:
        grid = np.linspace(min(draws.min(), real), max(draws.max(), real), 200)
        ax.plot(grid, stats.gaussian_kde(draws)(grid), color="#404040", linewidth=1.2, label="kernel density")
    ax.axvline(real, color=_REAL, linewidth=1.6, label=f"estimate {real:.3f}")
    ax.set_xlabel(f"estimate of {term}")
    ax.set_ylabel("density")
    heading = title if title is not None else f"Placebo distribution ({len(draws)} draws, {result.scheme})"
    ax.set_title(f"{heading}\npermutation p = {float(result.pvalues[term]):.3f}", fontsize=10)
    ax.legend(loc="upper left", fontsize=7.5, frameon=False)
    return cjk_text(fig)
