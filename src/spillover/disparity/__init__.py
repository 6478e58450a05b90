"""Regional disparity and distribution dynamics (analysis layer).

* :func:`dagum_gini` - Dagum's Gini decomposition by group (within, net between, transvariation);
* :func:`theil` - Theil's T and L with their within/between decomposition, coefficients of variation;
* :func:`convergence` - sigma, beta and spatial beta convergence, with speed and half-life.
"""

from __future__ import annotations

from spillover.disparity._convergence import ConvergenceResults, convergence
from spillover.disparity._gini import DagumResult, dagum_gini
from spillover.disparity._theil import TheilResult, theil

__all__ = [
    "DagumResult",
    "dagum_gini",
    "TheilResult",
    "theil",
    "convergence",
    "ConvergenceResults",
]
