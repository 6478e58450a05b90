"""Causal designs with spillovers (analysis layer).

* :func:`spatial_did` - difference-in-differences with spillover exposure (weights or distance rings),
  against clean controls, beside the naive TWFE;
* :func:`sdm_did` - the SDM-DiD: a treatment dummy in the two-way FE spatial Durbin model, its direct,
  indirect and total effects read as own, spillover and total treatment effects;
* :func:`event_study` - staggered-adoption event studies (Sun-Abraham, did2s, TWFE; pyfixest;
  Callaway-Sant'Anna with the optional diff-diff), with a joint pre-trend test;
* :func:`placebo` - random reassignment of treatment and the permutation p-value.

The figures are :func:`spillover.maps.event_study_plot` and :func:`spillover.maps.placebo_plot`.
"""

from __future__ import annotations

from spillover.causal._did import SdmDiDResult, SpatialDiDResult, sdm_did, spatial_did
from spillover.causal._event import EventStudyResult, event_study
from spillover.causal._placebo import PlaceboResult, placebo

__all__ = [
    "spatial_did",
    "SpatialDiDResult",
    "sdm_did",
    "SdmDiDResult",
    "event_study",
    "EventStudyResult",
    "placebo",
    "PlaceboResult",
]
