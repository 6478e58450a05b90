"""China map conventions: the complete national territory, the South China Sea inset, labels, projection.

When the regions are China's provincial units (the shipped layer, detected from the region ids, or
``china=True``), every map

* draws all 34 provincial-level units: units absent from the data (by default Hong Kong, Macao and Taiwan,
  which the statistical yearbooks do not cover) are drawn grey and hatched as "No data";
* shows the South China Sea islands and maritime boundary line in an inset at the bottom right (from the
  ``south_china_sea`` layer of ``shapes/china_provinces.gpkg``), and limits the main map to the mainland and
  Hainan island;
* is drawn in an Albers equal-area projection for China (standard parallels 25N and 47N, central meridian
  105E), the usual choice of Chinese atlases;
* labels the provinces with their Chinese short names when a CJK font is installed (matplotlib's font list
  is searched), with a :class:`~spillover.errors.MapWarning` and English names otherwise.

Maps published in China must use the official standard base map (标准地图) and carry its review number
(审图号); the package cannot provide either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from spillover.errors import MapWarning, SpilloverError
from spillover.maps._base import (
    CJK_FONTS,
    NO_DATA_COLOR,
    NO_DATA_HATCH,
    MapLayer,
    add_lines,
    add_polygons,
    cjk_font,
    finish_map_axes,
    new_axes,
    prepare_map,
)
from spillover.options import MapLanguage, check_option, warn

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CHINA_CRS",
    "CJK_FONTS",
    "cjk_font",
    "prepare_layer",
    "add_south_china_sea_inset",
    "label_regions",
]

#: Albers equal-area conic for China (standard parallels 25N and 47N, central meridian 105E), WGS84.
CHINA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
#: Main-map window (lon/lat) that keeps the mainland and Hainan island; the rest goes to the inset.
_MAINLAND = box(70.0, 17.5, 137.0, 56.0)
#: The inset's window: the South China Sea down to Zengmu Ansha (lon/lat).
_INSET = box(105.5, 2.5, 123.5, 24.0)
_INSET_BOUNDS = (0.80, 0.0, 0.20, 0.32)  # axes fraction: x, y, width, height (bottom right)
_MIN_MATCH = 25  # region ids that must be provincial units for a layer to be taken as China


def label_language(language: MapLanguage, china: bool) -> str:
    """``"zh"`` or ``"en"``: Chinese needs a CJK font; asking for it (or a China map) without one warns."""
    check_option(language, ("auto", "zh", "en"), "language")
    if language == "en" or (language == "auto" and not china):
        return "en"
    if cjk_font() is not None:
        return "zh"
    warn(
        "no font with Chinese glyphs is installed, so region labels are in English. Install one (Debian/Ubuntu: "
        "apt-get install fonts-noto-cjk; or pip install mplfonts && mplfonts init) and restart Python, or pass "
        "language='en' to silence this warning.",
        MapWarning,
    )
    return "en"


# ---------------------------------------------------------------------------------------------- layer
def is_china_layer(ids: pd.Index) -> bool:
    """True when (almost) all region ids are China's provincial units by their canonical English id."""
    from spillover import regions

    known = set(regions.ids(include_sar_taiwan=True))
    hits = sum(1 for i in ids if isinstance(i, str) and i in known)
    return hits >= min(_MIN_MATCH, len(known)) and hits == len(ids)


def _all_provincial(ids: pd.Index) -> bool:
    from spillover import regions

    known = set(regions.ids(include_sar_taiwan=True))
    return len(ids) > 0 and all(isinstance(i, str) and i in known for i in ids)


def prepare_layer(
    geo: gpd.GeoDataFrame,
    values: pd.Series | pd.DataFrame | None = None,
    *,
    china: bool | None,
    crs: Any,
    language: MapLanguage,
    what: str = "the map",
) -> MapLayer:
    """The checked regions and values (:func:`~spillover.maps._base.prepare_map`), projected; for China
    the units absent from the data as no-data context.  Every map of :mod:`spillover.maps` starts here."""
    geo, values = prepare_map(geo, values, what=what)
    use_china = is_china_layer(geo.index) if china is None else bool(china)
    if use_china:
        return replace(_china_layer(geo, crs, language), values=values)
    if geo.crs is None and crs is not None:
        raise SpilloverError(
            "the regions have no CRS, so they cannot be projected to crs=; set one with "
            "GeoDataFrame.set_crs first."
        )
    check_option(language, ("auto", "zh", "en"), "language")
    out = geo.to_crs(crs) if crs is not None else geo
    geographic = bool(out.crs is not None and out.crs.is_geographic) or _looks_geographic(out)
    return MapLayer(out, out.iloc[:0], geographic, None, False, language, values)


