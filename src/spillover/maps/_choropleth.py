"""Choropleth maps and small multiples of a panel variable, classified with mapclassify."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover.errors import SpilloverError, format_items
from spillover.maps import _china
from spillover.maps._base import (
    MapLayer,
    add_polygons,
    check_period,
    check_variable,
    cjk_text,
    draw_missing,
    geometry_paths,
    legend_patch,
    place_legend,
    region_frame,
    with_no_data,
)
from spillover.options import MapLanguage, check_int, check_option
from spillover.panel import SpatialPanel

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import LegendLocType

__all__ = ["choropleth", "small_multiples", "classify", "Scheme", "Classes"]

Scheme = Literal["quantiles", "natural_breaks", "equal_interval", "user_defined"]
_SCHEMES: tuple[str, ...] = get_args(Scheme)


@dataclass(frozen=True)
class Classes:
    """A classification: upper bounds of the classes, the class of each value, and legend labels."""

    bins: np.ndarray
    lower: float
    index: np.ndarray
    labels: list[str]

    @property
    def k(self) -> int:
        return len(self.bins)

    def counts(self) -> np.ndarray:
        return np.bincount(self.index, minlength=self.k)


def classify(
    values: np.ndarray,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    what: str = "the variable",
    fmt: str | None = None,
) -> Classes:
    """Classes of ``values`` (finite) by a mapclassify scheme.

    ``"quantiles"`` (:class:`mapclassify.Quantiles`), ``"natural_breaks"`` (Jenks' optimal breaks,
    :class:`mapclassify.FisherJenks`, deterministic), ``"equal_interval"`` (:class:`mapclassify.EqualInterval`)
    and ``"user_defined"`` (:class:`mapclassify.UserDefined` with upper bounds ``bins``; a last class up to the
    maximum is added when needed).

    Examples
    --------
    >>> c = classify(np.array([1.0, 2, 3, 4, 5, 6]), scheme="equal_interval", k=2)
    >>> c.labels, c.counts().tolist()
    (['1.00 – 3.50', '3.50 – 6.00'], [3, 3])
    """
    import mapclassify

    check_option(scheme, _SCHEMES, "scheme")
    if values.size == 0:
        raise SpilloverError(f"{what} has no values to classify.")
    if not np.isfinite(values).all():
        raise SpilloverError(
            f"{what} has {int((~np.isfinite(values)).sum())} missing or infinite value(s); "
            "classify the finite values only (the maps draw the others as 'No data')."
        )
    if scheme == "user_defined":
        cls = _user_defined(values, bins, what)
    else:
        _check_k(values, k, what)
        make = {
            "quantiles": mapclassify.Quantiles,
            "natural_breaks": mapclassify.FisherJenks,
            "equal_interval": mapclassify.EqualInterval,
        }[scheme]
        with warnings.catch_warnings():
            # FisherJenks says once that it runs without numba (slower, same breaks): not the user's concern
            warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
            cls = make(values, k=k)
    upper = np.asarray(cls.bins, dtype=float)
    lower = float(values.min())
    return Classes(
        upper, lower, np.asarray(cls.yb, dtype=int), _labels(lower, upper, fmt or _auto_fmt(upper))
    )


def _check_k(values: np.ndarray, k: int, what: str) -> None:
    check_int(k, "k (the number of classes)", minimum=2)
    distinct = np.unique(values).size
    if k > distinct:
        raise SpilloverError(
            f"k={k} classes asked for {what}, which has only {distinct} distinct value(s); use "
            f"k <= {distinct}."
        )


def _user_defined(values: np.ndarray, bins: Sequence[float] | None, what: str) -> Any:
    import mapclassify

    if bins is None or len(bins) == 0:
        raise SpilloverError("scheme='user_defined' needs bins= (the classes' upper bounds, increasing).")
    edges = np.asarray(bins, dtype=float)
    if np.any(np.diff(edges) <= 0) or not np.all(np.isfinite(edges)):
        raise SpilloverError(f"bins must be finite and strictly increasing, got {list(bins)}.")
    if edges[0] < values.min():
        raise SpilloverError(
            f"the first upper bound {edges[0]:g} is below the minimum of {what} "
            f"({values.min():g}): that class would be empty."
        )
    return mapclassify.UserDefined(values, bins=list(edges))


def _auto_fmt(upper: np.ndarray) -> str:
    span = float(np.max(np.abs(upper))) if upper.size else 1.0
    if np.allclose(upper, np.round(upper)) and span >= 10:
        return "{:,.0f}"
    digits = int(np.clip(2 - np.floor(np.log10(span)) if span > 0 else 2, 0, 4))
    return f"{{:,.{digits}f}}"


def _labels(lower: float, upper: np.ndarray, fmt: str) -> list[str]:
    edges = [lower, *upper.tolist()]
    return [f"{fmt.format(edges[i])} – {fmt.format(edges[i + 1])}" for i in range(len(upper))]


def class_colors(cmap: str, k: int) -> list[str]:
    """``k`` colours from a sequential colormap (avoiding its palest end so classes stay distinct)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cm = colormaps[cmap]
    return [to_hex(cm(x)) for x in np.linspace(0.12, 0.95, k)]


