"""Shared machinery of the maps: region polygons as matplotlib paths, no-data regions, legends, save.

Every map is drawn by a *painter* (a function of an Axes) so that the same content can be drawn twice: on
the main axes and, for China, on the South China Sea inset (see :mod:`spillover.maps._china`).  Regions are
drawn as one :class:`~matplotlib.collections.PathCollection` with one compound path per region (a MultiPolygon is one path), so a figure's content can be checked region by region: the
collection's ``gid`` says what it holds (``"regions"``, ``"no_data"``, ``"hatch"``, ``"source"``).
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover.errors import SpilloverError, format_items
from spillover.options import warn
from spillover.panel import SpatialPanel
from spillover.regions import has_cjk

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import LegendLocType

__all__ = ["CJK_FONTS", "NO_DATA_COLOR", "NO_DATA_HATCH", "NO_DATA_LABEL", "cjk_font", "cjk_text", "save"]

#: Face colour of regions without data (excluded units, islands of a LISA map), drawn hatched.
NO_DATA_COLOR = "#BDBDBD"
#: Hatch pattern of regions without data.
NO_DATA_HATCH = "////"
NO_DATA_LABEL = "No data"
EDGE_COLOR = "#FFFFFF"
EDGE_WIDTH = 0.35
#: Formats :func:`save` writes, by file suffix.
FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

#: Font families with Chinese glyphs that matplotlib may find (Debian: fonts-noto-cjk, fonts-wqy-microhei).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
)


# ---------------------------------------------------------------------------------------------- geometry
def region_frame(obj: Any, *, what: str = "geometry") -> gpd.GeoDataFrame:
    """The regions of a SpatialPanel / GeoDataFrame / GeoSeries as a GeoDataFrame indexed by region id."""
    if isinstance(obj, SpatialPanel):
        return obj.geometry
    if isinstance(obj, gpd.GeoSeries):
        return obj.to_frame("geometry")
    if isinstance(obj, gpd.GeoDataFrame):
        return obj
    raise SpilloverError(
        f"{what} must be a SpatialPanel or a GeoDataFrame indexed by region id, got {type(obj).__name__}."
    )


def align_regions(geo: gpd.GeoDataFrame, ids: pd.Index, what: str) -> gpd.GeoDataFrame:
    """``geo`` restricted to (and ordered as) ``ids``; missing regions are an error that names them."""
    missing = ids.difference(geo.index)
    if len(missing):
        raise SpilloverError(
            f"the geometry lacks region(s) {format_items(missing.tolist())} of {what}; "
            "index the GeoDataFrame by the same region ids."
        )
    return geo.loc[ids]


def result_regions(geometry: Any, carried: Any, ids: pd.Index, what: str, *, how: str) -> gpd.GeoDataFrame:
    """The regions a map of a result draws: ``geometry`` if given, else the geometry the result ``carried``
    (an error saying ``how`` to pass one when it has none), restricted to and ordered as the result's ``ids``."""
    geo = carried if geometry is None else geometry
    if geo is None:
        raise SpilloverError(
            f"{what} carries no region geometry; {how} (the panel or a GeoDataFrame indexed by region id)."
        )
    return align_regions(region_frame(geo), pd.Index(ids), what)


