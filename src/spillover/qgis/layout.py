"""A print layout for a spillover layer: the map a GIS analyst exports as it is (QGIS's print composer).

:func:`print_layout` adds to a project a ``QgsPrintLayout`` (A4 landscape) with the layer's map, a title, a
legend whose entry names the variable, its unit and its classification, a scale bar, a north arrow and a
note.  For China's provinces (detected from the region ids, or ``china=True``) it follows the conventions
of :mod:`spillover.maps` (see ``spillover/maps/_china.py``): the map is drawn in the Albers projection for
China, the provincial units without data (by default Taiwan, Hong Kong and Macao) are drawn grey and hatched
and appear in the legend as "No data", and the South China Sea islands and maritime boundary line are shown
in an inset map at the bottom right.  :func:`export_layout` writes the layout to PNG or PDF with
``QgsLayoutExporter``, atomically.

In the QGIS Python console::

    from spillover import qgis as sq
    layout = sq.print_layout(QgsProject.instance(), lisa, title="LISA clusters, 2020")
    sq.export_layout(layout, "lisa_2020.pdf")     # or open it: Project > Layouts > spillover: LISA y

QGIS is imported inside the functions.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from spillover import __version__
from spillover.errors import SpilloverError
from spillover.options import check_option

__all__ = ["print_layout", "export_layout", "PAGE_SIZE_MM"]

#: the layout's page: A4 landscape, millimetres
PAGE_SIZE_MM = (297.0, 210.0)
_MARGIN = 10.0
_MAP_BOX = (_MARGIN, 22.0, 205.0, 168.0)  # x, y, width, height available to the main map (mm)
_INSET_WIDTH = 0.20  # the inset's width as a share of the main map's width (as spillover.maps draws it)
_NORTH_ARROW = "north_arrow.svg"  # shipped with spillover.qgis: QGIS's own SVG folder is not always installed
_CONTEXT_PROPERTY = "spillover/context"  # custom property of the context layers print_layout adds


def _china_ids(layer: Any) -> tuple[str | None, list[str]]:
    """The string field whose values are China's provincial ids, and those ids (``(None, [])`` if none)."""
    from spillover.maps._china import is_china_layer

    for field in layer.fields():
        if field.typeName().lower() not in ("string", "text", "varchar") and field.type() != 10:
            continue
        values = pd.Index([f[field.name()] for f in layer.getFeatures()])
        if len(values) and is_china_layer(values):
            return field.name(), [str(v) for v in values]
    return None, []


def _legend_label(layer: Any, unit: str | None) -> str:
    """The legend's entry for the layer: variable, unit and classification."""
    renderer = layer.renderer()
    kind = renderer.type() if renderer is not None else ""
    field = renderer.classAttribute() if kind in ("graduatedSymbol", "categorizedSymbol") else layer.name()
    unit = unit if unit is not None else (layer.customProperty("spillover/unit") or None)
    label = f"{field} ({unit})" if unit else field
    if kind == "graduatedSymbol":
        method = renderer.classificationMethod()
        name = method.name() if method is not None else "manual"
        label += f"\n{len(renderer.ranges())} classes, {name.lower()}"
    elif kind == "categorizedSymbol":
        label += f"\n{len(renderer.categories())} categories"
    return label


def _context_layer(frame: Any, name: str, style: str) -> Any:
    """A memory layer of spillover's own boundaries (no data, South China Sea), styled, marked as context."""
    from qgis.core import (
        QgsFillSymbol,
        QgsLinePatternFillSymbolLayer,
        QgsLineSymbol,
        QgsSingleSymbolRenderer,
    )

    from spillover.maps import NO_DATA_COLOR
    from spillover.qgis.convert import frame_to_layer

    layer = frame_to_layer(frame.reset_index(drop=True), name)
    if style == "line":
        symbol = QgsLineSymbol.createSimple({"color": "#303030", "width": "0.35"})
    else:
        color = NO_DATA_COLOR if style == "no_data" else "#707070"
        symbol = QgsFillSymbol.createSimple(
            {
                "color": color,
                "outline_color": "#8c8c8c" if style == "no_data" else "#505050",
                "outline_width": "0.1",
            }
        )
        if style == "no_data":  # grey and hatched, as spillover.maps draws units without data
            hatch = QgsLinePatternFillSymbolLayer()
            hatch.setLineAngle(45)
            hatch.setDistance(1.2)
            hatch.setColor(QgsFillSymbol.createSimple({"color": "#8c8c8c"}).color())
            symbol.appendSymbolLayer(hatch)
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.setCustomProperty(_CONTEXT_PROPERTY, style)
    return layer


