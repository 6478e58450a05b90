"""Regional disparity and distribution dynamics (analysis layer).

* :func:`dagum_gini` - Dagum's Gini decomposition by group (within, net between, transvariation);
* :func:`theil` - Theil's T and L with their within/between decomposition, coefficients of variation;
* :func:`kernel_density` - per-period Gaussian kernel densities with peaks and tails;
* :func:`markov`, :func:`spatial_markov`, :func:`lisa_markov` - distribution dynamics (giddy as the engine);
* :func:`convergence` - sigma, beta and spatial beta convergence, with speed and half-life.
"""

from __future__ import annotations

from spillover.disparity._convergence import ConvergenceResults, convergence
from spillover.disparity._gini import DagumResult, dagum_gini
from spillover.disparity._kde import KernelDensityResult, kernel_density
from spillover.disparity._markov import (
    LisaMarkovResult,
    MarkovResult,
    SpatialMarkovResult,
    lisa_markov,
    markov,
    spatial_markov,
)
from spillover.disparity._theil import TheilResult, theil

__all__ = [
    "DagumResult",
    "dagum_gini",
    "TheilResult",
    "theil",
    "KernelDensityResult",
    "kernel_density",
    "MarkovResult",
    "SpatialMarkovResult",
    "LisaMarkovResult",
    "markov",
    "spatial_markov",
    "lisa_markov",
    "convergence",
    "ConvergenceResults",
]
