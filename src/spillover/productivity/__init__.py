"""Productivity: DEA (CCR/BCC), the Malmquist TFP index with DEAP 2.1's conventions, bootstraps, DEAP files.

* :func:`dea` -> :class:`DEAResult` (``dea.py``; the LP engine with one reusable HiGHS model per frontier is in
  ``_highs.py``, reference-set reduction and the serial / process / Dask backends in ``_engine.py``);
* :func:`malmquist` -> :class:`MalmquistResult` (``malmquist.py``), whose per-unit-period frame merges into a
  :class:`~spillover.panel.SpatialPanel`;
* Simar-Wilson bootstraps (``bootstrap.py``) and DEAP instruction/data/output files (``deap_io.py``).
"""

from spillover.productivity.bootstrap import (
    BootstrapResult,
    MalmquistBootstrapResult,
    bootstrap_dea,
    bootstrap_malmquist,
    silverman_reflected_bandwidth,
)
from spillover.productivity.dea import DEAResult, dea, scale_label
from spillover.productivity.deap_io import (
    DeapInstructions,
    format_deap,
    read_deap_data,
    read_deap_instructions,
    run_deap,
    write_deap_output,
)
from spillover.productivity.malmquist import MalmquistResult, geometric_mean, malmquist

__all__ = [
    "BootstrapResult",
    "DEAResult",
    "DeapInstructions",
    "MalmquistBootstrapResult",
    "MalmquistResult",
    "bootstrap_dea",
    "bootstrap_malmquist",
    "dea",
    "format_deap",
    "geometric_mean",
    "malmquist",
    "read_deap_data",
    "read_deap_instructions",
    "run_deap",
    "scale_label",
    "silverman_reflected_bandwidth",
    "write_deap_output",
]
