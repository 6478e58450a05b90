"""Regional disparity and distribution dynamics (analysis layer).

* distribution dynamics (``_markov``) -- :func:`markov`, :func:`spatial_markov`, :func:`lisa_markov`: classic,
  spatial-lag-conditioned and LISA Markov chains on :mod:`giddy`;
* distribution shape (``_kde``) -- :func:`kernel_density`: per-period Gaussian kernel densities with their
  peaks and tails.
"""

from __future__ import annotations

from spillover.disparity._kde import KernelDensityResult, kernel_density
from spillover.disparity._markov import (
    LisaMarkovResult,
    MarkovResult,
    SpatialMarkovResult,
    lisa_markov,
    markov,
    spatial_markov,
)

__all__ = [
    "KernelDensityResult",
    "LisaMarkovResult",
    "MarkovResult",
    "SpatialMarkovResult",
    "kernel_density",
    "lisa_markov",
    "markov",
    "spatial_markov",
]
