"""LISA cluster maps, Moran scatter plots and Moran's I over time."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from spillover.errors import SpilloverError, format_items
from spillover.esda import (
    LISA_COLORS,
    NOT_SIGNIFICANT,
    LocalMoranResult,
    Transform,
    local_moran,
    moran_scatter_data,
)
from spillover.esda._moran import _LABEL_MODES
from spillover.maps import _china
from spillover.maps._base import (
    NO_DATA_COLOR,
    NO_DATA_HATCH,
    add_polygons,
    cjk_text,
    figure_of,
    geometry_paths,
    legend_patch,
    new_axes,
    place_legend,
    result_regions,
    with_no_data,
)
from spillover.options import MapLanguage, check_int, check_option, check_probability, warn
from spillover.panel import SpatialPanel

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["lisa_map", "lisa_cluster_map", "moran_scatter", "moran_over_time", "LISA_ORDER"]

#: Legend order of the LISA classes.
LISA_ORDER = ("High-High", "Low-Low", "Low-High", "High-Low", NOT_SIGNIFICANT)


@overload
def lisa_map(
    lisa: LocalMoranResult,
    geometry: gpd.GeoDataFrame | SpatialPanel | None = None,
    /,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure: ...


@overload
def lisa_map(
    panel: SpatialPanel,
    var: str,
    w: Any,
    period: Hashable | None = None,
    *,
    alpha: float = 0.05,
    permutations: int = 999,
    seed: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure: ...


def lisa_map(
    panel: SpatialPanel | LocalMoranResult,
    var: Any = None,
    w: Any = None,
    period: Hashable | None = None,
    *,
    alpha: float | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure:
    """LISA cluster map in GeoDa's palette, with the number of regions per class.

    Two ways to call it, one figure:

    * ``lisa_map(lisa, geometry=None)`` draws a :class:`~spillover.esda.LocalMoranResult` (from
      :func:`spillover.esda.local_moran`); ``geometry`` (a panel or a GeoDataFrame indexed by region id)
      defaults to the geometry the result carries.  Pass the same result to :func:`moran_scatter` (``lisa=``)
      and both figures show the same clusters.
    * ``lisa_map(panel, var, w, period=None, alpha=0.05, permutations=999, seed=0)`` computes that result
      first (seeded conditional permutations; ``period`` defaults to the panel's last).

    A region is coloured by its quadrant when its pseudo p-value is at most ``alpha``: High-High ``#FF0000``,
    Low-Low ``#0000FF``, Low-High ``#9696FF``, High-Low ``#FF9696``, not significant ``#F0F0F0``
    (:data:`LISA_COLORS`).  Islands (regions without neighbours, which have no local statistic) and regions
    outside the data are drawn grey and hatched ("No data").

    Parameters
    ----------
    panel
        The panel, or a LocalMoranResult.
    var, w, period
        With a panel: variable, spatial weights and period.  With a result, the second (positional)
        argument is the geometry.
    alpha
        Significance level of the pseudo p-values (with a panel; a result carries its own).
    permutations, seed
        Conditional permutations and their seed (with a panel).
    ax, title, china, language, labels, crs
        As in :func:`spillover.maps.choropleth`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> fig = lisa_map(panel, "ln_gsp", w, 1986, permutations=99)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1].startswith("Not significant")
    True
    >>> lisa = so.local_moran(panel, "ln_gsp", w, period=1986, permutations=99)
    >>> lisa_map(lisa).axes[0].get_title()
    'LISA clusters of ln_gsp, 1986'
    """
    if isinstance(panel, LocalMoranResult):
        _only_geometry(var, w, period, alpha, permutations, seed)
        lisa, geometry = panel, var
    else:
        lisa = _panel_lisa(
            panel,
            var,
            w,
            period,
            alpha=0.05 if alpha is None else alpha,
            permutations=999 if permutations is None else permutations,
            seed=0 if seed is None else seed,
        )
        geometry = panel.geometry
    return _draw_lisa(
        lisa, geometry, ax=ax, title=title, china=china, language=language, labels=labels, crs=crs
    )


def lisa_cluster_map(
    result: LocalMoranResult,
    geometry: gpd.GeoDataFrame | SpatialPanel | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure:
    """Deprecated alias of :func:`lisa_map` (``lisa_map(result, geometry)``); removed in the next release."""
    warn(
        "lisa_cluster_map(...) is deprecated and will be removed in the next release; use "
        "lisa_map(result, geometry) instead (the one LISA map).",
        FutureWarning,
    )
    return lisa_map(
        result, geometry, ax=ax, title=title, china=china, language=language, labels=labels, crs=crs
    )


def _only_geometry(geometry: Any, w: Any, period: Any, alpha: Any, permutations: Any, seed: Any) -> None:
    """With a LocalMoranResult the analysis is done: only the geometry may follow it."""
    given = [
        name
        for name, value in (
            ("w", w),
            ("period", period),
            ("alpha", alpha),
            ("permutations", permutations),
            ("seed", seed),
        )
        if value is not None
    ]
    if given:
        raise SpilloverError(
            f"lisa_map(result, ...) draws a LocalMoranResult as it was computed, so "
            f"{', '.join(n + '=' for n in given)} cannot be passed with it; call "
            "local_moran again with them, or pass the panel form "
            "lisa_map(panel, var, w, period, ...)."
        )
    if isinstance(geometry, str):
        raise SpilloverError(
            f"lisa_map(result, {geometry!r}): the second argument of the result form is the "
            "geometry (a panel or GeoDataFrame); the variable is the result's own."
        )


def _panel_lisa(
    panel: Any, var: Any, w: Any, period: Hashable | None, *, alpha: float, permutations: int, seed: int
) -> LocalMoranResult:
    """The local Moran of ``var`` in ``period`` (default: the last) of ``panel``, checked for the map."""
    from spillover.esda import local_moran
    from spillover.maps._base import check_period, check_variable

    if not isinstance(panel, SpatialPanel):
        raise SpilloverError(
            f"lisa_map needs a SpatialPanel or a LocalMoranResult, got {type(panel).__name__}."
        )
    if w is None:
        raise SpilloverError("lisa_map(panel, var, w, period) needs the spatial weights w.")
    check_variable(panel, var)
    period = check_period(panel, period)
    return local_moran(panel, var, w, period=period, permutations=permutations, seed=seed, alpha=alpha)


def _draw_lisa(
    result: LocalMoranResult,
    geometry: Any,
    *,
    ax: Axes | None,
    title: str | None,
    china: bool | None,
    language: MapLanguage,
    labels: bool | None,
    crs: Any,
) -> Figure:
    """Draw the LISA cluster map of ``result`` (see :func:`lisa_map`)."""
    geo = result_regions(
        geometry,
        result.geometry,
        result.clusters.index,
        "the LISA result",
        how="pass the geometry as lisa_map's second argument",
    )
    frame = result.to_frame()
    return draw_class_map(
        frame["cluster"],
        frame["p_sim"].isna().to_numpy(),
        geo,
        {k: (LISA_COLORS[k], k) for k in LISA_ORDER},
        f"LISA, p ≤ {result.alpha:g}",
        title if title is not None else f"LISA clusters of {result.variable}, {result.period}",
        what="the LISA map",
        ax=ax,
        china=china,
        language=language,
        labels=labels,
        crs=crs,
    )


def draw_class_map(
    classes: pd.Series,
    island: np.ndarray,
    geo: gpd.GeoDataFrame,
    legend: dict[str, tuple[str, str]],
    legend_title: str,
    title: str,
    *,
    what: str,
    ax: Axes | None,
    china: bool | None,
    language: MapLanguage,
    labels: bool | None,
    crs: Any,
) -> Figure:
    """One class per region in ``legend``'s colours (class -> (colour, label), in legend order), islands
    and regions outside the data grey and hatched, the number of regions per class in the legend.

    The LISA map's drawing, shared by the maps of :mod:`spillover.maps._hotspots`.
    """
    layer = _china.prepare_layer(geo, china=china, crs=crs, language=language, what=what)
    values = classes.to_numpy()
    face = [legend[c][0] for c in values[~island]]
    paths = geometry_paths(layer.regions.geometry)
    linked = [p for p, i in zip(paths, island, strict=True) if not i]
    alone = [p for p, i in zip(paths, island, strict=True) if i]

    def paint(target: Axes) -> None:
        add_polygons(target, linked, face, gid="regions", edgecolor="#9A9A9A")
        _china.draw_no_data(target, layer)
        if alone:
            add_polygons(
                target, alone, NO_DATA_COLOR, gid="islands", hatch=NO_DATA_HATCH, edgecolor="#8C8C8C"
            )

    fig, ax = _china.draw_map(ax, layer, paint, labels=labels, size=(7.5, 5.0))
    counts = pd.Series(values[~island]).value_counts().reindex(list(legend), fill_value=0)
    handles = [legend_patch(legend[k][0], f"{legend[k][1]} ({n})") for k, n in counts.items()]
    place_legend(ax, with_no_data(handles, int(island.sum()) + len(layer.no_data)), legend_title)
    ax.set_title(title)
    return cjk_text(fig)


# ---------------------------------------------------------------------------------------------- scatter
def moran_scatter(
    panel: SpatialPanel,
    var: str,
    w: Any,
    period: Hashable | None = None,
    *,
    ax: Axes | None = None,
    labels: str = "significant",
    max_labels: int = 10,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    transform: Transform = "r",
    lisa: LocalMoranResult | None = None,
) -> Figure:
    """Moran scatter plot of ``var`` in ``period``: quadrant lines, fitted slope (= I), labelled regions.

    Points are coloured by their LISA cluster (:data:`LISA_COLORS`) from ``permutations``, ``seed`` and
    ``alpha``, or taken from ``lisa``, a :func:`spillover.esda.local_moran` result of the same variable and
    period: pass the result the LISA map draws (``lisa_map(lisa)``) and both figures show the same
    clusters.  ``labels``: which regions get their name written: ``"significant"`` (LISA clusters, most
    significant first), ``"extreme"`` (farthest from the origin), ``"all"`` or ``"none"``; at most
    ``max_labels``.  ``period`` defaults to ``lisa``'s period, else the panel's last.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> lisa = so.local_moran(panel, "ln_gsp", w, period=1986, permutations=99, seed=7)
    >>> fig = moran_scatter(panel, "ln_gsp", w, lisa=lisa)  # the clusters of the map of ``lisa``
    >>> fig.axes[0].get_title().startswith("Moran scatter plot, 1986")
    True
    """
    from spillover.maps._base import check_period

    if lisa is not None and period is None:
        period = lisa.period
    period = check_period(panel, period)
    return figure_of(
        moran_scatter_axes(
            panel,
            var,
            w,
            period=period,
            ax=ax,
            labels=labels,
            max_labels=max_labels,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            transform=transform,
            lisa=lisa,
        )
    )


def moran_scatter_axes(
    panel: SpatialPanel,
    var: str,
    w: Any,
    *,
    period: Hashable,
    ax: Axes | None,
    labels: str,
    max_labels: int,
    permutations: int,
    seed: int,
    alpha: float,
    transform: Transform,
    lisa: LocalMoranResult | None = None,
) -> Axes:
    """Draw the Moran scatter plot (see :func:`moran_scatter`) and return its axes."""
    check_option(labels, _LABEL_MODES, "labels")
    check_int(max_labels, "max_labels", minimum=0)
    scatter = moran_scatter_data(panel, var, w, period=period, transform=transform)
    if lisa is None:
        lisa = local_moran(
            panel,
            var,
            w,
            period=period,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            transform=transform,
        )
    clusters = _matching_lisa(lisa, var, period, scatter.to_frame().index)
    _, ax = new_axes(ax, (6.0, 5.0))
    frame = scatter.to_frame()
    _draw_scatter(ax, frame, scatter.slope, scatter.intercept, clusters)
    for region in _regions_to_label(frame, clusters, labels, max_labels):
        row = frame.loc[region]
        ax.annotate(
            str(region), (row["z"], row["lag_z"]), xytext=(3, 3), textcoords="offset points", fontsize=7
        )
    ax.set_xlabel(f"{var} (standardised)")
    ax.set_ylabel(f"spatial lag of {var}")
    ax.set_title(f"Moran scatter plot, {period}: I = {scatter.moran_i:.3f}")
    ax.legend(loc="best", fontsize=7, frameon=False)
    cjk_text(figure_of(ax))
    return ax


def _matching_lisa(lisa: LocalMoranResult, var: str, period: Hashable, regions: pd.Index) -> pd.DataFrame:
    """The LISA frame of ``lisa`` in the scatter's region order, after checking it is the same analysis."""
    if lisa.variable != var or lisa.period != period:
        raise SpilloverError(
            f"lisa= is the local Moran of {lisa.variable!r} in {lisa.period!r}, but the "
            f"scatter plot shows {var!r} in {period!r}; pass the LISA result of the same "
            "variable and period."
        )
    frame = lisa.to_frame()
    missing = regions.difference(frame.index)
    if len(missing):
        raise SpilloverError(
            f"lisa= lacks region(s) {format_items(missing.tolist())} of the panel; "
            "compute it on the same panel and weights."
        )
    return frame.reindex(regions)


