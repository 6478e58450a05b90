"""Map of the links of a spatial weights matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from spillover.maps import _china
from spillover.maps._base import add_polygons, cjk_text, figure_of, geometry_paths, region_frame
from spillover.options import MapLanguage

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["links_map", "links_axes"]


def links_map(
    w: Any,
    geo: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = False,
    crs: Any = None,
    **line_kwargs: Any,
) -> Figure:
    """The regions and a line between every pair of linked regions (a sanity check of the weights).

    A link ``i - j`` is drawn once when ``w_ij`` or ``w_ji`` is non-zero, between points inside each
    region's largest polygon.  The links are the last collection of the axes (``gid="links"``).

    Parameters
    ----------
    w
        Weights whose ids are the regions of ``geo`` (Graph, W or square DataFrame).
    geo
        GeoDataFrame indexed by region id, or a SpatialPanel.
    ax, title, china, language, labels, crs
        As in :func:`spillover.maps.choropleth` (labels off by default).
    line_kwargs
        Passed to :class:`matplotlib.collections.LineCollection` (e.g. ``color``, ``linewidth``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from spillover.weights import contiguity
    >>> geo = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], index=["a", "b"])
    >>> fig = links_map(contiguity(geo, islands="raise"), geo)
    >>> len(fig.axes[0].collections[-1].get_segments())
    1
    """
    return figure_of(
        links_axes(
            w,
            region_frame(geo),
            ax=ax,
            title=title,
            china=china,
            language=language,
            labels=labels,
            crs=crs,
            **line_kwargs,
        )
    )


def links_axes(
    w: Any,
    frame: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    china: bool | None = None,
    language: MapLanguage = "auto",
    labels: bool | None = False,
    crs: Any = None,
    **line_kwargs: Any,
) -> Axes:
    """Draw :func:`links_map` and return the main axes (``spillover.weights.plot_links`` uses it)."""
    from matplotlib.collections import LineCollection

    from spillover.weights import _sparse_unchecked as to_sparse  # drawing only: no islands warnings

    layer = _china.prepare_layer(frame, china=china, crs=crs, language=language, what="the links map")
    mat = to_sparse(w, frame.index)
    pairs = sparse.triu(mat + mat.T, k=1).tocoo()
    pts = [
        max(getattr(g, "geoms", [g]), key=lambda p: p.area).representative_point()
        for g in layer.regions.geometry
    ]
    xy = np.array([[p.x, p.y] for p in pts]) if pts else np.empty((0, 2))
    segments = np.stack([xy[pairs.row], xy[pairs.col]], axis=1) if pairs.nnz else np.empty((0, 2, 2))
    style = {"color": "#C0392B", "linewidth": 0.7, **line_kwargs}

    paths = geometry_paths(layer.regions.geometry)

    def paint(target: Axes) -> None:
        add_polygons(target, paths, "#F2F2F2", gid="regions", edgecolor="#9A9A9A")
        _china.draw_no_data(target, layer)
        target.scatter(xy[:, 0], xy[:, 1], s=5, color=style["color"], zorder=3)
        links = LineCollection(list(segments), zorder=4, **style)
        links.set_gid("links")
        target.add_collection(links)  # last collection: the links

    _, ax = _china.draw_map(ax, layer, paint, labels=labels, size=(7.0, 5.0))
    ax.set_title(
        title if title is not None else f"{len(segments)} links between {len(frame)} regions", fontsize=10
    )
    cjk_text(figure_of(ax))
    return ax