# ---------------------------------------------------------------------------------------------- data
def _cross_section(
    panel: SpatialPanel | gpd.GeoDataFrame, var: str, period: Hashable | None
) -> tuple[gpd.GeoDataFrame, pd.Series, Hashable | None]:
    if isinstance(panel, SpatialPanel):
        check_variable(panel, var)
        period = check_period(panel, period)
        frame = panel.cross_section(period)
        return panel.geometry, pd.to_numeric(frame[var], errors="coerce"), period
    geo = region_frame(panel, what="panel")
    if var not in geo.columns:
        raise SpilloverError(
            f"column {var!r} is not in the GeoDataFrame; its columns are {format_items(geo.columns)}."
        )
    if period is not None:
        raise SpilloverError("period= applies to a SpatialPanel; a GeoDataFrame is one cross-section.")
    return geo[["geometry"]], pd.to_numeric(geo[var], errors="coerce"), None


def _paint_classified(layer: MapLayer, values: pd.Series, classes: Classes, colors: list[str]) -> Any:
    finite = values.notna().to_numpy()
    geoms = layer.regions.geometry
    face = [colors[c] for c in classes.index]
    missing = geometry_paths(geoms[~finite])
    present = geometry_paths(geoms[finite])

    def paint(ax: Axes) -> None:
        add_polygons(ax, present, face, gid="regions")
        _china.draw_no_data(ax, layer)
        draw_missing(ax, missing)

    return paint


def _handles(classes: Classes, colors: list[str], n_no_data: int) -> list[Any]:
    counts = classes.counts()
    return with_no_data(
        [legend_patch(c, f"{lab} ({n})") for c, lab, n in zip(colors, classes.labels, counts)], n_no_data
    )


def _legend_title(var: str, units: str | None) -> str:
    return f"{var} ({units})" if units else var


# ---------------------------------------------------------------------------------------------- public
def choropleth(
    panel: SpatialPanel | gpd.GeoDataFrame,
    var: str,
    period: Hashable | None = None,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlOrRd",
    units: str | None = None,
    fmt: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
    legend_loc: LegendLocType = "lower left",
) -> Figure:
    """Choropleth of ``var`` in one period, classes from mapclassify, counts per class in the legend.

    Parameters
    ----------
    panel
        A :class:`~spillover.panel.SpatialPanel` (or a GeoDataFrame indexed by region with column ``var``).
    var
        The variable.
    period
        The period (default: the panel's last period).
    scheme, k, bins
        Classification (see :func:`classify`): ``"quantiles"``, ``"natural_breaks"``, ``"equal_interval"``
        with ``k`` classes, or ``"user_defined"`` with upper bounds ``bins``.
    cmap
        Sequential matplotlib colormap.
    units, fmt
        Units shown in the legend title; number format of the class limits (e.g. ``"{:,.1f}"``).
    title, ax
        Title (default: variable and period); axes to draw on (default: a new figure).
    china, language, labels, crs
        China conventions (default: detected from the region ids; see :mod:`spillover.maps`), label
        language (``"auto"``, ``"zh"``, ``"en"``), region labels (default: on for China), target CRS
        (default: Albers for China, the layer's own otherwise).
    legend_loc
        Legend position inside the axes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> panel = so.datasets.us_states()
    >>> fig = choropleth(panel, "unemp", 1986, scheme="natural_breaks", k=4, units="%")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0]
    '2.8 – 5.4 (15)'
    """
    geo, values, period = _cross_section(panel, var, period)
    what = f"{var!r}" + (f" in {period!r}" if period is not None else "")
    layer = _china.prepare_layer(
        geo, values, china=china, crs=crs, language=language, what=f"the choropleth of {what}"
    )
    values = layer.values
    assert values is not None  # prepare_layer was given values
    classes = classify(values.dropna().to_numpy(), scheme=scheme, k=k, bins=bins, what=what, fmt=fmt)
    colors = class_colors(cmap, classes.k)
    paint = _paint_classified(layer, values, classes, colors)
    fig, ax = _china.draw_map(ax, layer, paint, labels=labels, size=(7.5, 5.0))
    n_no_data = int(values.isna().sum()) + len(layer.no_data)
    place_legend(ax, _handles(classes, colors, n_no_data), _legend_title(var, units), loc=legend_loc)
    ax.set_title(title if title is not None else f"{var}" + (f", {period}" if period is not None else ""))
    return cjk_text(fig)


