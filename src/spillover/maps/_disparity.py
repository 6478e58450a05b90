"""Figures of :mod:`spillover.disparity`: Dagum and Theil decompositions over time, kernel density evolution
(curves and the 3-D surface), Markov transition heat maps and sigma/beta convergence.

Every function draws the numbers the result holds (nothing is re-estimated) and returns a
:class:`matplotlib.figure.Figure`; ``ax=`` draws on a given axes where one axes suffices.  The artists carry a
``gid`` saying what they hold, so a figure's content can be read back: bars ``share_w`` / ``G_w`` ..., lines
``G_jj[group]`` / ``G_jh[pair]`` / ``density[period]``, bands ``band[...]``, heat-map annotations
``probability``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from spillover.disparity import (
    ConvergenceResults,
    DagumResult,
    KernelDensityResult,
    LisaMarkovResult,
    MarkovResult,
    SpatialMarkovResult,
    TheilResult,
)
from spillover.errors import SpilloverError, format_items
from spillover.maps._base import cjk_text, figure_of, new_axes
from spillover.maps._lisa import _integer_periods
from spillover.options import check_int, check_option
from spillover.panel import SpatialPanel

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["dagum_plot", "theil_plot", "density_plot", "markov_heatmap", "convergence_plot"]

DagumKind = Literal["contributions", "within", "between"]
DensityKind = Literal["curves", "surface"]
TheilIndex = Literal["both", "T", "L"]

#: Colours of the decomposition components (within, between, transvariation), colour-blind safe.
COMPONENT_COLORS = ("#4C72B0", "#DD8452", "#55A868")
_GRID = "#E5E5E5"


def _require(result: Any, types: type | tuple[type, ...], function: str, source: str) -> None:
    if not isinstance(result, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise SpilloverError(
            f"{function} draws a {names} (from {source}), got {type(result).__name__}; pass that result."
        )


def _x(periods: pd.Index) -> np.ndarray:
    """Positions of the periods on the x axis: the periods themselves when numeric, else 0..T-1."""
    if pd.api.types.is_numeric_dtype(periods) and not pd.api.types.is_bool_dtype(periods):
        return np.asarray(periods, dtype=float)
    return np.arange(len(periods), dtype=float)


def _period_axis(ax: Axes, periods: pd.Index, name: Any) -> None:
    x = _x(periods)
    if pd.api.types.is_numeric_dtype(periods) and not pd.api.types.is_bool_dtype(periods):
        _integer_periods(ax, periods)
    else:
        step = max(1, len(periods) // 12)
        ax.set_xticks(x[::step], [str(p) for p in periods[::step]], rotation=45)
    ax.set_xlabel(str(name or "period"))
    ax.grid(axis="y", color=_GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _bar_width(x: np.ndarray) -> float:
    return 0.8 * (float(np.min(np.diff(x))) if len(x) > 1 else 1.0)


def _stacked(ax: Axes, x: np.ndarray, parts: pd.DataFrame, labels: Sequence[str]) -> None:
    """Bars of ``parts``' columns stacked per row (negative parts, e.g. a negative Theil L between-group
    term, stack below zero); every rectangle's gid is its column name."""
    width = _bar_width(x)
    up = np.zeros(len(x))
    down = np.zeros(len(x))
    for column, label, color in zip(parts.columns, labels, COMPONENT_COLORS):
        h = parts[column].to_numpy(dtype=float)
        bottom = np.where(h >= 0, up, down)
        bars = ax.bar(x, h, width, bottom=bottom, color=color, label=label, edgecolor="white", linewidth=0.4)
        for rect in bars.patches:
            rect.set_gid(str(column))
        up = up + np.where(h >= 0, h, 0.0)
        down = down + np.where(h < 0, h, 0.0)


def _band(
    ax: Axes, x: np.ndarray, intervals: pd.DataFrame | None, name: str, periods: pd.Index, color: Any
) -> None:
    """The bootstrap interval of statistic ``name`` as a band (nothing without draws)."""
    if intervals is None:
        return
    part = intervals.xs(name, level="statistic").reindex(periods)
    band = ax.fill_between(
        x,
        part["ci_lower"].to_numpy(dtype=float),
        part["ci_upper"].to_numpy(dtype=float),
        color=color,
        alpha=0.18,
        linewidth=0,
    )
    band.set_gid(f"band[{name}]")


