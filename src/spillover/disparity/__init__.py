"""Regional disparity and distribution dynamics (analysis layer).

* :func:`convergence` - sigma, beta and spatial beta convergence, with speed and half-life.
"""

from __future__ import annotations

from spillover.disparity._convergence import ConvergenceResults, convergence

__all__ = ["convergence", "ConvergenceResults"]