def geometry_paths(geoms: Iterable[Any]) -> list[Any]:
    """One matplotlib compound Path per (Multi)Polygon or (Multi)LineString, holes included (vectorised)."""
    import shapely
    from matplotlib.path import Path as MplPath

    arr = np.asarray(list(geoms), dtype=object)
    if arr.size == 0:
        return []
    parts, part_of = shapely.get_parts(arr, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    rings = np.empty(0, dtype=object)
    ring_of = np.empty(0, dtype=int)
    if polygonal.any():
        rings, idx = shapely.get_rings(parts[polygonal], return_index=True)
        ring_of = part_of[polygonal][idx]
    lines, line_of = parts[~polygonal], part_of[~polygonal]
    pieces = np.concatenate([rings, lines])
    owner = np.concatenate([ring_of, line_of])
    closed = np.concatenate([np.ones(len(rings), bool), np.zeros(len(lines), bool)])
    order = np.argsort(owner, kind="stable")
    pieces, owner, closed = pieces[order], owner[order], closed[order]
    coords, piece_of = shapely.get_coordinates(pieces, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    starts = np.searchsorted(piece_of, np.arange(len(pieces)))
    ends = np.append(starts[1:], len(coords)) - 1
    codes[starts] = MplPath.MOVETO
    codes[ends[closed]] = MplPath.CLOSEPOLY
    geom_of_coord = owner[piece_of]
    bounds = np.searchsorted(geom_of_coord, np.arange(arr.size + 1))
    return [
        MplPath(coords[a:b], codes[a:b]) if b > a else MplPath(np.empty((0, 2)))
        for a, b in zip(bounds[:-1], bounds[1:])
    ]


def add_polygons(
    ax: Axes,
    geoms: Sequence[Any],
    facecolors: Any,
    *,
    gid: str,
    hatch: str | None = None,
    edgecolor: Any = EDGE_COLOR,
    linewidth: float = EDGE_WIDTH,
    zorder: float = 1,
    **kwargs: Any,
) -> Any:
    """Add one collection (one path per region) with ``gid`` to ``ax`` and return it.

    ``geoms``: shapely geometries or the matplotlib Paths of :func:`geometry_paths` (painters that draw twice,
    on the map and on the inset, convert once).
    """
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = geoms if len(geoms) and isinstance(geoms[0], MplPath) else geometry_paths(geoms)
    # a PathCollection in data coordinates (no offsets, no sizes): one path per region, fast for 10^4 regions
    coll = PathCollection(
        list(paths),
        facecolors=facecolors,
        edgecolors=edgecolor,
        linewidths=linewidth,
        hatch=hatch,
        zorder=zorder,
        transform=ax.transData,
        **kwargs,
    )
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=True)
    return coll


def draw_missing(ax: Axes, paths: Sequence[Any]) -> Any:
    """Regions whose value is missing or infinite: grey, hatched, ``gid="missing"`` (None if there are none)."""
    if not len(paths):
        return None
    return add_polygons(ax, paths, NO_DATA_COLOR, gid="missing", hatch=NO_DATA_HATCH, edgecolor="#8C8C8C")


def add_lines(
    ax: Axes,
    geoms: Sequence[Any],
    *,
    gid: str,
    color: str = "#404040",
    linewidth: float = 0.8,
    zorder: float = 3,
) -> Any:
    """Add the (Multi)LineStrings as one LineCollection (one segment list per part) with ``gid``."""
    from matplotlib.collections import LineCollection

    segments = [np.asarray(part.coords)[:, :2] for g in geoms for part in getattr(g, "geoms", [g])]
    coll = LineCollection(segments, colors=color, linewidths=linewidth, zorder=zorder)
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=True)
    return coll


def finish_map_axes(ax: Axes, geographic: bool, extent: tuple[float, float, float, float] | None) -> None:
    """Equal aspect (cos-latitude corrected when in degrees), no frame, limits from ``extent`` or data."""
    if extent is None:
        ax.autoscale_view()
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
    else:
        x0, y0, x1, y1 = extent
        pad = 0.02 * max(x1 - x0, y1 - y0)
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    mid = (y0 + y1) / 2
    ax.set_aspect(1 / np.cos(np.radians(mid)) if geographic and abs(mid) < 89 else "equal")
    ax.set_axis_off()


# ---------------------------------------------------------------------------------------------- input
def prepare_map(
    geo: gpd.GeoDataFrame, values: pd.Series | pd.DataFrame | None = None, *, what: str = "the map"
) -> tuple[gpd.GeoDataFrame, pd.Series | pd.DataFrame | None]:
    """The regions and values a map may draw: one check shared by every map of :mod:`spillover.maps`.

    * duplicate region ids, regions with a missing (None) or empty geometry and distinct regions with the
      very same geometry (one would hide the other) are errors that name the regions;
    * invalid polygons (a self-intersecting ring) are named in a
      :class:`~spillover.errors.GeometryWarning` and drawn as they are (:func:`spillover.io.checked_geometry`);
    * values (one column per panel of the map, indexed like ``geo``) that are infinite become NaN with a
      :class:`~spillover.errors.MapWarning` naming the regions, so that they are drawn like missing values:
      grey and hatched, counted as "No data", and left out of classes and colour scales.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> geo = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), None], index=["a", "b"])
    >>> prepare_map(geo)
    Traceback (most recent call last):
    ...
    spillover.errors.SpilloverError: the map cannot draw region(s) 'b': their geometry is missing or empty. \
Drop them from the data or give them polygons.
    """
    geo = _checked_regions(geo, what)
    if values is not None:
        values = _finite_values(values, what)
    return geo, values


