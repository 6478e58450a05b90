"""Exploratory spatial data analysis of a regional panel.

Global statistics per period (Moran's I, Geary's C), local Moran (LISA) and the Moran scatter plot live in
:mod:`spillover.esda._moran`; the local statistics of hot-spot analysis (local Geary, Getis-Ord Gi/Gi*,
join counts, bivariate LISA) and emerging hot spots in :mod:`spillover.esda._local` and
:mod:`spillover.esda._emerging`.  All of them feed :mod:`esda` (PySAL) one cross-section at a time with the
weights aligned to the panel's regions.
"""

from __future__ import annotations

from spillover.esda._emerging import (
    EMERGING_CATEGORIES,
    EmergingHotspotsResult,
    emerging_hotspots,
    mann_kendall,
)
from spillover.esda._local import (
    HOTSPOT_CLASSES,
    BivariateLisaResult,
    GetisOrdResult,
    JoinCountsResult,
    LocalGearyResult,
    bivariate_lisa,
    fdr_threshold,
    getis_ord,
    join_counts,
    local_geary,
)
from spillover.esda._moran import (
    LISA_COLORS,
    NOT_SIGNIFICANT,
    LabelMode,
    LocalMoranResult,
    MoranScatter,
    Transform,
    geary_by_period,
    lisa_period_seed,
    local_moran,
    local_moran_by_period,
    moran_by_period,
    moran_scatter_data,
)

__all__ = [
    "moran_by_period",
    "geary_by_period",
    "local_moran",
    "local_moran_by_period",
    "lisa_period_seed",
    "LocalMoranResult",
    "moran_scatter_data",
    "MoranScatter",
    "LISA_COLORS",
    "NOT_SIGNIFICANT",
    "local_geary",
    "LocalGearyResult",
    "getis_ord",
    "GetisOrdResult",
    "HOTSPOT_CLASSES",
    "join_counts",
    "JoinCountsResult",
    "bivariate_lisa",
    "BivariateLisaResult",
    "emerging_hotspots",
    "EmergingHotspotsResult",
    "EMERGING_CATEGORIES",
    "mann_kendall",
    "fdr_threshold",
    "Transform",
    "LabelMode",
]
