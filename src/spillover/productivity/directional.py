"""Directional distance function (Chambers, Chung and Färe 1996) with weakly disposable undesirable outputs.

For unit o with inputs x_o, desirable outputs y_o, undesirable outputs b_o and a direction
d = (d_x, d_y, d_b) (default ``(-x_o, y_o, -b_o)``), the distance is the largest step along d that stays in
the technology::

    beta* = max beta  s.t.  X lam <= x_o + beta d_x,   Y lam >= y_o + beta d_y,   B lam = b_o + beta d_b

Undesirable outputs are *weakly disposable* (Färe, Grosskopf, Lovell and Pasurka 1989): they can be reduced
only together with the desirable ones, hence the equality.  Under CRS this is the model of Chung, Färe and
Grosskopf (1997).  Under VRS (and NIRS/NDRS) the intensity vector is split as lam = z + mu (Kuosmanen 2005):
``X (z + mu) <= x_o + beta d_x``, ``Y z >= ...``, ``B z = ...``, ``sum(z + mu) = 1``, which lets every unit
scale its abatement by its own factor instead of imposing one uniform factor (the usual VRS formulation, which
Kuosmanen shows misrepresents the weakly disposable technology).  Without undesirable outputs both reduce to
the standard directional model.

beta* = 0 on the frontier; against another period's frontier it may be negative (the unit lies outside it)
or the LP infeasible (NaN with a warning).  ``efficiency`` reports ``1 / (1 + beta*)``: with the direction
``(0, y_o)`` and no undesirable outputs it is the Farrell output-oriented technical efficiency (the radial
model with weak disposability of the undesirable outputs is ``direction="desirable"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import DEAError, format_items
from spillover.options import DirectionPreset, check_option
from spillover.productivity import _common as C
from spillover.productivity._lp import INF, OPTIMAL, STATUS_NAMES, UNDEFINED, ReusableLP
from spillover.productivity._validate import normaliser
from spillover.productivity.dea import RTS, UnitScores
from spillover.summary import Summary

__all__ = ["directional", "DirectionalResult", "DirectionPreset", "ddf_arrays", "preset_direction"]

PRESET_SIGNS = {  # signs applied to (x, y, b) of the evaluated unit
    "proportional": (-1.0, 1.0, -1.0),  # (-x, y, -b)
    "outputs": (0.0, 1.0, -1.0),  # (0, y, -b): Chung, Färe and Grosskopf (1997)
    "desirable": (0.0, 1.0, 0.0),  # (0, y, 0): radial expansion of the desirable outputs, bads held
    "inputs": (-1.0, 0.0, 0.0),  # (-x, 0, 0): radial input contraction
}


@dataclass(frozen=True)
class DirectionalResult(UnitScores):
    """Result of :func:`directional` (read-only).

    Attributes
    ----------
    beta
        The directional distance beta* (0 on the frontier); NaN where the LP had no optimal solution.
    efficiency
        ``1 / (1 + beta*)``.
    direction
        The direction used for each unit (units x variables, signed).
    """

    beta: pd.Series
    efficiency: pd.Series
    inputs: pd.DataFrame
    outputs: pd.DataFrame
    undesirable: tuple
    direction: pd.DataFrame
    peer_table: pd.DataFrame
    status: pd.Series
    rts: str

    @property
    def targets(self) -> pd.DataFrame:
        """The projected point (x_o, y_o, b_o) + beta* d."""
        data = pd.concat([self.inputs, self.outputs], axis=1)
        return data + self.direction.mul(self.beta, axis=0)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: beta, efficiency, targets, peers and LP status."""
        frame = pd.concat(
            [self.beta.to_frame(), self.efficiency.to_frame(), self.targets.add_prefix("target_")], axis=1
        )
        g = self.peer_table.groupby("unit", sort=False)["peer"].agg(lambda p: " ".join(str(v) for v in p))
        frame["peers"] = g.reindex(self.names).fillna("")
        frame["status"] = self.status
        return frame

    def summary(self) -> Summary:
        """Units, mean/min/max efficiency, efficient units, NaN scores, mean beta, in ``header``."""
        out = C.describe(self.efficiency).to_dict() | {"mean beta": self.beta.mean(), "rts": self.rts}
        return Summary("Directional distance function efficiency", header=out)

    def __repr__(self) -> str:
        return (
            f"DirectionalResult(rts={self.rts!r}, units={len(self.names)}, mean beta="
            f"{self.beta.mean():.4f}, infeasible={self.n_infeasible})"
        )


