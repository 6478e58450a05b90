"""Spillover maps of a fitted spatial model: direct effect, spillover emitted and received per region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover.errors import SpilloverError
from spillover.maps import _china
from spillover.maps._base import (
    MapLayer,
    add_polygons,
    cjk_text,
    draw_missing,
    geometry_paths,
    legend_patch,
    new_axes,
    place_legend,
    result_regions,
    with_no_data,
)
from spillover.options import MapLanguage, renamed

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from spillover.spatial.results import SpatialPanelResults

__all__ = ["spillover_map", "spillover_flows", "PANELS"]

#: Columns of :meth:`SpatialPanelResults.spillovers` drawn by :func:`spillover_map`, with their titles.
PANELS = {"direct": "Direct effect", "emitted": "Spillover emitted", "received": "Spillover received"}
#: Hatch of regions whose interval covers zero.
NS_HATCH = "..."


def _regions(result: SpatialPanelResults, geometry: Any) -> gpd.GeoDataFrame:
    return result_regions(
        geometry, getattr(result._core, "geometry", None), result._core.ids, "the model", how="pass geometry="
    )


def _diverging(values: np.ndarray, cmap: str) -> tuple[Any, Any]:
    """A zero-centred normalisation (symmetric limits) and the colormap."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    finite = np.abs(values[np.isfinite(values)])  # regions without data are not on the scale
    vmax = float(finite.max()) if finite.size else 1.0
    vmax = vmax if vmax > 0 else 1.0
    return Normalize(-vmax, vmax), colormaps[cmap]


