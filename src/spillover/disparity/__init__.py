"""Regional disparity and distribution dynamics (analysis layer): Dagum's Gini decomposition, Theil's
indices, coefficients of variation."""

from spillover.disparity._gini import DagumResult, dagum_gini
from spillover.disparity._theil import TheilResult, theil

__all__ = [
    "DagumResult",
    "dagum_gini",
    "TheilResult",
    "theil",
]