def _draw_scatter(ax: Axes, frame: pd.DataFrame, slope: float, intercept: float, lisa: pd.DataFrame) -> None:
    for label, color in LISA_COLORS.items():
        sel = lisa["cluster"] == label
        if sel.any():
            ax.scatter(
                frame.loc[sel, "z"],
                frame.loc[sel, "lag_z"],
                s=22,
                color=color,
                edgecolor="black",
                linewidth=0.4,
                label=f"{label} ({int(sel.sum())})",
                zorder=3,
            )
    ax.axhline(0.0, color="grey", linewidth=0.8, linestyle="--", zorder=1)
    ax.axvline(0.0, color="grey", linewidth=0.8, linestyle="--", zorder=1)
    lo, hi = float(frame["z"].min()), float(frame["z"].max())
    xs = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), 2)
    ax.plot(xs, intercept + slope * xs, color="black", linewidth=1.2, label=f"slope = {slope:.3f}", zorder=2)


def _regions_to_label(frame: pd.DataFrame, lisa: pd.DataFrame, mode: str, limit: int) -> list[Hashable]:
    if mode == "none" or limit == 0:
        return []
    if mode == "significant":
        chosen = lisa[lisa["cluster"] != NOT_SIGNIFICANT].sort_values("p_sim", kind="stable")
        return chosen.index[:limit].tolist()
    if mode == "extreme":
        distance = np.hypot(frame["z"], frame["lag_z"])
        return distance.sort_values(ascending=False, kind="stable").index[:limit].tolist()
    return frame.index[:limit].tolist()


