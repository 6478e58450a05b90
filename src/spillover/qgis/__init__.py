"""spillover in QGIS: layer conversion, console helpers, a Processing provider and a plugin.

Nothing here imports QGIS until a function that needs it is called, so ``import spillover.qgis`` works
anywhere and QGIS never waits for spillover's scientific stack before it is used.

In the QGIS Python console::

    from spillover import qgis as sq
    layer = iface.activeLayer()
    print(sq.moran(layer, "gdp_pc"))                               # Moran's I table
    QgsProject.instance().addMapLayer(sq.lisa_layer(layer, "gdp_pc"))
    sq.register()                                                  # Processing: spillover:moran, ...

* conversion: :func:`layer_to_frame`, :func:`frame_to_layer`, :func:`write_geopackage` (GeoPackage 1.2);
* console helpers: :func:`moran`, :func:`lisa_layer`, :func:`weights_summary`, :func:`sdm`,
  :func:`spillover_layers`;
* Processing: :func:`register` / :func:`unregister` (provider id ``spillover``; algorithms
  ``spillover:weights``, ``spillover:moran``, ``spillover:lisa``, ``spillover:sdm``, ``spillover:malmquist``);
* plugin: :func:`write_plugin` (also ``spillover qgis-plugin --out DIR``);
* figures: :func:`render_png` (layers drawn by QGIS's map renderer into a PNG), :func:`print_layout` (a
  print layout with legend, scale bar, north arrow and, for China, the South China Sea inset and the units
  without data) and :func:`export_layout` (PNG or PDF).
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "layer_to_frame": "spillover.qgis.convert",
    "frame_to_layer": "spillover.qgis.convert",
    "write_geopackage": "spillover.qgis.convert",
    "moran": "spillover.qgis.console",
    "lisa_layer": "spillover.qgis.console",
    "weights_summary": "spillover.qgis.console",
    "sdm": "spillover.qgis.console",
    "spillover_layers": "spillover.qgis.console",
    "register": "spillover.qgis.provider",
    "unregister": "spillover.qgis.provider",
    "write_plugin": "spillover.qgis.plugin",
    "render_png": "spillover.qgis.render",
    "print_layout": "spillover.qgis.layout",
    "export_layout": "spillover.qgis.layout",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'spillover.qgis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