def _legend(fig: Figure, ax: Axes, own: bool, ncols: int = 4) -> None:
    if own:  # below the axes, where it hides nothing; the entries of ``ax`` once (twin panels repeat them)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="outside lower center", ncols=ncols, fontsize=7.5, frameon=False
        ).set_gid("legend")
    else:
        ax.legend(loc="best", fontsize=7.5, frameon=False)


# ---------------------------------------------------------------------------------------------- Dagum
def dagum_plot(
    result: DagumResult,
    kind: DagumKind = "contributions",
    *,
    absolute: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Dagum Gini decomposition over time, from :func:`spillover.disparity.dagum_gini`.

    * ``kind="contributions"``: per period, the contribution shares of within-group inequality ``G_w``, the
      net between-group ``G_nb`` and the transvariation ``G_t``, stacked to 1 (``absolute=True``: the
      components themselves, stacked to the overall ``G``, drawn as a line over the bars);
    * ``kind="within"``: each group's own Gini ``G_jj``, one line per group;
    * ``kind="between"``: each pair's between-group Gini ``G_jh``, one line per pair.

    With bootstrap draws (``draws=`` of :func:`~spillover.disparity.dagum_gini`) the lines carry their
    percentile intervals as bands (the overall ``G`` of ``absolute=True`` too).

    Examples
    --------
    >>> import spillover as so
    >>> res = so.disparity.dagum_gini(so.datasets.china_simulated(), "gdp_pc", "region4")
    >>> fig = dagum_plot(res, "within")
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['G_jj[East]', 'G_jj[Central]', 'G_jj[West]', 'G_jj[Northeast]']
    """
    _require(result, DagumResult, "dagum_plot", "spillover.disparity.dagum_gini")
    check_option(kind, ("contributions", "within", "between"), "kind")
    own = ax is None
    fig, ax = new_axes(ax, (6.5, 4.0))
    overall = result.to_frame()
    periods = overall.index
    x = _x(periods)
    intervals = result.intervals
    if kind == "contributions":
        cols = ["G_w", "G_nb", "G_t"] if absolute else ["share_w", "share_nb", "share_t"]
        labels = ["within groups (G_w)", "net between groups (G_nb)", "transvariation (G_t)"]
        _stacked(ax, x, overall[cols], labels)
        if absolute:
            (line,) = ax.plot(
                x, overall["G"].to_numpy(), color="black", linewidth=1.2, marker="o", ms=3, label="G"
            )
            line.set_gid("G")
            _band(ax, x, intervals, "G", periods, "black")
            ax.set_ylabel(f"Gini of {result.variable}")
        else:
            ax.set_ylim(0, 1)
            ax.set_ylabel("contribution to G (share)")
        default = f"Dagum Gini decomposition of {result.variable} by {result.by}"
        ncols = 4
    else:
        frame = result.within if kind == "within" else result.between
        prefix = "G_jj" if kind == "within" else "G_jh"
        for name in frame.columns:
            (line,) = ax.plot(
                x, frame[name].to_numpy(dtype=float), linewidth=1.4, marker="o", ms=3, label=str(name)
            )
            line.set_gid(f"{prefix}[{name}]")
            _band(ax, x, intervals, f"{prefix}[{name}]", periods, line.get_color())
        what = "Within-group Gini G_jj" if kind == "within" else "Between-group Gini G_jh"
        ax.set_ylabel(what)
        default = f"{what} of {result.variable} by {result.by}"
        ncols = min(6, max(1, len(frame.columns)))
    if intervals is not None and (kind != "contributions" or absolute):
        default += f" ({result.level:.0%} bootstrap bands, {result.draws} draws)"
    _period_axis(ax, periods, periods.name)
    ax.set_title(title if title is not None else default, fontsize=10)
    _legend(fig, ax, own, ncols)
    return cjk_text(fig)


# ---------------------------------------------------------------------------------------------- Theil
def theil_plot(
    result: TheilResult,
    index: TheilIndex = "both",
    *,
    shares: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Theil T and L over time with their within/between-group parts stacked, from
    :func:`spillover.disparity.theil`.

    Each period's bar is ``T_within`` + ``T_between`` = ``T`` (the line), the same for ``L``
    (``shares=True``: the shares of the two parts, stacked to 1).  ``index="both"`` draws T and L side by side;
    ``"T"`` or ``"L"`` one of them (then ``ax=`` may be given).

    Examples
    --------
    >>> import spillover as so
    >>> res = so.disparity.theil(so.datasets.china_simulated(), "gdp_pc", "region4")
    >>> len(theil_plot(res).axes)
    2
    """
    import matplotlib.pyplot as plt

    _require(result, TheilResult, "theil_plot", "spillover.disparity.theil")
    check_option(index, ("both", "T", "L"), "index")
    names = ["T", "L"] if index == "both" else [index]
    if ax is not None and len(names) > 1:
        raise SpilloverError('theil_plot draws T and L on two axes; with ax= choose one: index="T" or "L".')
    own = ax is None
    if ax is None:
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names) + 0.6, 3.8), layout="constrained")
        axes_list = list(np.atleast_1d(axes))
    else:
        fig, axes_list = figure_of(ax), [ax]
    frame = result.to_frame()
    periods = frame.index
    x = _x(periods)
    long = {"T": "Theil T (GE(1))", "L": "Theil L (GE(0))"}
    for name, target in zip(names, axes_list):
        suffix = ["share_within", "share_between"] if shares else ["within", "between"]
        cols = [f"{name}_{s}" for s in suffix]
        _stacked(target, x, frame[cols], ["within groups", "between groups"])
        if shares:
            target.set_ylim(0, 1)
            target.set_ylabel("share of the index")
        else:
            (line,) = target.plot(
                x,
                frame[name].to_numpy(),
                color="black",
                linewidth=1.2,
                marker="o",
                ms=3,
                label="index (within + between)",
            )
            line.set_gid(name)
            target.set_ylabel(long[name])
        target.set_title(long[name], fontsize=10)
        _period_axis(target, periods, periods.name)
    weighted = f", weighted by {result.weights}" if result.weights else ""
    heading = (
        title if title is not None else f"Theil decomposition of {result.variable} by {result.by}{weighted}"
    )
    if own:
        fig.suptitle(heading, fontsize=11)
    else:
        axes_list[0].set_title(heading, fontsize=10)
    _legend(fig, axes_list[0], own, 3)
    return cjk_text(fig)


