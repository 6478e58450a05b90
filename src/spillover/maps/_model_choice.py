"""Figure of the posterior model probabilities of :func:`spillover.spatial.model_probabilities`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from spillover.errors import SpilloverError
from spillover.maps._base import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["model_probability_plot"]

#: one colour per kind (colour-blind safe, Okabe-Ito)
_KIND_COLORS = {
    "slx": "#999999",
    "sar": "#56B4E9",
    "sem": "#E69F00",
    "sdm": "#0072B2",
    "sdem": "#D55E00",
}


def model_probability_plot(result: Any, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Posterior probabilities as bars: one group per candidate W, one bar per kind, the value above it.

    Parameters
    ----------
    result
        A :class:`~spillover.spatial.ModelProbabilities` (from :func:`spillover.spatial.model_probabilities`).
    ax, title
        Axes to draw on (default: a new figure) and the title (default: the most probable model).

    Returns
    -------
    matplotlib.figure.Figure
    """
    try:
        table = result.to_frame()
        kinds, weights = list(result.kinds), list(result.weights)
    except AttributeError:
        raise SpilloverError(
            "model_probability_plot draws the result of spillover.spatial.model_probabilities; got "
            f"{type(result).__name__}."
        ) from None
    prob = table["probability"].unstack("w").reindex(index=kinds, columns=weights)
    fig, ax = new_axes(ax, (1.6 + 1.3 * len(weights) * max(1, len(kinds)) / 4, 3.6))
    width = 0.8 / len(kinds)
    centres = np.arange(len(weights))
    for i, kind in enumerate(kinds):
        pos = centres - 0.4 + width * (i + 0.5)
        values = prob.loc[kind].to_numpy(dtype=float)
        ax.bar(pos, values, width=width * 0.95, color=_KIND_COLORS.get(kind, "#444444"), label=kind.upper())
        for xp, v in zip(pos, values):
            if v >= 0.005:
                ax.text(xp, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(centres, weights)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("posterior probability")
    ax.set_xlabel("weights matrix")
    kind, w = result.best
    ax.set_title(title if title is not None else f"Most probable: {kind.upper()} with {w}", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncol=len(kinds), loc="upper center", bbox_to_anchor=(0.5, -0.18))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