def directional(
    inputs: Any,
    outputs: Any,
    *,
    direction: DirectionPreset | pd.Series | pd.DataFrame | Sequence[float] | None = None,
    undesirable: Sequence[Any] | None = None,
    rts: RTS,
    names: Sequence[Any] | None = None,
) -> DirectionalResult:
    """Directional distance function with weakly disposable undesirable outputs.

    Parameters
    ----------
    inputs, outputs
        Tables (units x variables) as in :func:`spillover.productivity.dea`.
    direction
        ``None`` or ``"proportional"``: (-x_o, y_o, -b_o) for each unit; ``"outputs"``: (0, y_o, -b_o)
        (Chung et al. 1997); ``"desirable"``: (0, y_o, 0); ``"inputs"``: (-x_o, 0, 0); or a fixed signed
        direction for every unit (a Series keyed by input and output column, or a sequence in the order
        inputs then outputs), or a DataFrame (units x variables) with one direction per unit.
    undesirable
        Output columns that are undesirable (weakly disposable).
    rts
        ``"crs"``, ``"vrs"``, ``"nirs"`` or ``"ndrs"``.

    Returns
    -------
    DirectionalResult

    Examples
    --------
    One input, one output, CRS, direction (0, y): beta = 1/te - 1.

    >>> import pandas as pd
    >>> x = pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"])
    >>> y = pd.DataFrame({"y": [1.0, 1.0]}, index=["a", "b"])
    >>> directional(x, y, direction="desirable", rts="crs").beta.tolist()
    [0.0, 1.0]
    """
    check_option(rts, RTS, "rts", error=DEAError)
    X, Y = C.frames(inputs, outputs, names)
    G, B = C.split_outputs(Y, undesirable)
    D = _direction(direction, X, G, B)
    x, g, b = (f.to_numpy().T for f in (X, G, B))
    sx, sg = normaliser(x), normaliser(g)
    sb = normaliser(b) if b.shape[0] else np.zeros(0)
    scale = np.concatenate([sx, sg, sb])
    Dn = (D[list(X.columns) + list(G.columns) + list(B.columns)].to_numpy() / scale).T
    m, s1 = len(sx), len(sg)
    xn, gn = x / sx[:, None], g / sg[:, None]
    bn = b / sb[:, None] if b.shape[0] else b
    res = ddf_arrays(xn, gn, bn, xn, gn, bn, Dn[:m], Dn[m : m + s1], Dn[m + s1 :], rts=rts)
    status = pd.Series([STATUS_NAMES[int(s)] for s in res["status"]], index=X.index, name="status")
    bad = [f"unit {C.py(u)!r} ({s})" for u, s in status.items() if s != "optimal"]
    C.warn_nan("directional distance", bad)
    # each unit is in its own technology, so beta* >= 0: clip the solver's last-digit noise below 0
    beta = pd.Series(np.maximum(res["beta"], 0.0), index=X.index, name="beta")
    return DirectionalResult(
        beta=beta,
        efficiency=(1.0 / (1.0 + beta)).rename("efficiency"),
        inputs=X,
        outputs=Y,
        undesirable=tuple(B.columns),
        direction=D[list(X.columns) + list(Y.columns)],
        peer_table=C.peer_table(X.index, X.index, res["lam"]),
        status=status,
        rts=rts,
    )


def preset_direction(name: str, X: pd.DataFrame, G: pd.DataFrame, B: pd.DataFrame) -> pd.DataFrame:
    """A preset direction (signed, units x variables) built from each unit's own data."""
    sx, sy, sb = PRESET_SIGNS[name]
    return pd.concat([X * sx, G * sy, B * sb], axis=1)