# ---------------------------------------------------------------------------------------------- KDE
def density_plot(
    result: KernelDensityResult,
    kind: DensityKind = "curves",
    *,
    periods: Sequence[Hashable] | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
    title: str | None = None,
    elev: float = 28.0,
    azim: float = -58.0,
) -> Figure:
    """Kernel density evolution, from :func:`spillover.disparity.kernel_density`.

    * ``kind="curves"``: the periods' densities overlaid, coloured along a sequential colormap from the
      first period to the last (a legend for up to 8 periods, a colorbar beyond);
    * ``kind="surface"``: the 3-D surface period x value x density that provincial studies print (drawn
      with :mod:`mpl_toolkits.mplot3d`, seen from ``elev``/``azim``; ``ax=`` must then be a 3-D axes).

    ``periods`` restricts the figure to some of the result's periods.

    Examples
    --------
    >>> import spillover as so
    >>> res = so.disparity.kernel_density(so.datasets.china_simulated(), "gdp_pc", relative=True)
    >>> fig = density_plot(res, "surface")
    >>> fig.axes[0].name
    '3d'
    """
    import matplotlib as mpl

    _require(result, KernelDensityResult, "density_plot", "spillover.disparity.kernel_density")
    check_option(kind, ("curves", "surface"), "kind")
    dens = result.densities
    if periods is not None:
        chosen = list(periods)
        unknown = [p for p in chosen if p not in dens.columns]
        if unknown or not chosen:
            raise SpilloverError(
                f"periods {format_items(unknown)} are not in the result; its periods are "
                f"{format_items(dens.columns.tolist())}."
            )
        dens = dens[chosen]
    colormap = mpl.colormaps[cmap]
    xlabel = f"{result.variable} / period mean" if result.relative else result.variable
    default = f"Kernel density of {xlabel}"
    if kind == "curves":
        own = ax is None
        fig, ax = new_axes(ax, (6.5, 4.0))
        n = dens.shape[1]
        for i, period in enumerate(dens.columns):
            color = colormap(0.1 + 0.8 * i / max(n - 1, 1))
            (line,) = ax.plot(
                result.grid, dens[period].to_numpy(), color=color, linewidth=1.2, label=str(period)
            )
            line.set_gid(f"density[{period}]")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
        ax.set_ylim(bottom=0)
        ax.grid(color=_GRID, linewidth=0.6)
        if n <= 8:
            _legend(fig, ax, own, min(n, 8))
        else:
            _period_colorbar(fig, ax, dens.columns, colormap)
        ax.set_title(title if title is not None else default, fontsize=10)
        return cjk_text(fig)
    if ax is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(7.0, 5.2), layout="constrained")
        ax3 = fig.add_subplot(projection="3d")
    elif getattr(ax, "name", "") != "3d":
        raise SpilloverError(
            'density_plot(kind="surface") draws on a 3-D axes: pass ax=fig.add_subplot(projection="3d") '
            "or leave ax out."
        )
    else:
        fig, ax3 = figure_of(ax), ax
    grid, z = surface_data(result.grid, dens)
    t = _x(dens.columns)
    px, vy = np.meshgrid(t, grid, indexing="ij")
    surf = ax3.plot_surface(
        px, vy, z, cmap=colormap, rstride=1, cstride=1, linewidth=0.1, edgecolor="#444444", antialiased=True
    )
    surf.set_gid("surface")
    ax3.set_xlabel(str(dens.columns.name or "period"), fontsize=8)
    ax3.set_ylabel(xlabel, fontsize=8)
    ax3.set_zlabel("density", fontsize=8)
    if not (pd.api.types.is_numeric_dtype(dens.columns) and not pd.api.types.is_bool_dtype(dens.columns)):
        every = max(1, len(t) // 8)
        ax3.set_xticks(t[::every], [str(p) for p in dens.columns[::every]])
    else:
        _integer_periods(ax3, dens.columns)
    ax3.tick_params(labelsize=7)
    ax3.view_init(elev=elev, azim=azim)
    ax3.set_title(title if title is not None else default, fontsize=10)
    return cjk_text(fig)


def surface_data(
    grid: np.ndarray, dens: pd.DataFrame, max_points: int = 160
) -> tuple[np.ndarray, np.ndarray]:
    """The value grid and the periods x values densities the surface draws: every ``step``-th grid point,
    ``step`` the smallest that leaves at most ``max_points`` of them (a lighter figure, the same shape)."""
    step = max(1, int(np.ceil(len(grid) / max_points)))
    return grid[::step], dens.to_numpy().T[:, ::step]


def _period_colorbar(fig: Figure, ax: Axes, periods: pd.Index, colormap: Any) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    n = len(periods)
    colors = [colormap(0.1 + 0.8 * i / max(n - 1, 1)) for i in range(n)]
    norm = BoundaryNorm(np.arange(n + 1) - 0.5, n)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=ListedColormap(colors)), ax=ax, pad=0.01)
    every = max(1, n // 10)
    bar.set_ticks(list(range(0, n, every)), labels=[str(p) for p in periods[::every]])
    bar.ax.tick_params(labelsize=7)
    bar.set_label(str(periods.name or "period"), fontsize=8)


# ---------------------------------------------------------------------------------------------- Markov
def markov_heatmap(
    result: MarkovResult | SpatialMarkovResult | LisaMarkovResult,
    *,
    counts: bool = False,
    digits: int = 2,
    cmap: str = "Blues",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Transition probability heat map with the probabilities written in the cells.

    * :func:`~spillover.disparity.markov` and :func:`~spillover.disparity.lisa_markov` results: one heat map
      (rows: class or quadrant in ``t``, columns: in ``t + 1``), each row's number of transitions ``n`` in its
      label;
    * :func:`~spillover.disparity.spatial_markov`: one panel per spatial-lag class (the conditional
      matrices), on one colour scale (then ``ax=`` cannot be given).

    Probabilities are written with ``digits`` decimals; ``counts=True`` adds each cell's transition count
    below it.  Rows without any transition are left blank.

    Examples
    --------
    >>> import spillover as so
    >>> res = so.disparity.markov(so.datasets.china_simulated(), "gdp_pc", k=4)
    >>> fig = markov_heatmap(res)
    >>> [t.get_text() for t in fig.axes[0].texts][:4]
    ['0.81', '0.19', '0.00', '0.00']
    """
    import matplotlib.pyplot as plt

    _require(
        result,
        (MarkovResult, SpatialMarkovResult, LisaMarkovResult),
        "markov_heatmap",
        "spillover.disparity.markov, spatial_markov or lisa_markov",
    )
    check_int(digits, "digits", minimum=0)
    if isinstance(result, SpatialMarkovResult):
        if ax is not None:
            raise SpilloverError(
                "markov_heatmap draws a spatial Markov chain as one panel per lag class; leave ax out."
            )
        m = len(result.lag_classes)
        k = len(result.classes)
        side = 0.55 * k + 1.2
        fig, axes = plt.subplots(1, m, figsize=(side * m + 1.0, side + 0.2), layout="constrained")
        image = None
        for lag, target in zip(result.lag_classes, np.atleast_1d(axes)):
            cnt = result.conditional_counts.loc[lag]
            image = _heatmap(target, result.conditional.loc[lag], cnt, counts, digits, cmap)
            target.set_title(f"lag class {lag} (n = {int(cnt.to_numpy().sum())})", fontsize=9)
        assert image is not None
        fig.colorbar(image, ax=list(np.atleast_1d(axes)), shrink=0.8, label="transition probability")
        fig.suptitle(
            title
            if title is not None
            else f"Spatial Markov chain of {result.variable}: P(class in t+1 | class in t, lag class)",
            fontsize=10,
        )
        return cjk_text(fig)
    own = ax is None
    k = len(result.classes)
    side = 0.7 * k + 1.8
    fig, ax = new_axes(ax, (side + 1.0, side))
    image = _heatmap(ax, result.matrix, result.counts, counts, digits, cmap)
    if own:
        fig.colorbar(image, ax=ax, shrink=0.8, label="transition probability")
    what = "LISA Markov chain (Moran quadrants)" if isinstance(result, LisaMarkovResult) else "Markov chain"
    ax.set_title(title if title is not None else f"{what} of {result.variable}", fontsize=10)
    return cjk_text(fig)


def _heatmap(
    ax: Axes, matrix: pd.DataFrame, count: pd.DataFrame, counts: bool, digits: int, cmap: str
) -> Any:
    p = matrix.to_numpy(dtype=float)
    n = count.to_numpy()
    empty = n.sum(axis=1) == 0
    shown = np.where(empty[:, None], np.nan, p)
    image = ax.imshow(shown, cmap=cmap, vmin=0.0, vmax=1.0, aspect="equal")
    image.set_gid("matrix")
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            if empty[i]:
                continue
            text = f"{p[i, j]:.{digits}f}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if p[i, j] > 0.6 else "black",
                gid="probability",
            )
            if counts:
                ax.text(
                    j,
                    i + 0.28,
                    f"({n[i, j]:.0f})",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if p[i, j] > 0.6 else "#444444",
                    gid="count",
                )
    rows = [f"{c} (n={r:.0f})" for c, r in zip(matrix.index, n.sum(axis=1))]
    ax.set_xticks(np.arange(p.shape[1]), [str(c) for c in matrix.columns], fontsize=8)
    ax.set_yticks(np.arange(p.shape[0]), rows, fontsize=8)
    ax.set_xlabel("class in t + 1", fontsize=8)
    ax.set_ylabel("class in t", fontsize=8)
    ax.tick_params(length=0)
    return image


# ---------------------------------------------------------------------------------------------- convergence
def convergence_plot(
    result: ConvergenceResults,
    panel: SpatialPanel | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Sigma or beta convergence, from :func:`spillover.disparity.convergence`.

    * ``kind="sigma"``: the coefficient of variation and the standard deviation of the logs per period, each
      with its OLS trend line (the slopes ``cv_trend`` and ``sd_log_trend`` of the result);
    * ``kind="beta"`` / ``"spatial_beta"``: the growth ``ln(y_t / y_{t-1})`` of every region and period
      against the initial log level ``ln y_{t-1}`` and the fitted line of slope ``beta``: through the
      estimated constant for absolute convergence, through the means for conditional convergence (fixed
      effects, controls: the slope is the conditional one).  The result does not keep the data: pass the
      ``panel`` it was estimated on.

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.china_simulated()
    >>> res = so.disparity.convergence(panel, "gdp_pc", kind="sigma")
    >>> [line.get_gid() for line in convergence_plot(res).axes[0].lines]
    ['cv', 'cv_trend', 'sd_log', 'sd_log_trend']
    """
    _require(result, ConvergenceResults, "convergence_plot", "spillover.disparity.convergence")
    own = ax is None
    fig, ax = new_axes(ax, (6.5, 4.0))
    coef = result.to_frame()
    if result.kind == "sigma":
        disp = result.dispersion
        assert disp is not None
        periods = disp.index
        x = _x(periods)
        for column, label, color in (
            ("cv", "CV", COMPONENT_COLORS[0]),
            ("sd_log", "SD of logs", COMPONENT_COLORS[1]),
        ):
            y = disp[column].to_numpy(dtype=float)
            (line,) = ax.plot(x, y, color=color, linewidth=1.4, marker="o", ms=3, label=label)
            line.set_gid(column)
            slope = float(coef.loc[f"{column}_trend", "estimate"])
            p = float(coef.loc[f"{column}_trend", "p_value"])
            intercept = float(np.mean(y) - slope * np.mean(x))  # the OLS line passes through the means
            (trend,) = ax.plot(
                x,
                intercept + slope * x,
                color=color,
                linestyle="--",
                linewidth=1.0,
                label=f"trend {slope:+.4f} per period ({f'p = {p:.3f}' if p >= 0.001 else 'p < 0.001'})",
            )
            trend.set_gid(f"{column}_trend")
        _period_axis(ax, periods, periods.name)
        ax.set_ylabel("dispersion")
        default = f"Sigma convergence of {result.var}"
        _legend(fig, ax, own, 2)
    else:
        from spillover.disparity._convergence import growth_data

        if not isinstance(panel, SpatialPanel):
            raise SpilloverError(
                "convergence_plot of a beta convergence result needs the data: pass the panel the result was "
                "estimated on (convergence_plot(result, panel))."
            )
        if (panel.n_regions, panel.n_periods) != (result.n_regions, result.n_periods):
            raise SpilloverError(
                f"the panel has {panel.n_regions} regions x {panel.n_periods} periods, the result "
                f"{result.n_regions} x {result.n_periods}; pass the panel the result was estimated on."
            )
        data, growth, initial = growth_data(panel, result.var)
        frame = data.data[[growth, initial]].dropna()
        gx = frame[initial].to_numpy(dtype=float)
        gy = frame[growth].to_numpy(dtype=float)
        points = ax.scatter(
            gx, gy, s=10, color=COMPONENT_COLORS[0], alpha=0.55, linewidth=0, label="region-period"
        )
        points.set_gid("observations")
        beta = result.beta
        if result.form == "absolute" and "const" in coef.index:
            intercept = float(coef.loc["const", "estimate"])
            how = "fitted line"
        else:
            intercept = float(np.mean(gy) - beta * np.mean(gx))
            how = "conditional slope through the means"
        xs = np.linspace(float(gx.min()), float(gx.max()), 2)
        (line,) = ax.plot(
            xs, intercept + beta * xs, color="black", linewidth=1.3, label=f"{how}: beta = {beta:.4f}"
        )
        line.set_gid("fit")
        ax.axhline(0.0, color="grey", linewidth=0.7, linestyle=":")
        ax.set_xlabel(f"initial level ln {result.var} (t - 1)")
        ax.set_ylabel(f"growth ln({result.var}_t / {result.var}_t-1)")
        ax.grid(color=_GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        speed = result.speed
        extra = f", speed {speed:.4f}" if np.isfinite(speed) else ""
        kind = "Spatial beta" if result.kind == "spatial_beta" else "Beta"
        default = f"{kind} convergence of {result.var} ({result.form}{extra})"
        ax.legend(loc="best", fontsize=7.5, frameon=False)
    ax.set_title(title if title is not None else default, fontsize=10)
    return cjk_text(fig)