def _looks_geographic(geo: gpd.GeoDataFrame) -> bool:
    if geo.crs is not None or geo.empty:
        return False
    x0, y0, x1, y1 = geo.total_bounds
    return bool(x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90 and (x1 - x0) > 1)


def _china_layer(geo: gpd.GeoDataFrame, crs: Any, language: MapLanguage) -> MapLayer:
    if geo.crs is None:
        raise SpilloverError(
            "China maps need the regions' CRS (EPSG:4326 for the shipped layer); set it with "
            "GeoDataFrame.set_crs."
        )
    check_option(language, ("auto", "zh", "en"), "language")
    target = CHINA_CRS if crs is None else crs
    full, extent = _territory(str(target) if not hasattr(target, "to_wkt") else target.to_wkt())
    # units of the shipped layer that the data lack are drawn as "No data" whenever every id is a provincial
    # unit's (a subset of provinces too); other ids, e.g. prefectures with china=True, get the territory's
    # extent but no context
    absent = full.index.difference(geo.index, sort=False) if _all_provincial(geo.index) else full.index[:0]
    return MapLayer(geo.to_crs(full.crs), full.loc[absent, ["geometry"]], False, extent, True, language)


@lru_cache(maxsize=4)
def _territory(crs: str) -> tuple[gpd.GeoDataFrame, tuple[float, float, float, float]]:
    """The 34 provincial units projected to ``crs`` and the main map's extent (cached: read once)."""
    from spillover.datasets import china_provinces

    full = china_provinces(include_sar_taiwan=True).set_index("province")[["geometry"]]
    main = gpd.GeoSeries(full.geometry.clip(_MAINLAND).to_numpy(), crs=full.crs).to_crs(crs)
    return full.to_crs(crs), _room_for_inset(main)


@lru_cache(maxsize=4)
def _south_china_sea(crs: str) -> tuple[list[Any], list[Any], np.ndarray]:
    """Islands, maritime line (projected) and the inset's window (cached)."""
    from spillover.datasets import south_china_sea

    scs = south_china_sea().to_crs(crs)
    islands = scs.loc[scs["kind"] == "islands", "geometry"].tolist()
    lines = scs.loc[scs["kind"] == "maritime_line", "geometry"].tolist()
    window = gpd.GeoSeries([_INSET], crs=4326).to_crs(crs).total_bounds
    return islands, lines, window


def _room_for_inset(main: gpd.GeoSeries) -> tuple[float, float, float, float]:
    """The mainland's bounds, widened eastwards so the bottom-right inset covers no land (Taiwan, Fujian)."""
    x0, y0, x1, y1 = (float(v) for v in main.total_bounds)
    left, bottom, _, height = _INSET_BOUNDS
    strip = box(x0, y0, x1, y0 + (bottom + height + 0.04) * (y1 - y0))
    below = main.intersection(strip)
    east = float(below[~below.is_empty].total_bounds[2]) if (~below.is_empty).any() else x0
    needed = x0 + (east - x0) / (left - 0.04)
    x1 = max(x1, needed)
    # finish_map_axes pads by 2% of the larger side: lift the bottom by as much, so that the main map's lower
    # edge stays at the window's 17.5N (Hainan island shown, the islands further south only in the inset)
    return x0, y0 + 0.02 * max(x1 - x0, y1 - y0), x1, y1


# ---------------------------------------------------------------------------------------------- inset
def add_south_china_sea_inset(ax: Axes, layer: MapLayer, painter: Callable[[Axes], None]) -> Axes:
    """Bottom-right inset (``label="south_china_sea"``) with the map's content and the shipped SCS layer."""
    crs = layer.regions.crs
    islands, lines, window = _south_china_sea(crs.to_wkt() if hasattr(crs, "to_wkt") else str(crs))
    inset = ax.inset_axes(_INSET_BOUNDS, zorder=5)
    inset.set_label("south_china_sea")
    painter(inset)
    add_polygons(
        inset, islands, "#707070", gid="south_china_sea_islands", edgecolor="#505050", linewidth=0.3, zorder=4
    )
    add_lines(inset, lines, gid="south_china_sea_line", color="#303030", linewidth=0.7, zorder=4)
    inset.set_xlim(window[0], window[2])
    inset.set_ylim(window[1], window[3])
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.patch.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#505050")
        spine.set_linewidth(0.6)
    return inset


