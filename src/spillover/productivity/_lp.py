"""A small re-targetable HiGHS LP shared by the slacks-based, directional and Malmquist-Luenberger models.

The DEA envelopment LPs of one frontier differ from unit to unit only in a few coefficients (the evaluated
unit's data), the right-hand sides, some costs and bounds.  :class:`ReusableLP` builds the model once from a
dense constraint matrix and, for each unit, changes only what differs from the previous unit; HiGHS keeps its
basis between solves, so consecutive units start warm.  Every answer is HiGHS's own optimal solution (no
approximation); statuses other than optimal are reported, never turned into numbers.

The radial DEA engine (``_highs.py``) is specialised and batched; this module is the general-purpose sibling
for models whose LPs do not have its fixed shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from spillover.productivity._highs import QuietHighs, checked

__all__ = ["ReusableLP", "LPSolution", "INF", "OPTIMAL", "INFEASIBLE", "UNBOUNDED", "FAILED", "UNDEFINED",
           "STATUS_NAMES", "checked"]

INF = highspy.kHighsInf
OPTIMAL, INFEASIBLE, UNBOUNDED, FAILED, UNDEFINED = 0, 1, 2, 3, 4
# UNDEFINED: the LP is optimal but its answer defines no score (a directional distance with 1 + beta <= 0)
STATUS_NAMES = {OPTIMAL: "optimal", INFEASIBLE: "infeasible", UNBOUNDED: "unbounded", FAILED: "failed",
                UNDEFINED: "undefined"}


def _full(v: Any, shape: tuple) -> np.ndarray:
    """Bounds as a float array of ``shape`` (scalars broadcast)."""
    if isinstance(v, np.ndarray) and v.shape == shape and v.dtype == float:
        return v
    return np.broadcast_to(np.asarray(v, float), shape)


@dataclass(frozen=True)
class LPSolution:
    """Status code, primal values (NaN unless optimal) and objective value of one solve."""

    status: int
    x: np.ndarray
    objective: float


class ReusableLP:
    """``min cost'z  s.t.  row_lo <= A z <= row_hi,  col_lo <= z <= col_hi`` with cheap re-targeting.

    Parameters
    ----------
    A
        Dense constraint matrix (rows x columns).  Entries that later calls change must be listed in
        ``mutable`` (rows, columns) so that they exist in HiGHS's sparsity pattern even when zero.
    """

    def __init__(
        self, A: np.ndarray, row_lo: np.ndarray, row_hi: np.ndarray, col_lo: np.ndarray,
        col_hi: np.ndarray, cost: np.ndarray, mutable: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        A = np.asarray(A, float)
        self.n_rows, self.n_cols = A.shape
        pattern = A != 0
        if mutable is not None:
            pattern[mutable[0], mutable[1]] = True
        self.h = QuietHighs()  # no banner on stdout
        self.h.setOptionValue("presolve", "off")  # tiny LPs re-solved from a warm basis
        checked(self.h.addRows(self.n_rows, np.asarray(row_lo, float), np.asarray(row_hi, float), 0,
                               np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)), "build an LP's rows")
        starts = np.concatenate([[0], np.cumsum(pattern.sum(axis=0))[:-1]]).astype(np.int32)
        rows, cols = np.nonzero(pattern.T)  # column-major order: (column, row)
        checked(self.h.addCols(self.n_cols, np.asarray(cost, float), np.asarray(col_lo, float),
                               np.asarray(col_hi, float), int(pattern.sum()), starts, cols.astype(np.int32),
                               A.T[pattern.T].astype(float)), "build an LP's columns")
        self._A = A.copy()
        self._cost = np.asarray(cost, float).copy()
        self._row = (np.asarray(row_lo, float).copy(), np.asarray(row_hi, float).copy())
        self._col = (np.asarray(col_lo, float).copy(), np.asarray(col_hi, float).copy())

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Change matrix entries (only those that differ from the current model are sent to HiGHS)."""
        values = np.asarray(values, float)
        for r, c, v in zip(rows, cols, values):
            if self._A[r, c] != v:
                checked(self.h.changeCoeff(int(r), int(c), float(v)), "set an LP coefficient")
                self._A[r, c] = v

    def set_cost(self, cols: np.ndarray, values: np.ndarray) -> None:
        cols, values = np.asarray(cols, np.int32), np.asarray(values, float)
        diff = self._cost[cols] != values
        if diff.any():
            self.h.changeColsCost(int(diff.sum()), cols[diff], values[diff])
            self._cost[cols[diff]] = values[diff]

    def set_row_bounds(self, rows: np.ndarray, lo: Any, hi: Any) -> None:
        # changeRowsBounds exists in highspy's compiled module but is missing from its stub (_core/__init__.pyi)
        self._set_bounds(self._row, self.h.changeRowsBounds, rows, lo, hi)  # type: ignore[attr-defined]

    def set_col_bounds(self, cols: np.ndarray, lo: Any, hi: Any) -> None:
        self._set_bounds(self._col, self.h.changeColsBounds, cols, lo, hi)

    @staticmethod
    def _set_bounds(kept: tuple[np.ndarray, np.ndarray], change: Callable[..., Any], idx: np.ndarray, lo: Any,
                    hi: Any) -> None:
        """Send HiGHS only the bounds that differ from the ``kept`` copy, and update the copy."""
        idx = np.asarray(idx, np.int32)
        lo, hi = _full(lo, idx.shape), _full(hi, idx.shape)
        diff = (kept[0][idx] != lo) | (kept[1][idx] != hi)
        if diff.any():
            change(int(diff.sum()), idx[diff], lo[diff].copy(), hi[diff].copy())
            kept[0][idx[diff]], kept[1][idx[diff]] = lo[diff], hi[diff]

    def solve(self) -> LPSolution:
        """Run HiGHS; an unfinished or non-optimal run gives NaN values and its status."""
        self.h.run()
        st = self.h.getModelStatus()
        if st == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(self.h.getSolution().col_value, float)
            return LPSolution(OPTIMAL, x, float(self.h.getInfo().objective_function_value))
        self.h.clearSolver()  # a basis from an infeasible/unbounded run is a poor start for the next unit
        status = {highspy.HighsModelStatus.kInfeasible: INFEASIBLE,
                  highspy.HighsModelStatus.kUnbounded: UNBOUNDED,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible: INFEASIBLE}.get(st, FAILED)
        return LPSolution(status, np.full(self.n_cols, np.nan), np.nan)