# ---------------------------------------------------------------------------------------------- over time
def moran_over_time(
    table: pd.DataFrame,
    *,
    level: float = 0.95,
    assumption: str = "randomization",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Moran's I per period with its confidence band, from :func:`spillover.moran_by_period`.

    For each period the line shows ``I`` and the band ``I +/- z_(1+level)/2 * sqrt(var)`` with the variance
    of I under the randomisation (default) or normality assumption (columns ``var_rand``/``var_norm``); the
    dashed line is ``E[I] = -1/(n-1)``.  Filled markers: periods whose two-sided p-value (``p_rand`` or
    ``p_norm``) is below ``1 - level``, which are the periods whose band excludes ``E[I]``.  A table of several variables (index level ``variable``) gives one
    line per variable.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> fig = moran_over_time(so.moran_by_period(panel, "ln_gsp", w, permutations=0))
    >>> fig.axes[0].get_ylabel()
    "Moran's I"
    """

    check_option(assumption, ("randomization", "normality"), "assumption")
    check_probability(level, "level")
    suffix = "rand" if assumption == "randomization" else "norm"
    needed = ["I", "E[I]", f"var_{suffix}", f"p_{suffix}"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise SpilloverError(
            f"the table lacks column(s) {format_items(missing)}; pass the output of "
            "spillover.moran_by_period."
        )
    own_figure = ax is None
    fig, ax = new_axes(ax, (6.5, 4.0))
    z = stats.norm.ppf(0.5 + level / 2)
    groups = (
        table.groupby(level="variable", sort=False)
        if "variable" in (table.index.names or [])
        else [(None, table)]
    )
    for name, part in groups:
        if name is not None:
            part = part.droplevel("variable")
        _draw_moran_line(ax, part, z, suffix, 1 - level, label=name)
    _integer_periods(ax, table.index.get_level_values(-1))
    ax.set_xlabel(str(table.index.names[-1] or "period"))
    ax.set_ylabel("Moran's I")
    ax.set_title(
        title if title is not None else f"Moran's I with {level:.0%} confidence band ({assumption})",
        fontsize=10,
    )
    if own_figure:  # below the axes, where it hides no part of the band
        fig.legend(loc="outside lower center", ncols=5, fontsize=7.5, frameon=False).set_gid("legend")
    else:
        ax.legend(loc="best", fontsize=7.5, frameon=False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    return cjk_text(fig)


def _integer_periods(ax: Axes, periods: pd.Index) -> None:
    """Ticks at whole periods only (1990, 1991, ..., never 2002.5) when the periods are whole numbers."""
    from matplotlib.ticker import MaxNLocator

    if not pd.api.types.is_numeric_dtype(periods) or pd.api.types.is_bool_dtype(periods):
        return  # text periods get one tick each (_draw_moran_line)
    values = np.asarray(periods, dtype=float)
    if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter("{x:.0f}")


def _draw_moran_line(ax: Axes, part: pd.DataFrame, z: float, suffix: str, alpha: float, label: Any) -> None:
    x = np.arange(len(part)) if not pd.api.types.is_numeric_dtype(part.index) else part.index.to_numpy()
    i = part["I"].to_numpy(dtype=float)
    half = z * np.sqrt(part[f"var_{suffix}"].to_numpy(dtype=float))
    sig = part[f"p_{suffix}"].to_numpy(dtype=float) < alpha
    line = ax.plot(x, i, color=None, linewidth=1.4, label=f"I{'' if label is None else f' ({label})'}")[0]
    color = line.get_color()
    ax.fill_between(
        x,
        i - half,
        i + half,
        color=color,
        alpha=0.18,
        linewidth=0,
        label="confidence band" if label is None else None,
    )
    ax.scatter(x[sig], i[sig], color=color, s=18, zorder=3, label=f"p < {alpha:g}" if label is None else None)
    ax.scatter(
        x[~sig],
        i[~sig],
        facecolor="white",
        edgecolor=color,
        s=18,
        zorder=3,
        label=f"p ≥ {alpha:g}" if label is None and (~sig).any() else None,
    )
    ax.plot(
        x,
        part["E[I]"].to_numpy(dtype=float),
        color="#777777",
        linestyle="--",
        linewidth=0.9,
        label="E[I]" if label is None else None,
    )
    if not pd.api.types.is_numeric_dtype(part.index):
        ax.set_xticks(x, [str(p) for p in part.index], rotation=45)
