"""The LP layer of the productivity models: one interface over the radial DEA solvers, and a small
re-targetable HiGHS LP for the models whose LPs have another shape.

Radial DEA: :class:`RadialSolver`
---------------------------------
Both radial solvers, the batched simplex (:class:`~spillover.productivity._simplex.BatchedSimplex`) and
HiGHS (:class:`~spillover.productivity._highs.HighsEnvelopment`), implement :class:`RadialSolver`: solve
the radial LPs of some units against one reference set and return a :class:`RadialSolution` (status, score,
slacks and lambdas per unit).  A solver may leave units to the next one (status :data:`UNSOLVED`): the
batched simplex accepts only answers it can certify and passes on the rest.  :func:`solve_chain` runs a list
of solvers, each on what the previous ones left; the engine (``_engine.py``) chooses the list (the simplex
first, HiGHS for the rest).

Other LPs: :class:`ReusableLP`
------------------------------
The slacks-based, directional, super-efficiency and Malmquist-Luenberger LPs have no batched simplex path;
they stay on HiGHS directly through :class:`ReusableLP`.  The DEA envelopment LPs of one frontier differ
from unit to unit only in a few coefficients (the evaluated unit's data), the right-hand sides, some costs
and bounds.  :class:`ReusableLP` builds the model once from a dense constraint matrix and, for each unit,
changes only what differs from the previous unit; HiGHS keeps its basis between solves, so consecutive units
start warm.  Every answer is HiGHS's own optimal solution (no approximation); statuses other than optimal are
reported, never turned into numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import highspy
import numpy as np

from spillover.errors import DEAError

__all__ = [
    "ReusableLP",
    "LPSolution",
    "INF",
    "OPTIMAL",
    "INFEASIBLE",
    "UNBOUNDED",
    "FAILED",
    "UNDEFINED",
    "UNSOLVED",
    "STATUS_NAMES",
    "checked",
    "QuietHighs",
    "RadialSolution",
    "RadialSolver",
    "solve_chain",
    "LAMBDA_TOL",
    "SLACK_TOL",
    "ZERO_DUAL",
]

INF = highspy.kHighsInf
OPTIMAL, INFEASIBLE, UNBOUNDED, FAILED, UNDEFINED = 0, 1, 2, 3, 4
# UNDEFINED: the LP is optimal but its answer defines no score (a directional distance with 1 + beta <= 0)
UNSOLVED = 5  # a solver of a chain left the unit to the next one (never in a chain's answer)
STATUS_NAMES = {
    OPTIMAL: "optimal",
    INFEASIBLE: "infeasible",
    UNBOUNDED: "unbounded",
    FAILED: "failed",
    UNDEFINED: "undefined",
    UNSOLVED: "unsolved",
}
# On data normalised to mean 1 per variable (dea._normalise), shared by both radial solvers:
ZERO_DUAL = 1e-9  # an input/output row dual below this is zero: the unit may have slacks
SLACK_TOL = 1e-7  # slacks below this share of the unit's own value are 0
LAMBDA_TOL = 1e-12  # peers whose contribution is below this share of the unit's own values are left out


@dataclass
class RadialSolution:
    """Radial DEA answers of ``k`` units against one reference set.

    ``status`` (k, int8: OPTIMAL, INFEASIBLE, UNBOUNDED, FAILED, or UNSOLVED for a unit left to the next
    solver; its ``score`` may already be certified, the slacks not), ``score`` (k; NaN unless optimal).
    Unless the solve was ``scores_only``: ``s_in`` (k x m), ``s_out`` (k x s) and the non-zero lambdas as
    triplets ``lam_unit`` (0..k-1), ``lam_peer`` (reference column), ``lam_weight``, sorted by unit then
    peer.  ``conv_dual`` (k): the dual of the convexity row of a certified input-oriented radial LP (NaN
    where the solver did not report one or the model has no such row); :func:`~spillover.productivity.dea`'s
    scale step reads NIRS scores off its sign.
    """

    status: np.ndarray
    score: np.ndarray
    s_in: np.ndarray | None = None
    s_out: np.ndarray | None = None
    lam_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    lam_peer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    lam_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    conv_dual: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls, k: int, m: int, s: int, scores_only: bool) -> RadialSolution:
        """Every unit UNSOLVED, NaN everywhere."""
        if scores_only:
            return cls(np.full(k, UNSOLVED, np.int8), np.full(k, np.nan), conv_dual=np.full(k, np.nan))
        return cls(
            np.full(k, UNSOLVED, np.int8),
            np.full(k, np.nan),
            np.full((k, m), np.nan),
            np.full((k, s), np.nan),
            conv_dual=np.full(k, np.nan),
        )

    def set_lambdas(
        self, units: list[np.ndarray], peers: list[np.ndarray], weights: list[np.ndarray]
    ) -> None:
        """Lambdas from lists of triplet parts, sorted by unit then peer."""
        unit = np.concatenate(units).astype(np.int64) if units else np.zeros(0, np.int64)
        peer = np.concatenate(peers).astype(np.int64) if peers else np.zeros(0, np.int64)
        weight = np.concatenate(weights) if weights else np.zeros(0)
        sort = np.lexsort((peer, unit))
        self.lam_unit, self.lam_peer, self.lam_weight = unit[sort], peer[sort], weight[sort]

    def as_dict(self) -> dict[str, np.ndarray]:
        """The arrays by name (``status``, ``score``, ``conv_dual`` and, unless scores only, slacks and
        lambdas)."""
        out = {"status": self.status, "score": self.score, "conv_dual": self.conv_dual}
        if self.s_in is not None:
            s_in, s_out = self.slacks()
            out.update(
                s_in=s_in,
                s_out=s_out,
                lam_unit=self.lam_unit,
                lam_peer=self.lam_peer,
                lam_weight=self.lam_weight,
            )
        return out

    def slacks(self) -> tuple[np.ndarray, np.ndarray]:
        """``s_in`` and ``s_out`` (to fill in place); an error for a scores-only solution, which has none."""
        if self.s_in is None or self.s_out is None:
            raise TypeError("a scores-only RadialSolution has no slacks")
        return self.s_in, self.s_out


@runtime_checkable
class RadialSolver(Protocol):
    """A solver of radial DEA LPs (arrays are variables x units, data normalised, see ``_engine``).

    ``solve`` returns one answer per column of ``X``, ``Y`` against the reference units ``X_ref``,
    ``Y_ref``: ``rts`` ("crs", "vrs", "nirs", "ndrs"), ``orientation`` ("input", "output"), ``slacks``
    ("none", "two-stage", "multi-stage") with ``slack_weights`` (m + s, default 1), ``scores_only`` (no
    slacks, no lambdas).  ``known_score`` (k, NaN where unknown): radial scores an earlier solver already
    certified; a solver may then compute only the slack stages of those units.  Units it cannot answer get
    status UNSOLVED.
    """

    def solve(
        self,
        X_ref: np.ndarray,
        Y_ref: np.ndarray,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        rts: str,
        orientation: str,
        slacks: str = "none",
        slack_weights: np.ndarray | None = None,
        scores_only: bool = False,
        known_score: np.ndarray | None = None,
    ) -> RadialSolution: ...


def solve_chain(
    solvers: Sequence[RadialSolver],
    X_ref: np.ndarray,
    Y_ref: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    rts: str,
    orientation: str,
    slacks: str = "none",
    slack_weights: np.ndarray | None = None,
    scores_only: bool = False,
) -> RadialSolution:
    """Each solver on the units the previous ones left UNSOLVED (with the scores they certified).

    A unit that the last solver leaves unsolved is reported as FAILED (NaN), never as a number.
    """
    k, m, s = X.shape[1], X.shape[0], Y.shape[0]
    out = RadialSolution.empty(k, m, s, scores_only)
    known = np.full(k, np.nan)
    todo = np.arange(k)
    units: list[np.ndarray] = []
    peers: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for solver in solvers:
        if len(todo) == 0:
            break
        every = len(todo) == k  # the first solver sees the caller's arrays themselves
        part = solver.solve(
            X_ref,
            Y_ref,
            X if every else X[:, todo],
            Y if every else Y[:, todo],
            rts=rts,
            orientation=orientation,
            slacks=slacks,
            slack_weights=slack_weights,
            scores_only=scores_only,
            known_score=known if every else known[todo],
        )
        out.status[todo], out.score[todo] = part.status, part.score
        if len(part.conv_dual) == len(todo):
            out.conv_dual[todo] = part.conv_dual
        if not scores_only:
            s_in, s_out = out.slacks()
            s_in[todo], s_out[todo] = part.slacks()
            units.append(todo[part.lam_unit])
            peers.append(part.lam_peer)
            weights.append(part.lam_weight)
        left = part.status == UNSOLVED
        known[todo] = np.where(left, part.score, np.nan)
        todo = todo[left]
    out.status[todo], out.score[todo] = FAILED, np.nan
    if not scores_only:
        out.set_lambdas(units, peers, weights)
    return out


class QuietHighs(highspy.Highs):
    """A HiGHS model that never writes to stdout.

    highspy's ``Highs.__init__`` registers its callbacks (``enableCallbacks``) right after building the C++
    object, and that first registration prints HiGHS's banner while logging is still on; so logging is
    switched off here, before anything reaches HiGHS (setting ``output_flag`` after the constructor is too
    late for the banner).

    HiGHS also refuses matrix entries above ``large_matrix_value`` (1e15 by default): ``addCols`` then adds no
    column at all and only its return status says so, and the next solve of the empty model leaves no
    solution to read (#19: CRS DEA on data spanning 1e-6..1e9 raised an IndexError).  Rows scaled to a tiny
    unit legitimately hold such entries (a peer 1e15 times its size), so the limit is lifted; each answer is
    still certified (or reported as NaN), and :func:`checked` turns any refusal into an error."""

    def enableCallbacks(self) -> None:
        self.setOptionValue("output_flag", False)
        self.setOptionValue("log_to_console", False)
        self.setOptionValue("large_matrix_value", LARGE_MATRIX_VALUE)
        super().enableCallbacks()


LARGE_MATRIX_VALUE = 1e300  # finite data only (check_data): every entry of a scaled LP is below this


def checked(status: highspy.HighsStatus, what: str) -> None:
    """Raise if HiGHS refused to build part of a model (it would otherwise solve an incomplete LP)."""
    if status == highspy.HighsStatus.kError:
        raise DEAError(f"HiGHS refused to {what} (internal error, please report it with the data's range).")


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
        self,
        A: np.ndarray,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
        cost: np.ndarray,
        mutable: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        A = np.asarray(A, float)
        self.n_rows, self.n_cols = A.shape
        pattern = A != 0
        if mutable is not None:
            pattern[mutable[0], mutable[1]] = True
        self.h = QuietHighs()  # no banner on stdout
        self.h.setOptionValue("presolve", "off")  # tiny LPs re-solved from a warm basis
        checked(
            self.h.addRows(
                self.n_rows,
                np.asarray(row_lo, float),
                np.asarray(row_hi, float),
                0,
                np.zeros(0, np.int32),
                np.zeros(0, np.int32),
                np.zeros(0),
            ),
            "build an LP's rows",
        )
        starts = np.concatenate([[0], np.cumsum(pattern.sum(axis=0))[:-1]]).astype(np.int32)
        _, cols = np.nonzero(pattern.T)  # column-major order: (column, row)
        checked(
            self.h.addCols(
                self.n_cols,
                np.asarray(cost, float),
                np.asarray(col_lo, float),
                np.asarray(col_hi, float),
                int(pattern.sum()),
                starts,
                cols.astype(np.int32),
                A.T[pattern.T].astype(float),
            ),
            "build an LP's columns",
        )
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
    def _set_bounds(
        kept: tuple[np.ndarray, np.ndarray], change: Callable[..., Any], idx: np.ndarray, lo: Any, hi: Any
    ) -> None:
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
        status = {
            highspy.HighsModelStatus.kInfeasible: INFEASIBLE,
            highspy.HighsModelStatus.kUnbounded: UNBOUNDED,
            highspy.HighsModelStatus.kUnboundedOrInfeasible: INFEASIBLE,
        }.get(st, FAILED)
        return LPSolution(status, np.full(self.n_cols, np.nan), np.nan)
