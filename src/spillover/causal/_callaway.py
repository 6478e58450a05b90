"""Callaway and Sant'Anna (2021) group-time ATTs aggregated by event time, with diff-diff as the engine.

diff-diff (``pip install spillover[causal]``; MIT, numpy/pandas/scipy only, Python >= 3.9) estimates the
ATT(g, t) by its influence functions and aggregates them by event time (``aggte(type="dynamic")`` of R
``did``); it reproduces the ``mpdta`` example of the ``did`` vignette (tests/causal/test_causal_callaway.py).
We chose it over ``csdid`` (needs twine and plotnine at run time) and ``moderndid`` (>= 0.3 needs Python
3.12).  The wrapper only converts the panel and reads the results back: we never re-derive the estimator.

The base period is *universal* (``g - 1`` for every cohort), so event time -1 is the reference at zero and
the leads are comparable with Sun-Abraham's; R ``did``'s default ("varying", short differences) reports
an estimate at -1 instead.  The event times kept are those in the window (no binning at its ends, as
``aggte(min_e=, max_e=)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from spillover.causal._common import check_columns
from spillover.errors import ModelError
from spillover.panel import SpatialPanel

__all__ = ["CS_MISSING", "callaway_santanna"]

CS_MISSING = (
    "method='callaway_santanna' needs the diff-diff package, which is not installed: "
    "pip install spillover[causal] (or pip install diff-diff)"
)

CONTROLS = {"never": "never_treated", "notyet": "not_yet_treated"}


def callaway_santanna(
    panel: SpatialPanel,
    y: str,
    g: pd.Series,
    *,
    window: tuple[int, int],
    control: str,
    controls: Sequence[str],
    cluster: str | None,
) -> tuple[pd.Series, pd.DataFrame, int, int]:
    """Event-time ATTs (index: event times in the window, -1 excluded), their covariance, the
    observations and the clusters (regions, or the cluster column's groups)."""
    try:
        from diff_diff import CallawaySantAnna  # the maintained CS implementation (see module docstring)
    except ImportError:
        raise ModelError(CS_MISSING) from None
    if cluster in (None, "none", "time"):
        raise ModelError(
            f"method='callaway_santanna' clusters by region (cluster='unit') or by a column constant within "
            f"regions; got cluster={cluster!r}."
        )
    data = panel.data
    ids = data.index.get_level_values(0)
    frame = pd.DataFrame(
        {
            "y": data[y].to_numpy(dtype=float),
            "unit": pd.Index(panel.ids).get_indexer(ids),
            "time": data.index.get_level_values(1).to_numpy(),
            "first_treat": g.reindex(ids).fillna(0).to_numpy(dtype=float),  # 0: never treated
        }
    )
    covariates = [f"x{i}" for i in range(len(controls))]
    for name, c in zip(covariates, controls, strict=True):
        frame[name] = data[c].to_numpy(dtype=float)
    cl: str | None = None
    if cluster != "unit":
        check_columns(panel, [str(cluster)], "cluster column")
        frame["cl"] = pd.factorize(data[cluster])[0]
        cl = "cl"
    missing = frame.isna().any(axis=1)
    if missing.any():
        raise ModelError(
            f"method='callaway_santanna' needs a balanced panel without missing values; {int(missing.sum())} "
            f"rows of {y!r} or the controls are missing (drop those regions or fill them)."
        )
    lo, hi = window
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = CallawaySantAnna(control_group=CONTROLS[control], base_period="universal", cluster=cl).fit(
            frame,
            outcome="y",
            unit="unit",
            time="time",
            first_treat="first_treat",
            covariates=covariates or None,
        )
        es = fit.aggregate("event_study")
    index = [int(e) for e in es.vcov_index]
    cov = pd.DataFrame(np.asarray(es.vcov, dtype=float), index=index, columns=index)
    att = pd.Series(np.asarray(es.att, dtype=float), index=[int(e) for e in es.event_time])
    keep = [e for e in index if lo <= e <= hi and e != -1]
    if not any(e >= 0 for e in keep):
        raise ModelError(f"no event time in the window {window} has a Callaway-Sant'Anna estimate.")
    n_cl = int(fit.n_clusters) if cl is not None and fit.n_clusters else len(panel.ids)
    return att[keep], cov.loc[keep, keep], int(fit.n_obs), n_cl
