"""spillover: regional spatial econometrics with GIS integration.

One pipeline from regional panels and boundaries to spillover effects::

    import spillover as so
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel.geometry, kind="queen")
    so.moran_by_period(panel, "gsp", w, seed=0)

Submodules and names are imported lazily so that ``import spillover`` stays fast (it is also imported from
the QGIS Python console).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what __getattr__ loads, spelled out for type checkers (nothing here runs)
    from spillover import (
        causal,
        cli,
        datasets,
        disparity,
        errors,
        esda,
        indicators,
        io,
        maps,
        panel,
        panel_models,
        productivity,
        qgis,
        regions,
        spatial,
        study,
        tables,
        weights,
    )
    from spillover.errors import SpilloverError
    from spillover.esda import geary_by_period, local_moran, moran_by_period
    from spillover.panel import SpatialPanel
    from spillover.productivity import malmquist_luenberger, window_dea
    from spillover.productivity.dea import dea
    from spillover.productivity.directional import directional
    from spillover.productivity.malmquist import malmquist
    from spillover.productivity.sbm import sbm
    from spillover.spatial import (
        SpatialCrossSectionModel,
        SpatialPanelModel,
        hausman,
        lm_tests,
        lr_fixed_effects,
        lr_test,
    )

_SUBMODULES = {
    "causal",
    "disparity",
    "errors",
    "regions",
    "panel",
    "io",
    "datasets",
    "weights",
    "indicators",
    "esda",
    "spatial",
    "productivity",
    "tables",
    "cli",
    "panel_models",
    "maps",
    "study",
    "qgis",
}
_NAMES = {
    "SpatialPanel": "spillover.panel",
    "SpilloverError": "spillover.errors",
    "moran_by_period": "spillover.esda",
    "geary_by_period": "spillover.esda",
    "local_moran": "spillover.esda",
    "SpatialPanelModel": "spillover.spatial",
    "SpatialCrossSectionModel": "spillover.spatial",
    "lr_fixed_effects": "spillover.spatial",
    "lm_tests": "spillover.spatial",
    "lr_test": "spillover.spatial",
    "hausman": "spillover.spatial",
    "dea": "spillover.productivity",
    "malmquist": "spillover.productivity",
    "sbm": "spillover.productivity",
    "directional": "spillover.productivity",
    "malmquist_luenberger": "spillover.productivity",
    "window_dea": "spillover.productivity",
}

__all__ = sorted(_SUBMODULES | set(_NAMES)) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"spillover.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'spillover' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
