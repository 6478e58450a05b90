"""Andersen and Petersen (1993) super-efficiency for radial DEA (``dea(..., super=True)``).

An efficient unit o is scored against the technology of all the *other* units::

    input:   min theta  s.t.  sum_{j != o} lam_j x_j <= theta x_o,  sum_{j != o} lam_j y_j >= y_o
    output:  max phi    s.t.  sum_{j != o} lam_j x_j <= x_o,        sum_{j != o} lam_j y_j >= phi y_o

(plus the returns-to-scale row), reported as theta or 1/phi, both >= 1 for efficient units.  Inefficient units
keep their ordinary score: removing a unit with score < 1 from its own reference set leaves its optimum
unchanged (its own lambda is zero at some optimum), so only efficient units need the extra LP.  Under VRS
(and NIRS/NDRS) the LP may be infeasible (Seiford and Zhu 1999): the score is then NaN with a warning
naming the units, never 0 and never a made-up large number.
"""

from __future__ import annotations

import numpy as np

from spillover.productivity import _common as C
from spillover.productivity._lp import INF, OPTIMAL, ReusableLP

__all__ = ["super_radial"]


def super_radial(
    X: np.ndarray,
    Y: np.ndarray,
    units: np.ndarray,
    *,
    rts: str,
    orientation: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(status, te) of ``units`` (indices) scored against all other units; arrays are variables x units."""
    (m, n), s = X.shape, Y.shape[0]
    bounds = C.rts_row_bounds(rts)
    n_rows = m + s + (bounds is not None)
    A = np.zeros((n_rows, 1 + n))
    A[:m, 1:], A[m : m + s, 1:] = X, -Y
    lo, hi = np.full(n_rows, -INF), np.zeros(n_rows)
    if bounds is not None:
        A[-1, 1:] = 1.0
        lo[-1], hi[-1] = {"vrs": (1.0, 1.0), "nirs": (0.0, 1.0), "ndrs": (1.0, INF)}[rts]
    data_rows = np.arange(m + s)
    cost = np.zeros(1 + n)
    cost[0] = 1.0 if orientation == "input" else -1.0
    lp = ReusableLP(A, lo, hi, np.zeros(1 + n), np.full(1 + n, INF), cost, (data_rows, np.zeros(m + s, int)))
    status, te = np.zeros(len(units), np.int8), np.full(len(units), np.nan)
    for k, o in enumerate(units):
        x, y = X[:, o], Y[:, o]
        if orientation == "input":  # X lam - theta x_o <= 0,  -Y lam <= -y_o
            lp.set_coefficients(data_rows, np.zeros(m + s, int), np.concatenate([-x, np.zeros(s)]))
            lp.set_row_bounds(data_rows, -INF, np.concatenate([np.zeros(m), -y]))
        else:  # X lam <= x_o,  -Y lam + phi y_o <= 0
            lp.set_coefficients(data_rows, np.zeros(m + s, int), np.concatenate([np.zeros(m), y]))
            lp.set_row_bounds(data_rows, -INF, np.concatenate([x, np.zeros(s)]))
        lp.set_col_bounds(np.arange(1, 1 + n), 0.0, np.where(np.arange(n) == o, 0.0, INF))
        sol = lp.solve()
        status[k] = sol.status
        if sol.status == OPTIMAL and sol.x[0] > 0:
            te[k] = sol.x[0] if orientation == "input" else 1.0 / sol.x[0]
        elif sol.status == OPTIMAL:  # phi = 0: no other unit produces any of o's outputs from x_o
            status[k] = 1
    # an efficient unit's super-efficiency is >= 1 mathematically (its reference set only shrinks); clip the
    # solver's last-digit noise so that the property holds exactly
    return status, np.where(np.isfinite(te), np.maximum(te, 1.0), te)
