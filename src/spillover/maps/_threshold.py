"""The LR(gamma) figure of a panel threshold model (:func:`spillover.panel_models.threshold`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from spillover.errors import SpilloverError
from spillover.panel_models import ThresholdResults

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = ["threshold_plot"]

_TITLES = {
    "Th-1": "single-threshold model",
    "Th-21": "first threshold, given the second",
    "Th-22": "second threshold, given the first",
    "Th-3": "third threshold, given the first two",
}


def threshold_plot(result: ThresholdResults, *, title: str | None = None) -> Figure:
    """The likelihood-ratio curve ``LR(gamma)`` of each threshold with the critical value (dashed).

    One panel per threshold of the final model (``Th-1`` for one threshold; ``Th-21`` and ``Th-22`` for
    two; and ``Th-3`` for three), as ``xthreg``'s ``_matplot``: the threshold's confidence interval is the set
    of candidates under the dashed line ``-2 ln(1 - sqrt(level))``; the estimate is marked where the curve
    touches zero.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ThresholdResults):
        raise SpilloverError(
            f"threshold_plot needs the result of spillover.panel_models.threshold, got {type(result).__name__}."
        )
    keys = (
        ["Th-1"] if result.n_thresholds == 1 else ["Th-21", "Th-22"] + ["Th-3"] * (result.n_thresholds == 3)
    )
    lr, table = result.lr, result.thresholds
    fig, axes = plt.subplots(
        1, len(keys), figsize=(4.2 * len(keys), 3.4), layout="constrained", squeeze=False
    )
    for ax, key in zip(axes[0], keys):
        curve = lr[lr["threshold"] == key]
        ax.plot(curve["gamma"], curve["lr"], color="#1f4e79", lw=1.2)
        ax.axhline(
            result.critical_value, color="#c0392b", ls="--", lw=1, label=f"{result.level:.0%} critical value"
        )
        row = table.loc[key]
        ax.axvspan(row["ci_lower"], row["ci_upper"], color="#c0392b", alpha=0.08, lw=0)
        ax.plot([row["estimate"]], [0.0], "o", color="#1f4e79", ms=4)
        ax.set_title(f"{key}: {_TITLES[key]}\n{result.q_name} = {row['estimate']:.4g}", fontsize=9)
        ax.set_xlabel(f"threshold ({result.q_name})")
        top = np.nanmax(curve["lr"].to_numpy())
        ax.set_ylim(0, max(3 * result.critical_value, min(top, 10 * result.critical_value)) * 1.05)
    axes[0][0].set_ylabel("LR statistic")
    axes[0][0].legend(frameon=False, fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title)
    return fig
