"""Render layers to a PNG with QGIS's own map renderer (headless: no canvas or project needed).

Used for figures made by QGIS in scripts and in CI; in the QGIS GUI use the print layout instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spillover.errors import SpilloverError

__all__ = ["render_png"]


def render_png(
    layers: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    size: tuple[int, int] = (800, 600),
    background: str = "white",
    margin: float = 0.03,
    overwrite: bool = False,
) -> Path:
    """Draw ``layers`` (first on top) into a PNG of ``size`` pixels with ``QgsMapRendererParallelJob``.

    The map shows the layers' combined extent (plus ``margin`` of it on each side) in the first layer's
    CRS.  The file is written atomically; an existing file is replaced only with ``overwrite=True``.
    """
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    from spillover.io import atomic_path

    if not layers:
        raise SpilloverError("render_png needs at least one layer.")
    settings = QgsMapSettings()
    settings.setLayers(list(layers))
    settings.setDestinationCrs(layers[0].crs())
    extent = QgsRectangle(layers[0].extent())
    for layer in layers[1:]:
        extent.combineExtentWith(layer.extent())
    extent.grow(margin * max(extent.width(), extent.height()))
    settings.setOutputSize(QSize(*size))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(background))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    target = Path(path)
    with atomic_path(target, overwrite=overwrite) as tmp:
        if not job.renderedImage().save(str(tmp), "PNG"):
            raise SpilloverError(f"QGIS could not write the image {target}.")
    return target