def draw_no_data(ax: Axes, layer: MapLayer) -> Any:
    """The context regions without data: grey, hatched, ``gid="no_data"`` (None if there are none)."""
    if layer.no_data.empty:
        return None
    return add_polygons(
        ax,
        layer.no_data.geometry.tolist(),
        NO_DATA_COLOR,
        gid="no_data",
        hatch=NO_DATA_HATCH,
        edgecolor="#8C8C8C",
        linewidth=0.3,
    )


def draw_map(
    ax: Axes | None,
    layer: MapLayer,
    painter: Callable[[Axes], None],
    *,
    labels: bool | None,
    size: tuple[float, float],
    china_size: tuple[float, float] = (7.0, 5.6),
) -> tuple[Figure, Axes]:
    """The one set-up of a single-axes map: the axes (a new figure of ``size``, ``china_size`` for China),
    the painter on it, then :func:`finish` (limits, inset, labels)."""
    fig, ax = new_axes(ax, china_size if layer.china else size)
    painter(ax)
    finish(ax, layer, painter, labels=labels)
    return fig, ax


def finish(ax: Axes, layer: MapLayer, painter: Callable[[Axes], None], *, labels: bool | None) -> None:
    """Limits and aspect; for China the inset; region labels when asked (default: China maps)."""
    finish_map_axes(ax, layer.geographic, layer.extent)
    if layer.china:
        add_south_china_sea_inset(ax, layer, painter)
    if labels if labels is not None else layer.china:
        label_regions(ax, layer)


# ---------------------------------------------------------------------------------------------- labels
def label_regions(ax: Axes, layer: MapLayer, *, fontsize: float = 5.5) -> list[Any]:
    """Write each region's name at a point inside its largest polygon (Chinese short names if possible).

    Labels are placed from the largest region down; one that would overlap a label already placed (Beijing,
    Tianjin and Hebei; Shanghai; small regions generally) is moved to the nearest free spot around its
    region (8 directions at 9, 15 and 22 points) and tied to it by a thin leader line.
    """
    language = label_language(layer.language, layer.china)  # type: ignore[arg-type]
    names = _label_names(layer, language)
    font = {"fontfamily": cjk_font()} if language == "zh" else {}
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=1.6, foreground="white")]  # readable on dark classes
    # get_renderer is on the Agg canvases maps draw on (and their subclasses), not on FigureCanvasBase
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    style: dict[str, Any] = dict(
        ha="center",
        va="center",
        fontsize=fontsize,
        color="#202020",
        zorder=6,
        clip_on=True,
        path_effects=halo,
        **font,
    )
    placed: list[Any] = []
    texts = {}
    regions = layer.regions.geometry
    area = pd.Series([g.area for g in regions], index=regions.index)  # planar: ordering only, no CRS warning
    for rid in area.sort_values(ascending=False).index:
        geom = regions[rid]
        main = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        pt = main.representative_point()
        name = names.get(rid, str(rid))
        t = ax.annotate(name, (pt.x, pt.y), xytext=(0, 0), textcoords="offset points", **style)
        for dx, dy in _LABEL_OFFSETS:
            t.set_position((dx, dy))
            box = t.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
        else:
            t.set_position((0, 0))  # nowhere free: keep it on its region
            box = t.get_window_extent(renderer)
        if t.get_position() != (0, 0):
            ax.annotate(
                "",
                (pt.x, pt.y),
                xytext=t.get_position(),
                textcoords="offset points",
                zorder=5,
                arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#505050", "shrinkA": 0, "shrinkB": 0},
                annotation_clip=True,
            ).set_gid("leader")
        t.set_gid("label")
        placed.append(box)
        texts[rid] = t
    return [texts[rid] for rid in regions.index]


_LABEL_OFFSETS = [(0, 0)] + [
    (round(r * np.cos(a)), round(r * np.sin(a)))
    for r in (9, 15, 22)
    for a in np.deg2rad([0, 180, 90, 270, 35, 145, 215, 325])
]
"""Label positions tried, in points from the region's representative point."""


def _label_names(layer: MapLayer, language: str) -> dict[Any, str]:
    if not layer.china:
        return {}
    from spillover import regions

    reg = regions.registry(include_sar_taiwan=True)
    column = "short_zh" if language == "zh" else None
    return {rid: (reg.loc[rid, column] if column else rid) for rid in layer.regions.index if rid in reg.index}