def _china_context(present: list[str]) -> tuple[Any, Any, Any]:
    """The layers of the units without data, the South China Sea islands and the maritime line."""
    from spillover.datasets import china_provinces, south_china_sea

    full = china_provinces(include_sar_taiwan=True)
    absent = full.loc[~full["province"].isin(present), ["province", "name_en", "geometry"]]
    names = ", ".join(absent["name_en"]) if len(absent) else ""
    no_data = (
        _context_layer(absent, f"No data: {names}" if names else "No data", "no_data")
        if len(absent)
        else None
    )
    scs = south_china_sea()
    islands = _context_layer(
        scs.loc[scs["kind"] == "islands", ["name", "geometry"]], "South China Sea islands", "fill"
    )
    line = _context_layer(
        scs.loc[scs["kind"] == "maritime_line", ["name", "geometry"]], "Maritime boundary", "line"
    )
    return no_data, islands, line


def _fit(box: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    """The largest rectangle of height/width ``aspect`` in ``box`` (x, y, width, height), top left aligned."""
    x, y, width, height = box
    if height / width > aspect:
        return x, y, width, width * aspect
    return x, y, height / aspect, height


def _rect(extent: Any, grow: float) -> Any:
    from qgis.core import QgsRectangle

    rect = QgsRectangle(extent)
    rect.grow(grow * max(rect.width(), rect.height()))
    return rect


def _transform_bounds(bounds: tuple[float, float, float, float], crs: str) -> tuple[float, ...]:
    """A lon/lat window's bounds in ``crs``, edges densified (parallels are arcs in a conic projection)."""
    from pyproj import Transformer

    return tuple(Transformer.from_crs(4326, crs, always_xy=True).transform_bounds(*bounds, densify_pts=21))


def print_layout(
    project: Any,
    layer: Any,
    *,
    title: str | None = None,
    china: bool | Literal["auto"] = "auto",
    unit: str | None = None,
    name: str | None = None,
    note: str | None = None,
) -> Any:
    """Add a print layout for ``layer`` to ``project`` and return it (``QgsPrintLayout``).

    Parameters
    ----------
    project
        The ``QgsProject`` (``None``: ``QgsProject.instance()``).  ``layer`` is added to it if it is not in
        it yet; for China the context layers (units without data, South China Sea islands and line) are
        added too, at the bottom of the layer tree.
    layer
        The vector layer to map, with its style (e.g. from :func:`~spillover.qgis.lisa_layer` or
        :func:`~spillover.qgis.spillover_layers`).
    title
        The layout's title (default: the layer's name).
    china
        ``"auto"`` (default): China's conventions when a text field of the layer holds China's provincial
        ids (``"Beijing"``...); ``True`` requires such a field; ``False`` never.
    unit
        The variable's unit, written in the legend after its name (default: the layer's custom property
        ``spillover/unit``, else none).
    name
        The layout's name in the project (default ``"spillover: <layer name>"``); a layout of that name is
        replaced.
    note
        A line at the bottom (default: spillover's version and, for China, the units without data).

    Notes
    -----
    The layout holds the items (``QgsLayoutItem.id()``): ``title``, ``map`` (the layer in the Albers
    projection for China, its own CRS otherwise), ``legend``, ``scale_bar`` (km), ``north_arrow`` (a
    picture), ``note`` and, for China, ``south_china_sea`` (the inset map, 105.5-123.5E, 2.5-24N).
    """
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
        QgsLayoutMeasurement,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsMapLayerLegendUtils,
        QgsPrintLayout,
        QgsProject,
        QgsUnitTypes,
    )
    from qgis.PyQt.QtGui import QColor, QFont

    from spillover.maps._china import _INSET, CHINA_CRS

    check_option(china, (True, False, "auto"), "china")
    project = project if project is not None else QgsProject.instance()
    if layer is None or not layer.isValid():
        raise SpilloverError("print_layout needs a valid vector layer.")
    field, present = _china_ids(layer)
    use_china = bool(field) if china == "auto" else bool(china)
    if use_china and not field:
        raise SpilloverError(
            f"china=True, but no text field of layer {layer.name()!r} holds China's provincial ids "
            "('Beijing', 'Tianjin'... as in spillover.datasets.china_provinces); pass china=False."
        )
    if project.mapLayer(layer.id()) is None:
        project.addMapLayer(layer)
    context: list[Any] = []
    no_data = None
    if use_china:
        no_data, islands, line = _china_context(present)
        context = [c for c in (no_data, islands, line) if c is not None]
        root = project.layerTreeRoot()
        for c in context:
            project.addMapLayer(c, False)
            root.addLayer(c)
    map_layers = [layer, *context]  # the first on top

    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page
    layout.setName(name or f"spillover: {layer.name()}")
    manager = project.layoutManager()
    old = manager.layoutByName(layout.name())
    if old is not None:
        manager.removeLayout(old)
    mm = QgsUnitTypes.LayoutMillimeters
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(*PAGE_SIZE_MM, mm))

    def place(item: Any, item_id: str, x: float, y: float, w: float, h: float) -> Any:
        layout.addLayoutItem(item)
        item.setId(item_id)
        item.attemptMove(QgsLayoutPoint(x, y, mm))
        item.attemptResize(QgsLayoutSize(w, h, mm))
        return item

    # ---- the main map: the mainland window for China (Hainan included), the layer's extent otherwise
    if use_china:
        crs = QgsCoordinateReferenceSystem.fromProj(CHINA_CRS)
        # the mainland and Hainan island, widened eastwards so that the inset at the bottom right covers sea
        # only: the extent spillover.maps gives its matplotlib maps of China
        from qgis.core import QgsRectangle

        from spillover.maps._china import prepare_layer

        geo = _provinces_frame(present)
        china_extent = prepare_layer(geo, china=True, crs=None, language="en").extent
        assert china_extent is not None  # always set for China (spillover.maps._china._territory)
        px0, py0, px1, py1 = china_extent
        extent = _rect(QgsRectangle(px0, py0, px1, py1), 0.02)
    else:
        crs = layer.crs()
        extent = _rect(layer.extent(), 0.03)
    mx, my, mw, mh = _fit(_MAP_BOX, extent.height() / extent.width())
    main = QgsLayoutItemMap(layout)
    main.setCrs(crs)  # before it is sized: a map item without CRS asks PROJ for an empty one
    place(main, "map", mx, my, mw, mh)
    main.setLayers(map_layers)
    main.setKeepLayerSet(True)
    main.setExtent(extent)
    main.setFrameEnabled(True)
    main.setFrameStrokeWidth(QgsLayoutMeasurement(0.3, mm))

    # ---- the South China Sea inset (bottom right of the main map)
    if use_china:
        ix0, iy0, ix1, iy1 = _transform_bounds(_INSET.bounds, CHINA_CRS)
        from qgis.core import QgsRectangle

        window = QgsRectangle(ix0, iy0, ix1, iy1)
        iw = _INSET_WIDTH * mw
        ih = iw * window.height() / window.width()
        inset = QgsLayoutItemMap(layout)
        inset.setCrs(crs)
        place(inset, "south_china_sea", mx + mw - iw, my + mh - ih, iw, ih)
        inset.setLayers(map_layers)
        inset.setKeepLayerSet(True)
        inset.setExtent(window)
        inset.setFrameEnabled(True)
        inset.setFrameStrokeWidth(QgsLayoutMeasurement(0.3, mm))
        inset.setBackgroundColor(QColor("white"))

    # ---- title, legend, scale bar, north arrow, note
    heading = place(QgsLayoutItemLabel(layout), "title", _MARGIN, 6.0, PAGE_SIZE_MM[0] - 2 * _MARGIN, 12.0)
    heading.setText(title if title is not None else layer.name())
    font = QFont()
    font.setPointSizeF(18)
    font.setBold(True)
    heading.setFont(font)

    legend = place(
        QgsLayoutItemLegend(layout), "legend", mx + mw + 6.0, my, PAGE_SIZE_MM[0] - mx - mw - 16.0, 60.0
    )
    legend.setTitle("Legend")
    legend.setLinkedMap(main)
    legend.setAutoUpdateModel(False)
    group = legend.model().rootGroup()
    group.removeAllChildren()
    node = group.addLayer(layer)
    node.setCustomProperty("legend/title-label", _legend_label(layer, unit))
    if no_data is not None:
        absent_node = group.addLayer(no_data)
        # a one-symbol layer is one legend line: its label (not the layer's title) names the units, wrapped
        QgsMapLayerLegendUtils.setLegendNodeUserLabel(absent_node, 0, no_data.name().replace(": ", ":\n", 1))
        legend.model().refreshLayerLegend(absent_node)
    legend.setWrapString("\n")
    legend.setResizeToContents(True)
    legend.adjustBoxSize()
    legend.refresh()

    scale = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale)
    scale.setId("scale_bar")
    scale.setLinkedMap(main)
    scale.setStyle("Single Box")
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegmentsLeft(0)
    scale.setNumberOfSegments(2)
    scale.setUnitsPerSegment(
        _segment_km(extent.width() / 1000.0 if use_china or not crs.isGeographic() else None)
    )
    scale.setSegmentSizeMode(0)  # fixed size segments
    scale.attemptMove(QgsLayoutPoint(mx + 4.0, my + mh - 14.0, mm))
    scale.update()

    arrow = place(QgsLayoutItemPicture(layout), "north_arrow", mx + 4.0, my + 4.0, 9.0, 14.0)
    with resources.as_file(resources.files("spillover.qgis") / _NORTH_ARROW) as svg:
        arrow.setPicturePath(str(svg))
    arrow.setLinkedMap(main)  # points to true north of the map (the Albers grid is rotated off the meridians)
    arrow.setNorthMode(QgsLayoutItemPicture.TrueNorth)

    absent = no_data.name().removeprefix("No data: ") if no_data is not None else ""
    text = note
    if text is None:
        text = f"Drawn with spillover {__version__} and QGIS."
        if use_china:
            text += (
                f" {absent}: no data. Albers equal-area projection for China (25N, 47N, 105E)."
                " Not the official standard map of China."
            )
    footer = place(
        QgsLayoutItemLabel(layout), "note", _MARGIN, my + mh + 3.0, PAGE_SIZE_MM[0] - 2 * _MARGIN, 8.0
    )
    footer.setText(text)
    small = QFont()
    small.setPointSizeF(8)
    footer.setFont(small)
    manager.addLayout(layout)
    return layout