@renamed(effects="spillovers")
def spillover_map(
    result: SpatialPanelResults,
    x: str,
    *,
    geometry: Any = None,
    draws: int | None = None,
    level: float = 0.95,
    seed: int = 0,
    cmap: str = "RdBu_r",
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = False,
    crs: Any = None,
    panel_width: float = 4.2,
    spillovers: pd.DataFrame | None = None,
    units: str | None = None,
) -> Figure:
    """Three aligned maps of regressor ``x``'s effects: direct, spillover emitted, spillover received.

    The values are those of ``result.spillovers(x, draws=draws, level=level, seed=seed)``
    (:func:`spillover.spatial.impacts.spillovers`): with ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``,
    the diagonal of ``S_k``, the off-diagonal column sums (what a unit change in a region does to all the
    others) and the off-diagonal row sums (what a region gets from a unit change everywhere else).  The
    three panels share one diverging colour scale centred on zero (blue negative, red positive).  With
    ``draws``, regions whose equal-tailed interval at ``level`` covers zero are cross-hatched.

    Parameters
    ----------
    result
        A fitted spatial model (SDM, SAR, SDEM, SLX; panel or cross-section).
    x
        The regressor.
    geometry
        Regions to draw (default: the geometry of the panel the model was fitted on).
    draws, level, seed
        Parameter draws behind the intervals (None: point estimates, no hatching).
    cmap
        Diverging colormap.
    ax
        Three axes to draw on (default: a new figure with three panels side by side).
    title, china, language, labels, crs
        As in :func:`spillover.maps.choropleth` (labels off by default).
    panel_width
        Width of one panel in inches.
    spillovers
        ``result.spillovers(x, ...)`` computed already (e.g. the frame written beside the map), drawn
        instead of computing it again; with interval columns (``direct_lo``, ...) the regions whose interval
        covers zero are hatched.  ``draws``, ``level`` and ``seed`` are then not used.
    units
        Units of the effect (e.g. ``"10,000 yuan per %"``), shown on the colour bar.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    >>> res = so.SpatialPanelModel(panel, "ln_gsp", ["ln_pcap", "ln_emp"], w, kind="sdm",
    ...                            fixed_effects="twoway").fit()
    >>> fig = spillover_map(res, "ln_emp")
    >>> [a.get_title() for a in fig.axes[:3]]
    ['Direct effect', 'Spillover emitted', 'Spillover received']
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable

    frame = result.spillovers(x, draws=draws, level=level, seed=seed) if spillovers is None else spillovers
    with_intervals = all(f"{c}_{b}" in frame.columns for c in PANELS for b in ("lo", "hi"))
    if spillovers is not None:
        _check_effects(frame, result, x)
        level = float(frame.attrs.get("level", level))
    layer = _china.prepare_layer(
        _regions(result, geometry),
        frame[list(PANELS)],
        china=china,
        crs=crs,
        language=language,
        what=f"the spillover map of {x}",
    )
    values = layer.values
    assert values is not None  # prepare_layer was given values
    norm, cm = _diverging(values.to_numpy(), cmap)
    if ax is None:
        height = panel_width * (0.72 if layer.china else 0.6) + 0.9
        fig, axes = plt.subplots(1, 3, figsize=(3 * panel_width, height), layout="constrained")
        axes = list(axes)
    else:
        axes = list(ax)
        if len(axes) != 3:
            raise SpilloverError(f"ax= needs three axes (direct, emitted, received), got {len(axes)}.")
        fig = axes[0].figure
    for target, (column, name) in zip(axes, PANELS.items()):
        covers = _covers_zero(frame, column) if with_intervals else None
        _effect_panel(target, layer, values[column].to_numpy(), norm, cm, covers, labels=labels, level=level)
        target.set_title(name, fontsize=10)
    bar = fig.colorbar(ScalarMappable(norm, cm), ax=axes, location="bottom", shrink=0.5, aspect=40, pad=0.02)
    unit = f", {units}" if units else ""
    bar.set_label(f"effect of {x} on {result.y_name}{unit} (zero-centred scale)", fontsize=9)
    fig.suptitle(
        title
        if title is not None
        else f"Effects of {x} on {result.y_name}: direct and spillovers ({result.kind.upper()})",
        fontsize=11,
    )
    return cjk_text(fig)


def _check_effects(frame: pd.DataFrame, result: SpatialPanelResults, x: str) -> None:
    missing = [c for c in PANELS if c not in frame.columns]
    if missing:
        raise SpilloverError(
            f"spillovers= lacks column(s) {missing}; pass result.spillovers({x!r}, draws=...)."
        )
    ids = pd.Index(result._core.ids)
    if len(frame) != len(ids) or not frame.index.equals(ids):
        raise SpilloverError(
            f"spillovers= is not indexed by the model's {len(ids)} regions in their order; pass "
            f"result.spillovers({x!r}, draws=...) of this result."
        )


def _covers_zero(frame: pd.DataFrame, column: str) -> np.ndarray:
    return ((frame[f"{column}_lo"] <= 0) & (frame[f"{column}_hi"] >= 0)).to_numpy()


def _effect_panel(
    ax: Axes,
    layer: MapLayer,
    values: np.ndarray,
    norm: Any,
    cm: Any,
    covers: np.ndarray | None,
    *,
    labels: bool | None,
    level: float,
) -> None:
    geoms = geometry_paths(layer.regions.geometry)
    known = np.isfinite(values)
    face = cm(norm(values[known]))
    drawn = [g for g, k in zip(geoms, known) if k]
    missing = [g for g, k in zip(geoms, known) if not k]

    def paint(target: Axes) -> None:
        add_polygons(target, drawn, face, gid="regions", edgecolor="#8A8A8A", linewidth=0.25)
        _china.draw_no_data(target, layer)
        draw_missing(target, missing)
        if covers is not None and covers.any():
            add_polygons(
                target,
                [g for g, c in zip(geoms, covers) if c],
                "none",
                gid="covers_zero",
                hatch=NS_HATCH,
                edgecolor=(0.15, 0.15, 0.15, 0.55),
                linewidth=0.0,
                zorder=2,
            )

    paint(ax)
    _china.finish(ax, layer, paint, labels=labels)
    handles = (
        []
        if covers is None
        else [legend_patch("white", f"{level:.0%} interval covers 0 ({int(covers.sum())})", hatch=NS_HATCH)]
    )
    handles = with_no_data(handles, len(layer.no_data) + len(missing))
    if handles:
        place_legend(ax, handles, "", fontsize=6.5)


def spillover_flows(
    result: SpatialPanelResults,
    x: str,
    region: Any,
    *,
    geometry: Any = None,
    cmap: str = "RdBu_r",
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = False,
    crs: Any = None,
) -> Figure:
    """Map of the effect of a unit change of ``x`` in one ``region`` on every other region.

    The values are column ``region`` of ``S_k`` (:func:`spillover.spatial.impacts.effects_column`, one
    linear solve); they sum to the spillover the region emits.  The source region is outlined in black,
    drawn white with a star, and its own (direct) effect is given in the legend, so that the colour scale
    (diverging, centred on zero) shows the spillovers only.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    >>> res = so.SpatialPanelModel(panel, "ln_gsp", ["ln_emp"], w, kind="sar", fixed_effects="twoway").fit()
    >>> fig = spillover_flows(res, "ln_emp", "Ohio")
    >>> fig.axes[0].get_legend().get_texts()[0].get_text().startswith("source: Ohio")
    True
    """
    from matplotlib.cm import ScalarMappable

    from spillover.spatial.impacts import effects_column

    layer = _china.prepare_layer(
        _regions(result, geometry),
        effects_column(result, x, region),
        china=china,
        crs=crs,
        language=language,
        what=f"the spillover flows of {x} from {region}",
    )
    column = layer.values
    assert column is not None  # prepare_layer was given values
    is_source = column.index == region
    others = column.to_numpy()[~is_source]
    known = np.isfinite(others)
    norm, cm = _diverging(others[known], cmap)
    geoms = layer.regions.geometry
    source_geom = geoms[is_source].tolist()
    other_paths = geometry_paths(geoms[~is_source])
    drawn = [g for g, k in zip(other_paths, known) if k]
    missing = [g for g, k in zip(other_paths, known) if not k]

    def paint(target: Axes) -> None:
        add_polygons(
            target, drawn, cm(norm(others[known])), gid="regions", edgecolor="#8A8A8A", linewidth=0.25
        )
        _china.draw_no_data(target, layer)
        draw_missing(target, missing)
        add_polygons(target, source_geom, "white", gid="source", edgecolor="black", linewidth=1.4, zorder=3)

    fig, ax = new_axes(ax, (7.0, 5.8) if layer.china else (7.5, 5.4))
    paint(ax)
    pt = max(getattr(source_geom[0], "geoms", source_geom), key=lambda g: g.area).representative_point()
    ax.scatter([pt.x], [pt.y], marker="*", s=90, color="black", zorder=7)
    _china.finish(ax, layer, paint, labels=labels)
    handles = [legend_patch("white", f"source: {region} (own effect {column[region]:.4g})")]
    place_legend(ax, with_no_data(handles, len(layer.no_data) + len(missing)), "", fontsize=7)
    bar = fig.colorbar(ScalarMappable(norm, cm), ax=ax, location="bottom", shrink=0.6, aspect=35, pad=0.02)
    bar.set_label(f"effect on {result.y_name} of a unit change of {x} in {region}", fontsize=9)
    ax.set_title(
        title if title is not None else f"Spillovers of {x} from {region} (they sum to {others.sum():.4g})",
        fontsize=10,
    )
    return cjk_text(fig)
