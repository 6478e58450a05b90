"""Spatial panel models: estimation (SAR/SEM/SDM/SLX/SDEM with fixed effects), impacts, and tests.

* :class:`SpatialPanelModel` / :class:`SpatialCrossSectionModel` -> :class:`SpatialPanelResults`
  (``model.py``, ``_likelihood.py``, ``results.py``) with fixed (unit, time, two-way) or random
  (``_random_effects.py``) effects, impacts (``impacts.py``);
* specification tests: :func:`lm_tests`, :func:`lr_fixed_effects`, :func:`hausman` (``lmtests.py``),
  :func:`wald_test` and :func:`lr_test` between fitted models (``wald.py``), each returning a
  :class:`TestResult`.
"""

from spillover.spatial._dynamic import DynamicPanelResults
from spillover.spatial._spreg import from_spreg
from spillover.spatial.impacts import effects_matrix, impacts
from spillover.spatial.lmtests import LMTests, LRFixedEffects, hausman, lm_tests, lr_fixed_effects
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel
from spillover.spatial.model_choice import ModelProbabilities, model_probabilities
from spillover.spatial.results import SpatialPanelResults
from spillover.spatial.specification import SpecificationResult, specification
from spillover.spatial.testresult import TestResult
from spillover.spatial.wald import lr_test, wald_test

__all__ = [
    "DynamicPanelResults",
    "LMTests",
    "LRFixedEffects",
    "ModelProbabilities",
    "SpatialCrossSectionModel",
    "SpatialPanelModel",
    "SpatialPanelResults",
    "SpecificationResult",
    "TestResult",
    "effects_matrix",
    "from_spreg",
    "hausman",
    "impacts",
    "lm_tests",
    "lr_fixed_effects",
    "lr_test",
    "model_probabilities",
    "specification",
    "wald_test",
]