def _checked_regions(geo: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    import shapely

    from spillover.io import checked_geometry

    dup = geo.index[geo.index.duplicated()].unique()
    if len(dup):
        raise SpilloverError(
            f"the regions of {what} have duplicate ids {format_items(dup.tolist())}; each "
            "region must appear once."
        )
    geoms = geo.geometry
    broken = geo.index[geoms.isna().to_numpy() | geoms.is_empty.to_numpy()]
    if len(broken):
        raise SpilloverError(
            f"{what} cannot draw region(s) {format_items(broken.tolist())}: their geometry is "
            "missing or empty. Drop them from the data or give them polygons."
        )
    wkb = pd.Series(shapely.to_wkb(np.asarray(geoms, dtype=object)), index=geo.index)
    same = wkb[wkb.duplicated(keep=False)]
    if len(same):
        groups = [format_items(g.index.tolist()) for _, g in same.groupby(same, sort=False)]
        raise SpilloverError(
            f"{what} has regions with the very same geometry ({'; '.join(groups)}): one would "
            "hide the other. Give each region its own polygon or drop the duplicates."
        )
    return checked_geometry(geo, where=f"regions of {what}")


def _finite_values(values: pd.Series | pd.DataFrame, what: str) -> pd.Series | pd.DataFrame:
    from spillover.errors import MapWarning

    numbers = values.astype(float)
    inf = np.isinf(numbers.to_numpy())
    if not inf.any():
        return numbers
    rows = inf if inf.ndim == 1 else inf.any(axis=1)
    warn(
        f"{what}: the value is infinite for region(s) {format_items(values.index[rows].tolist())}; "
        f"they are drawn as {NO_DATA_LABEL!r} and left out of the classes and colour scale. Fix "
        "the data (a division by zero?) or set them to NaN to silence this warning.",
        MapWarning,
    )
    return numbers.mask(np.isinf(numbers))


# ---------------------------------------------------------------------------------------------- layout
def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new figure (constrained layout) with one axes."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return figure_of(ax), ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` draws in: matplotlib types ``Axes.figure`` as ``Figure | SubFigure``; a SubFigure
    (only where the caller passed an axes of one) has every Figure method the maps use."""
    return cast("Figure", ax.figure)


def legend_patch(color: str, label: str, *, hatch: str | None = None) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=color, edgecolor="#707070", linewidth=0.5, hatch=hatch, label=label)


def no_data_handle(count: int) -> Any:
    return legend_patch(NO_DATA_COLOR, f"{NO_DATA_LABEL} ({count})", hatch=NO_DATA_HATCH)


def with_no_data(handles: Sequence[Any], count: int) -> list[Any]:
    """``handles`` and, when ``count`` regions have no data, the grey hatched "No data (count)" entry last."""
    return [*handles, no_data_handle(count)] if count else list(handles)


def place_legend(
    ax: Axes, handles: list[Any], title: str, *, loc: LegendLocType = "lower left", fontsize: float = 7.5
) -> Any:
    """A framed legend inside the axes (so no layout or save can clip it); ``gid="legend"``."""
    leg = ax.legend(
        handles=handles,
        title=title,
        loc=loc,
        fontsize=fontsize,
        title_fontsize=fontsize + 0.5,
        frameon=True,
        framealpha=0.9,
        edgecolor="#BBBBBB",
        borderaxespad=0.3,
    )
    leg.set_gid("legend")
    leg.set_zorder(10)
    return leg


def check_period(panel: SpatialPanel, period: Hashable | None) -> Hashable:
    """``period`` if the panel has it (None: the last period); else an error naming it and the periods."""
    periods = panel.periods
    if period is None:
        return periods[-1]
    if period not in periods:
        raise SpilloverError(
            f"period {period!r} is not in the panel; its periods are {format_items(periods.tolist())}."
        )
    return period


def check_variable(panel: SpatialPanel, var: str) -> None:
    if var not in panel.variables:
        raise SpilloverError(
            f"variable {var!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )


# ---------------------------------------------------------------------------------------------- fonts
@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family with Chinese glyphs, or None.

    matplotlib's font list is searched first; a CJK font installed after matplotlib built its font cache
    (e.g. ``apt-get install fonts-noto-cjk``) is found among the system fonts and registered.
    """
    from matplotlib import font_manager

    found = _known_cjk({f.name for f in font_manager.fontManager.ttflist})
    if found is not None:
        return found
    for path in sorted(font_manager.findSystemFonts()):
        name = path.rsplit("/", 1)[-1]
        if any(key in name for key in ("CJK", "SourceHanSans", "wqy", "WenQuanYi", "simhei", "msyh")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # pragma: no cover - unreadable font file
                continue
    return _known_cjk({f.name for f in font_manager.fontManager.ttflist})


def _known_cjk(installed: set[str]) -> str | None:
    for name in CJK_FONTS:
        if name in installed:
            return name
    for name in sorted(installed):
        if "CJK" in name or "Han Sans" in name or "WenQuanYi" in name:
            return name
    return None


def cjk_text(fig: Figure) -> Figure:
    """Give every text of ``fig`` with Chinese (CJK) characters a font that has their glyphs, and return it.

    Titles, axis labels, tick labels, legends, colorbar labels, annotations: each text holding a CJK
    character gets the font family list ``[its own family..., cjk_font()]``; matplotlib (>= 3.6) takes each
    character from the first font of the list that has it, so Latin letters and digits keep the figure's font
    and Chinese ones come from the CJK font (no missing-glyph boxes).  Every map of :mod:`spillover.maps`
    calls it before returning its figure, and :func:`save` and the study report before writing one, so
    text added afterwards is covered too.  Without an installed CJK font a
    :class:`~spillover.errors.MapWarning` says how to install one.
    """
    texts = [t for t in _texts(fig) if has_cjk(t.get_text())]
    if not texts:
        return fig
    font = cjk_font()
    if font is None:
        from spillover.errors import MapWarning

        warn(
            f"the figure has text with Chinese characters ({texts[0].get_text()!r}) but no font with "
            "Chinese glyphs is installed, so they are drawn as boxes. Install one (Debian/Ubuntu: "
            "apt-get install fonts-noto-cjk; or pip install mplfonts && mplfonts init) and restart "
            "Python.",
            MapWarning,
        )
        return fig
    for t in texts:
        family = list(t.get_fontfamily())
        if font not in family:
            t.set_fontfamily([*family, font])
    return fig


def _texts(fig: Figure) -> list[Any]:
    """Every Text artist of ``fig``, tick labels brought up to date with their formatter first."""
    from matplotlib.text import Text

    ticks = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks.extend(axis.get_ticklabels(which="both"))
    return [*fig.findobj(Text), *ticks]


# ---------------------------------------------------------------------------------------------- save
def save(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 200, overwrite: bool = False) -> Path:
    """Write ``fig`` as PNG, SVG or PDF (from the suffix) atomically, with nothing clipped.

    The bounding box is the tight box of the figure *and* of its legends, inset axes, titles and texts
    (``bbox_inches="tight"`` with them as extra artists), so legends placed outside an axes, the South China
    Sea inset and long titles are all kept.  The file appears only when completely written
    (:func:`spillover.io.atomic_path`); an existing file is replaced only with ``overwrite=True``.

    Parameters
    ----------
    fig
        The figure (every map function of :mod:`spillover.maps` returns one).
    path
        Target file; ``.png``, ``.svg`` or ``.pdf``.
    dpi
        Resolution of PNG output (and of rasterised parts of vector output).
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written path.

    Examples
    --------
    >>> import tempfile, pathlib, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1], label="line"); _ = ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    >>> out = save(fig, pathlib.Path(tempfile.mkdtemp()) / "fig.png")
    >>> out.suffix
    '.png'
    """
    from spillover.io import atomic_path

    target = Path(path)
    fmt = FIGURE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise SpilloverError(
            f"cannot tell the figure format of {target.name!r} from its suffix; expected one "
            f"of {sorted(FIGURE_FORMATS)}."
        )
    cjk_text(fig)  # text added after the map function returned (a user's title) too
    with atomic_path(target, overwrite=overwrite) as tmp:
        fig.savefig(
            tmp,
            format=fmt,
            dpi=dpi,
            bbox_inches="tight",
            pad_inches=0.05,
            bbox_extra_artists=extra_artists(fig),
            metadata=_metadata(fmt),
        )
    return target


def extra_artists(fig: Figure) -> list[Any]:
    """Legends, inset axes, titles and texts of ``fig`` that the tight bounding box must contain."""
    artists: list[Any] = [*fig.legends, *fig.texts]
    for ax in fig.axes:
        # the left and right titles are Text objects without a public accessor (ax.get_title returns strings)
        titles = (ax.title, ax._left_title, ax._right_title)  # type: ignore[attr-defined]
        artists.extend(a for a in (ax.get_legend(), *titles) if a)
        artists.extend(t for t in ax.texts if t.get_text())
        artists.extend(c for c in ax.child_axes)
    return [a for a in artists if a.get_visible()]


def _metadata(fmt: str) -> dict[str, Any]:
    # no creation date in vector files: the same figure gives the same bytes (reproducible docs/builds)
    if fmt == "pdf":
        return {"CreationDate": None}
    if fmt == "svg":
        return {"Date": None}
    return {}


@dataclass(frozen=True)
class MapLayer:
    """What a map draws: the analysed regions (projected), the context regions drawn as no data, and the
    values checked by :func:`prepare_map` (infinite ones made NaN; None for maps without values)."""

    regions: gpd.GeoDataFrame
    no_data: gpd.GeoDataFrame
    geographic: bool
    extent: tuple[float, float, float, float] | None
    china: bool
    language: str
    values: pd.Series | pd.DataFrame | None = None