def _segment_km(width_km: float | None) -> float:
    """A round segment length: about a tenth of the map's width (1, 2 or 5 times a power of ten)."""
    if width_km is None or width_km <= 0:
        return 100.0
    target = width_km / 10.0
    power = 10.0 ** int(f"{target:e}".split("e")[1])
    return min((m * power for m in (1.0, 2.0, 5.0, 10.0)), key=lambda v: abs(v - target))


def _provinces_frame(present: list[str]) -> Any:
    """The shipped boundaries of the provinces of the layer, indexed by id (for spillover.maps' extent)."""
    from spillover.datasets import china_provinces

    full = china_provinces(include_sar_taiwan=True).set_index("province")
    return full.loc[[p for p in full.index if p in set(present)], ["geometry"]]


def export_layout(
    layout: Any, path: str | os.PathLike[str], *, dpi: float = 150.0, overwrite: bool = False
) -> Path:
    """Export ``layout`` to ``path``: a PNG (``.png``, at ``dpi``) or a PDF (``.pdf``, vector).

    Written atomically; an existing file is replaced only with ``overwrite=True``.
    """
    from qgis.core import QgsLayoutExporter

    from spillover.io import atomic_path

    target = Path(path)
    kind = target.suffix.lower()
    if kind not in (".png", ".pdf"):
        raise SpilloverError(f"export_layout writes .png or .pdf files; got {target.name!r}.")
    exporter = QgsLayoutExporter(layout)
    with atomic_path(target, overwrite=overwrite) as tmp:
        if kind == ".png":
            settings = QgsLayoutExporter.ImageExportSettings()
            settings.dpi = dpi
            # QGIS 3.22 then opens the PNG with GDAL for update to georeference it, which GDAL's PNG driver
            # refuses (ERROR 6 "does not support update access" on stderr): the image is fine, the noise goes
            with _quiet_gdal():
                status = exporter.exportToImage(str(tmp), settings)
        else:
            pdf = QgsLayoutExporter.PdfExportSettings()
            pdf.dpi = dpi
            status = exporter.exportToPdf(str(tmp), pdf)
        if status != QgsLayoutExporter.Success:
            raise SpilloverError(f"QGIS could not export the layout to {target} ({exporter.errorMessage()}).")
    return target


@contextlib.contextmanager
def _quiet_gdal() -> Iterator[None]:
    """GDAL's errors silenced for the block (GDAL's own error-handler stack), where GDAL's Python exists."""
    try:
        gdal = importlib.import_module("osgeo.gdal")  # GDAL's bindings, shipped with QGIS; untyped
    except ImportError:  # pragma: no cover - QGIS always ships GDAL's bindings; nothing to silence then
        yield
        return
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()
