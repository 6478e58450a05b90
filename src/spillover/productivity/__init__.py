"""Productivity: DEA (CCR/BCC), the Malmquist TFP index with DEAP 2.1's conventions, bootstraps, DEAP files,
slacks-based and directional models with undesirable outputs, the (global) Malmquist-Luenberger index and
window analysis.

* :func:`dea` -> :class:`DEAResult` (``dea.py``; the LP engine with one reusable HiGHS model per frontier is in
  ``_highs.py``, reference-set reduction and the serial / process / Dask backends in ``_engine.py``);
* :func:`malmquist` -> :class:`MalmquistResult` (``malmquist.py``), whose per-unit-period frame merges into a
  :class:`~spillover.panel.SpatialPanel`;
* :func:`sbm` (``sbm.py``), :func:`directional` (``directional.py``), :func:`malmquist_luenberger`
  (``luenberger.py``) and :func:`window_dea` (``window.py``), whose LPs share ``_lp.py`` and ``_common.py``;
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
from spillover.productivity.directional import DirectionalResult, directional
from spillover.productivity.luenberger import MalmquistLuenbergerResult, malmquist_luenberger
from spillover.productivity.malmquist import MalmquistResult, geometric_mean, malmquist
from spillover.productivity.sbm import SBMResult, sbm
from spillover.productivity.window import WindowResult, window_dea

__all__ = [
    "BootstrapResult",
    "DEAResult",
    "DeapInstructions",
    "DirectionalResult",
    "MalmquistBootstrapResult",
    "MalmquistLuenbergerResult",
    "MalmquistResult",
    "SBMResult",
    "WindowResult",
    "bootstrap_dea",
    "bootstrap_malmquist",
    "dea",
    "directional",
    "format_deap",
    "geometric_mean",
    "malmquist",
    "malmquist_luenberger",
    "read_deap_data",
    "read_deap_instructions",
    "run_deap",
    "sbm",
    "scale_label",
    "silverman_reflected_bandwidth",
    "window_dea",
    "write_deap_output",
]
