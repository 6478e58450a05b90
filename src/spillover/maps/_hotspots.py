"""Maps of the local statistics of :mod:`spillover.esda`: Gi* hot spots, local Geary / bivariate LISA / join
count clusters, emerging hot-spot categories.

They share the LISA map's machinery (:func:`spillover.maps._china.prepare_layer`, which runs
:func:`spillover.maps._base.prepare_map`; islands and regions outside the data grey and hatched, the number
of regions per class in the legend); only the classes and the palette differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from spillover.errors import SpilloverError
from spillover.esda import (
    EMERGING_CATEGORIES,
    HOTSPOT_CLASSES,
    LISA_COLORS,
    BivariateLisaResult,
    EmergingHotspotsResult,
    GetisOrdResult,
    JoinCountsResult,
    LocalGearyResult,
)
from spillover.maps._base import (
    result_regions,
)
from spillover.maps._lisa import draw_class_map
from spillover.options import MapLanguage

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "hotspot_map",
    "local_cluster_map",
    "emerging_hotspot_map",
    "HOTSPOT_COLORS",
    "CLUSTER_COLORS",
    "EMERGING_COLORS",
]

#: Gi* classes in the conventional hot/cold palette (ArcGIS, GeoDa): dark red / red / pink for hot spots at
#: 99 / 95 / 90 % confidence, dark blue / blue / light blue for cold spots, light grey not significant.
HOTSPOT_COLORS: dict[str, str] = {
    "hot_99": "#B2182B",
    "hot_95": "#EF3B2C",
    "hot_90": "#FCAEAE",
    "not_significant": "#F0F0F0",
    "cold_90": "#B3D1EE",
    "cold_95": "#2C7BE5",
    "cold_99": "#08306B",
}
_HOTSPOT_LABELS = {
    "hot_99": "Hot spot, 99 %",
    "hot_95": "Hot spot, 95 %",
    "hot_90": "Hot spot, 90 %",
    "not_significant": "Not significant",
    "cold_90": "Cold spot, 90 %",
    "cold_95": "Cold spot, 95 %",
    "cold_99": "Cold spot, 99 %",
}
#: Cluster colours of the other local statistics (LISA's palette for the quadrants).
CLUSTER_COLORS: dict[str, str] = {
    **LISA_COLORS,
    "Other positive": "#FFC864",
    "Positive": "#FF0000",
    "Negative": "#4DAC26",
    "Cluster": "#FF0000",
    "Co-location": "#7B3294",
    "Bivariate join": "#E66101",
}
_REDS = ("#67000D", "#A50F15", "#CB181D", "#EF3B2C", "#FB6A4A", "#FC9272", "#FCBBA1", "#FEE0D2")
_BLUES = ("#08306B", "#08519C", "#2171B5", "#4292C6", "#6BAED6", "#9ECAE1", "#C6DBEF", "#DEEBF7")
#: Emerging hot-spot categories: hot ones in reds, cold ones in blues (darkest = new), no pattern grey.
EMERGING_COLORS: dict[str, str] = {
    **dict(zip(EMERGING_CATEGORIES[:8], _REDS, strict=True)),
    **dict(zip(EMERGING_CATEGORIES[8:16], _BLUES, strict=True)),
    "no pattern": "#F0F0F0",
}


def hotspot_map(
    result: GetisOrdResult,
    geometry: gpd.GeoDataFrame | Any = None,
    /,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure:
    """Hot and cold spots of a Gi/Gi* result (:func:`spillover.esda.getis_ord`) at 90 / 95 / 99 % confidence.

    Classes and colours: :data:`HOTSPOT_COLORS` (dark red / red / pink hot, dark blue / blue / light blue
    cold, light grey not significant); islands and regions outside the data grey and hatched ("No data").
    ``geometry`` (a panel or a GeoDataFrame indexed by region id) defaults to the result's.  The other
    arguments are those of :func:`spillover.maps.lisa_map`.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> gi = so.esda.getis_ord(panel, "gsp", w, 1986, permutations=0)
    >>> fig = hotspot_map(gi)
    >>> fig.axes[0].get_legend().get_title().get_text()
    'Gi*'
    """
    if not isinstance(result, GetisOrdResult):
        raise SpilloverError(
            f"hotspot_map draws a spillover.esda.getis_ord result, got {type(result).__name__}; "
            "use local_cluster_map for local Geary, bivariate LISA and join counts."
        )
    star = "*" if result.star else ""
    legend = {k: (HOTSPOT_COLORS[k], _HOTSPOT_LABELS[k]) for k in HOTSPOT_CLASSES}
    default = f"Hot and cold spots (Gi{star}) of {result.variable}, {result.period}"
    return _draw_classes(
        result.to_frame()["cluster"],
        result.islands.to_numpy(),
        result.geometry if geometry is None else geometry,
        legend,
        f"Gi{star}",
        title if title is not None else default,
        ax=ax,
        china=china,
        language=language,
        labels=labels,
        crs=crs,
    )


def local_cluster_map(
    result: LocalGearyResult | BivariateLisaResult | JoinCountsResult,
    geometry: gpd.GeoDataFrame | Any = None,
    /,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure:
    """Cluster map of a local Geary, bivariate LISA or join-count result, in LISA's palette.

    The labels are the result's ``cluster`` column (:data:`CLUSTER_COLORS`: High-High red, Low-Low blue,
    Low-High light blue, High-Low light red, local Geary's "Other positive" orange and "Negative" green,
    join counts' clusters red / purple / orange), not significant light grey; islands hatched.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> bv = so.esda.bivariate_lisa(panel, "ln_gsp", "ln_pcap", w, 1986, permutations=99, seed=0)
    >>> fig = local_cluster_map(bv)
    """
    if not isinstance(result, LocalGearyResult | BivariateLisaResult | JoinCountsResult):
        raise SpilloverError(
            "local_cluster_map draws a local_geary, bivariate_lisa or join_counts result, got "
            f"{type(result).__name__}; use lisa_map for local_moran and hotspot_map for getis_ord."
        )
    order = list(result.counts().index)
    legend = {k: (CLUSTER_COLORS[k], k) for k in order}
    default = f"{result.statistic_name} clusters of {result.variable}, {result.period}"
    return _draw_classes(
        result.clusters,
        result.islands.to_numpy(),
        result.geometry if geometry is None else geometry,
        legend,
        f"{result.statistic_name}, p ≤ {result.threshold:.3g}",
        title if title is not None else default,
        ax=ax,
        china=china,
        language=language,
        labels=labels,
        crs=crs,
    )


def emerging_hotspot_map(
    result: EmergingHotspotsResult,
    geometry: gpd.GeoDataFrame | Any = None,
    /,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = None,
    crs: Any = None,
) -> Figure:
    """Emerging hot-spot categories (:func:`spillover.esda.emerging_hotspots`): hot ones in reds, cold ones
    in blues (:data:`EMERGING_COLORS`), "no pattern" light grey; only the categories present are listed.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> fig = emerging_hotspot_map(so.esda.emerging_hotspots(panel, "gsp", w, permutations=0))
    """
    if not isinstance(result, EmergingHotspotsResult):
        raise SpilloverError(
            f"emerging_hotspot_map draws a spillover.esda.emerging_hotspots result, got {type(result).__name__}."
        )
    categories = result.categories
    legend = {k: (EMERGING_COLORS[k], k) for k in result.counts().index}
    default = f"Emerging hot spots of {result.variable}"
    return _draw_classes(
        categories,
        pd.Series(False, index=categories.index).to_numpy(),
        result.geometry if geometry is None else geometry,
        legend,
        "Category",
        title if title is not None else default,
        ax=ax,
        china=china,
        language=language,
        labels=labels,
        crs=crs,
    )


def _draw_classes(
    classes: pd.Series,
    island: np.ndarray,
    geometry: Any,
    legend: dict[str, tuple[str, str]],
    legend_title: str,
    title: str,
    *,
    ax: Axes | None,
    china: bool | None,
    language: MapLanguage,
    labels: bool | None,
    crs: Any,
) -> Figure:
    """One class per region in ``legend``'s colours, islands hatched (the LISA map's drawing)."""
    geo = result_regions(
        geometry, None, classes.index, "the result", how="pass the geometry as the map's second argument"
    )
    return draw_class_map(
        classes,
        island,
        geo,
        legend,
        legend_title,
        title,
        what=title,
        ax=ax,
        china=china,
        language=language,
        labels=labels,
        crs=crs,
    )