def _direction(direction: Any, X: pd.DataFrame, G: pd.DataFrame, B: pd.DataFrame) -> pd.DataFrame:
    cols = list(X.columns) + list(G.columns) + list(B.columns)
    if direction is None or isinstance(direction, str):
        name = "proportional" if direction is None else direction
        check_option(name, DirectionPreset, "direction", error=DEAError)
        D = preset_direction(name, X, G, B)
    elif isinstance(direction, pd.DataFrame):
        missing = [c for c in cols if c not in direction.columns]
        if missing:
            raise DEAError(
                f"the direction has no column(s) {format_items(missing)}; give one per input and output."
            )
        D = direction.reindex(X.index)[cols].astype(float)
        if D.isna().any().any():
            raise DEAError(
                f"the direction has no (or missing) values for unit(s) "
                f"{format_items(D.index[D.isna().any(axis=1)])}."
            )
    else:
        vec = (
            direction.reindex(cols)
            if isinstance(direction, pd.Series)
            else pd.Series(np.asarray(direction, float), index=cols if len(direction) == len(cols) else None)
        )
        if len(vec) != len(cols) or vec.isna().any():
            raise DEAError(
                f"the direction needs one value per input and output ({format_items(cols)}); got "
                f"{list(direction) if not isinstance(direction, pd.Series) else dict(direction)}."
            )
        D = pd.DataFrame(np.tile(vec.to_numpy(float), (len(X), 1)), index=X.index, columns=cols)
    zero = D.index[(D.to_numpy() == 0).all(axis=1)]
    if len(zero):
        raise DEAError(
            f"the direction is zero for unit(s) {format_items(zero)}: the distance is unbounded; "
            "give a non-zero direction."
        )
    return D


def ddf_arrays(
    Xr: np.ndarray,
    Gr: np.ndarray,
    Br: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    Dx: np.ndarray,
    Dg: np.ndarray,
    Db: np.ndarray,
    *,
    rts: str,
    exclude_self: bool = False,
) -> dict[str, np.ndarray]:
    """beta* of the columns of X, G, B (directions Dx, Dg, Db, same shapes) against a reference set.

    Arrays are variables x units.  ``exclude_self``: unit o is not in its own reference set (super-efficiency;
    the evaluated units must then be the reference units).
    """
    (m, n), s1, s2 = Xr.shape, Gr.shape[0], Br.shape[0]
    bounds = C.rts_row_bounds(rts)
    split = s2 > 0 and bounds is not None  # Kuosmanen's (2005) z + mu split
    n_lam = 2 * n if split else n
    n_rows = m + s1 + s2 + (bounds is not None)
    A = np.zeros((n_rows, 1 + n_lam))
    z, mu = np.arange(1, 1 + n), np.arange(1 + n, 1 + n_lam)
    A[:m, z], A[m : m + s1, z], A[m + s1 : m + s1 + s2, z] = Xr, -Gr, Br
    if split:
        A[:m, mu] = Xr
    lo, hi = np.full(n_rows, -INF), np.zeros(n_rows)
    if bounds is not None:
        A[-1, 1:] = 1.0
        lo[-1], hi[-1] = (1.0, 1.0) if rts == "vrs" else ((0.0, 1.0) if rts == "nirs" else (1.0, INF))
    data_rows = np.arange(m + s1 + s2)
    col_lo = np.concatenate([[-INF], np.zeros(n_lam)])
    cost = np.zeros(1 + n_lam)
    cost[0] = -1.0
    lp = ReusableLP(
        A, lo, hi, col_lo, np.full(1 + n_lam, INF), cost, (data_rows, np.zeros(len(data_rows), int))
    )
    k = X.shape[1]
    out = {"status": np.zeros(k, np.int8), "beta": np.full(k, np.nan), "lam": np.zeros((k, n))}
    is_bad = np.arange(m + s1 + s2) >= m + s1  # equality rows (weak disposability)
    for o in range(k):
        lp.set_coefficients(
            data_rows, np.zeros(len(data_rows), int), np.concatenate([-Dx[:, o], Dg[:, o], -Db[:, o]])
        )
        rhs = np.concatenate([X[:, o], -G[:, o], B[:, o]])
        lp.set_row_bounds(data_rows, np.where(is_bad, rhs, -INF), rhs)
        if exclude_self:
            keep = np.where(np.arange(n) == o, 0.0, INF)
            lp.set_col_bounds(np.arange(1, 1 + n_lam), 0.0, np.tile(keep, n_lam // n))
        sol = lp.solve()
        out["status"][o] = sol.status
        if sol.status == OPTIMAL and 1.0 + sol.x[0] <= UNDEFINED_TOL:
            out["status"][o] = UNDEFINED  # te = 1 / (1 + beta) would be inf (or negative): no score
        elif sol.status == OPTIMAL:
            out["beta"][o] = sol.x[0] + 0.0  # no -0.0
            out["lam"][o] = sol.x[z] + (sol.x[mu] if split else 0.0)
    return out


# beta* <= -1 happens against another period's frontier when no reference combination makes any of the unit's
# desirable output: e.g. a zero undesirable output, whose equality row (weak disposability) admits only peers
# that emit nothing.  1 / (1 + beta) is then inf or negative, and an index built on it inf or 0 (#19).
UNDEFINED_TOL = 1e-9
