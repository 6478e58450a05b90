"""Non-spatial panel econometrics on a :class:`~spillover.SpatialPanel`.

* :func:`fixed_effects` - two-way (or one-way) fixed effects with cluster-robust errors (pyfixest).
* :func:`fe_iv` - 2SLS with fixed effects absorbed; first stages, Kleibergen-Paap, Anderson-Rubin, Hansen J,
  Olea-Pflueger effective F and Stock-Yogo critical values.
* :func:`mediation`, :func:`moderated_mediation` - Baron-Kenny steps, Sobel/Aroian, cluster bootstrap.
* :func:`heterogeneity` - the model per subsample with Chow, suest-style and permutation tests.
* :func:`threshold` - Hansen's (1999) fixed-effects panel threshold regression (Stata ``xthreg``): one to
  three thresholds, bootstrap F tests, LR confidence intervals.
* :func:`lag` - time lags of variables (the first period becomes missing and is dropped by the models).

Every result is immutable, prints a summary, exports ``to_frame()`` and plugs into
:func:`spillover.tables.compare` through the table protocol (:class:`spillover.tables.TableResult`).
"""

from __future__ import annotations

from spillover.panel_models._data import DroppedRows, lag
from spillover.panel_models._results import PanelResults
from spillover.panel_models.fe import fixed_effects
from spillover.panel_models.heterogeneity import HeterogeneityResults, heterogeneity
from spillover.panel_models.iv import FirstStage, IVResults, fe_iv, stock_yogo
from spillover.panel_models.mediation import (
    MediationResults,
    ModeratedMediationResults,
    mediation,
    moderated_mediation,
)
from spillover.panel_models.threshold import ThresholdResults, threshold

__all__ = [
    "fixed_effects",
    "fe_iv",
    "mediation",
    "moderated_mediation",
    "heterogeneity",
    "threshold",
    "lag",
    "stock_yogo",
    "PanelResults",
    "IVResults",
    "FirstStage",
    "MediationResults",
    "ModeratedMediationResults",
    "HeterogeneityResults",
    "ThresholdResults",
    "DroppedRows",
]