def small_multiples(
    panel: SpatialPanel,
    var: str,
    periods: Sequence[Hashable] | None = None,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlOrRd",
    units: str | None = None,
    fmt: str | None = None,
    ncols: int | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool = False,
    crs: Any = None,
    title: str | None = None,
    panel_width: float = 3.2,
) -> Figure:
    """One map per period sharing one classification (pooled over the periods) and one legend.

    Parameters
    ----------
    panel, var
        The panel and the variable.
    periods
        Periods to draw, in order (default: all).
    scheme, k, bins, cmap, units, fmt, china, language, labels, crs
        As in :func:`choropleth`; the classes are computed from the values of all drawn periods together,
        so a colour means the same in every panel.
    ncols
        Panels per row (default: up to 4).
    title
        Figure title (default: the variable).
    panel_width
        Width of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> fig = small_multiples(so.datasets.us_states(), "unemp", [1970, 1986], k=4)
    >>> [ax.get_title() for ax in fig.axes if ax.get_label() != "south_china_sea"]
    ['1970', '1986']
    """
    import matplotlib.pyplot as plt

    if not isinstance(panel, SpatialPanel):
        raise SpilloverError(f"small_multiples needs a SpatialPanel, got {type(panel).__name__}.")
    check_variable(panel, var)
    chosen = list(panel.periods) if periods is None else [check_period(panel, p) for p in periods]
    if not chosen:
        raise SpilloverError("periods= is empty; pass at least one period.")
    raw = pd.DataFrame({p: pd.to_numeric(panel.cross_section(p)[var], errors="coerce") for p in chosen})
    layer = _china.prepare_layer(
        panel.geometry, raw, china=china, crs=crs, language=language, what=f"the small multiples of {var!r}"
    )
    assert layer.values is not None  # prepare_layer was given values
    values = {p: layer.values[p] for p in chosen}
    pooled = np.concatenate([v.dropna().to_numpy() for v in values.values()])
    classes = classify(pooled, scheme=scheme, k=k, bins=bins, what=f"{var!r} over the periods drawn", fmt=fmt)
    colors = class_colors(cmap, classes.k)
    ncols = ncols or min(4, len(chosen))
    nrows = -(-len(chosen) // ncols)
    ratio = 0.8 if layer.china else 0.55
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_width * ncols, panel_width * ratio * nrows + 0.9),
        layout="constrained",
        squeeze=False,
    )
    offset = 0
    for ax, period in zip(axes.ravel(), chosen):
        v = values[period]
        part = Classes(
            classes.bins, classes.lower, classes.index[offset : offset + int(v.notna().sum())], classes.labels
        )
        offset += int(v.notna().sum())
        paint = _paint_classified(layer, v, part, colors)
        paint(ax)
        _china.finish(ax, layer, paint, labels=labels)
        ax.set_title(str(period), fontsize=9)
    for ax in axes.ravel()[len(chosen) :]:
        ax.remove()
    # region-periods, like the class counts: each period's missing values and the context regions
    n_no_data = sum(len(layer.no_data) + int(v.isna().sum()) for v in values.values())
    handles = _handles(classes, colors, n_no_data)
    leg = fig.legend(
        handles=handles,
        title=_legend_title(var, units) + "; counts are region-periods",
        loc="outside lower center",
        ncols=min(len(handles), 3),
        fontsize=7.5,
        frameon=False,
    )
    leg.set_gid("legend")
    fig.suptitle(title if title is not None else var, fontsize=11)
    return cjk_text(fig)
