"""Renderers for spillover's output layers: LISA cluster maps and graduated spillover maps.

Colours come from :mod:`spillover.maps`, so that a LISA map drawn by QGIS looks like the one spillover draws
with matplotlib.  QGIS is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["categorised", "graduated", "lisa_renderer", "hotspot_renderer", "GRADUATED_RAMP"]

#: colour ramp of the graduated spillover maps (ColorBrewer "YlOrRd", sequential)
GRADUATED_RAMP = ("#ffffb2", "#bd0026")


def _fill_symbol(layer: Any, color: str) -> Any:
    from qgis.core import QgsSymbol
    from qgis.PyQt.QtGui import QColor

    symbol = QgsSymbol.defaultSymbol(layer.geometryType())
    symbol.setColor(QColor(color))
    return symbol


def categorised(layer: Any, field: str, colors: Mapping[str, str], *, missing: str | None = None) -> Any:
    """Give ``layer`` a categorised renderer: one category per key of ``colors``, in that order.

    ``missing`` (a colour) adds a category for NULL values.  Returns the renderer.
    """
    from qgis.core import QgsCategorizedSymbolRenderer, QgsRendererCategory

    categories = [
        QgsRendererCategory(value, _fill_symbol(layer, color), str(value)) for value, color in colors.items()
    ]
    if missing is not None:
        categories.append(QgsRendererCategory(None, _fill_symbol(layer, missing), "No data"))
    renderer = QgsCategorizedSymbolRenderer(field, categories)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return renderer


def lisa_renderer(layer: Any, field: str = "lisa_cluster") -> Any:
    """The LISA cluster map style (:data:`spillover.maps.LISA_COLORS`) on ``layer``'s ``field``."""
    from spillover.maps import LISA_COLORS, NO_DATA_COLOR

    return categorised(layer, field, LISA_COLORS, missing=NO_DATA_COLOR)


def hotspot_renderer(layer: Any, field: str = "hs_class") -> Any:
    """The hot/cold palette of :func:`spillover.maps.hotspot_map` (:data:`spillover.maps.HOTSPOT_COLORS`) on
    the ``hs_class`` field of a ``spillover:hotspots`` layer; local Geary's labels get
    :data:`spillover.maps.CLUSTER_COLORS`."""
    from spillover.maps import CLUSTER_COLORS, HOTSPOT_COLORS, NO_DATA_COLOR

    index = layer.fields().indexOf(field)
    values = {str(v) for v in layer.uniqueValues(index)} if index >= 0 else set()
    colors = HOTSPOT_COLORS if values <= set(HOTSPOT_COLORS) else CLUSTER_COLORS
    return categorised(layer, field, colors, missing=NO_DATA_COLOR)


def graduated(layer: Any, field: str, *, classes: int = 5, ramp: tuple[str, str] = GRADUATED_RAMP) -> Any:
    """Give ``layer`` a graduated renderer on ``field``: quantile classes, a sequential colour ramp.

    Returns the renderer.
    """
    from qgis.core import (
        QgsClassificationQuantile,
        QgsGradientColorRamp,
        QgsGraduatedSymbolRenderer,
    )
    from qgis.PyQt.QtGui import QColor

    renderer = QgsGraduatedSymbolRenderer(field)
    renderer.setSourceSymbol(_fill_symbol(layer, ramp[0]))
    renderer.setSourceColorRamp(QgsGradientColorRamp(QColor(ramp[0]), QColor(ramp[1])))
    renderer.setClassificationMethod(QgsClassificationQuantile())
    renderer.updateClasses(layer, classes)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return renderer
