"""Input-oriented radial DEA LPs, and their slack stages, solved many at a time by a vectorised primal
simplex (numpy only; :class:`BatchedSimplex` is its :class:`~spillover.productivity._lp.RadialSolver`).

Why: every unit's LP is tiny (m + s + 1 rows) and differs from the others only in its score column and
right-hand side, so HiGHS's fixed cost per ``run()`` (~100 us, plus ~35 us per iteration) dominates.  Here
K units are iterated together: per iteration a few batched (K x R x R) products and one (K x R) x (R x C)
pricing product; the basis inverses are kept by eta updates and recomputed every REINVERT iterations.

Exactness: a unit's answer is accepted only with an optimality certificate recomputed from its final basis
B: the basic solution ``x_B = B^-1 b`` is primal feasible (>= -PRIMAL_TOL, residual tiny) and every reduced
cost ``c_j - pi' a_j`` with ``pi = B^-T c_B`` is >= -DUAL_TOL (LP duality: pi is then dual feasible and its
objective equals the primal one).  Units without a certificate (no single-unit starting basis, iteration
cap, singular basis, unbounded or infeasible LP) are reported as not solved and go to HiGHS.

Every tolerance is relative to the evaluated unit (:func:`_row_scale`): each row is divided by the unit's own
value in it (its score-column entry or right-hand side), each basic column by its largest scaled entry, and a
reduced cost is compared with its column's scaled norm (a reduced cost d_j can move the objective by at most
d_j lambda_j, and lambda_j times that norm is bounded by a row activity of the unit's size).  The column
normalisation of the data (by a constant per variable) cannot do this: on data spanning many orders of
magnitude a unit's own values may be 1e-15 of the column mean, where absolute tolerances of 1e-9 certify
anything (the old certificate accepted input-oriented VRS scores far above 1 on such data).

Reusing optimal bases: units evaluated against one frontier share few optimal bases (the facets their rays
hit), so most units start from the optimal basis of an already solved unit with the best dual bound
(:class:`_Facets`; dual feasible for every unit) and finish with a few pivots of a batched dual simplex
(:func:`_dual_iterate`) instead of ~10 primal pivots from a single-unit start; the certificate below is the
same for both paths, and a unit the dual path cannot certify is solved from scratch.

LP in standard form, columns ``[theta, lambda_1..n, s_in_1..m, s_out_1..s, (w)]``::

    input i :  sum_j X_ij lambda_j + s_in_i - x_oi theta = 0
    output r:  sum_j Y_rj lambda_j - s_out_r             = y_or
    rts row :  sum_j lambda_j (+ w for NIRS, - w for NDRS) = 1     (absent for CRS)

minimise theta (theta > 0 at every feasible point: X lambda + s_in >= 0 is not 0 since y_o > 0).
Starting basis: the best single reference unit k (Y_k >= y_o for VRS/NIRS; any k with Y_k > 0 scaled
by lambda_k for CRS, lambda_k >= 1 for NDRS) with theta = max_i lambda_k X_ik / x_oi: primal feasible by
construction.  Dantzig's pricing, then Bland's rule after BLAND_AFTER iterations (no cycling).
"""

from __future__ import annotations

import numpy as np

from spillover.productivity._lp import LAMBDA_TOL, OPTIMAL, SLACK_TOL, ZERO_DUAL, RadialSolution

__all__ = ["radial_input_batch", "stages_input_batch", "BatchedSimplex", "BATCH_MIN"]

PRIMAL_TOL = 1e-9  # on basic values times their (unit-scaled) column norm
DUAL_TOL = 1e-9  # on reduced costs (pricing; the certificate bounds what they can gain, GAP_TOL)
GAP_TOL = 1e-10  # certificate: bound on the gain still possible, relative to the objective's size
RESID_TOL = 1e-10  # on each unit-scaled row, relative to the size of its terms
SINGULAR_TOL = 1e-12  # |det| of the equilibrated basis (unit-scaled rows, columns of max-norm 1)
PIVOT_TOL = 1e-9
MAX_ITER = 40  # plus 8 per row; units still iterating then get no certificate (HiGHS solves them)
BLAND_AFTER = 25  # Dantzig's rule first (fast), then Bland's rule (cannot cycle)
BLOCK = 1024  # units per batch, fewer for wide reference sets: K x C stays under BLOCK_CELLS
BLOCK_CELLS = 4_000_000
REINVERT = 16  # iterations between fresh basis inverses
DUAL_ITER = 24  # dual simplex iterations from a pooled basis before falling back to the primal simplex


def radial_input_batch(
    X_ref: np.ndarray, Y_ref: np.ndarray, X: np.ndarray, Y: np.ndarray, rts: str
) -> dict[str, np.ndarray]:
    """Input-oriented radial LPs of the columns of X, Y against the reference units (variables x units).

    Returns ``ok`` (bool: solved with a certificate), ``score``, ``duals`` (K x (m + s), the duals of the
    input/output rows divided by the unit's own values, :func:`_row_scale`), ``conv`` (K, the dual of the
    convexity row, whose right-hand side is 1; NaN without one), and the basis as ``basis`` (K x R column
    indices, 1..n being lambda_1..n) with ``values``.
    """
    k = X.shape[1]
    R = X.shape[0] + Y.shape[0] + (rts != "crs")
    out = {
        "ok": np.zeros(k, bool),
        "score": np.full(k, np.nan),
        "duals": np.full((k, X.shape[0] + Y.shape[0]), np.nan),
        "conv": np.full(k, np.nan),
        "basis": np.zeros((k, R), np.int64),
        "values": np.zeros((k, R)),
    }
    if k == 0 or X_ref.shape[1] == 0:
        return out
    lp = _Shared(X_ref, Y_ref, rts)
    block = _block(lp)
    facets = _Facets(lp.R)
    for start in range(0, k, block):
        sl = slice(start, min(start + block, k))
        part = _solve_block(lp, X[:, sl], Y[:, sl], facets)
        for key in out:
            out[key][sl] = part[key]
    return out


class _Shared:
    """The columns shared by every unit's LP (all but theta's, column 0).

    With ``artificial``, 2R columns +e_i, -e_i follow (phase 1 of the slack stages); they may never
    enter in phase 2 and leave the basis as soon as a pivot touches their row (they stay at 0)."""

    def __init__(self, X_ref: np.ndarray, Y_ref: np.ndarray, rts: str, artificial: bool = False) -> None:
        m, n = X_ref.shape
        s = Y_ref.shape[0]
        self.m, self.s, self.n, self.rts = m, s, n, rts
        conv = rts != "crs"
        w = rts in ("nirs", "ndrs")
        R = m + s + conv
        self.w_col = 1 + n + m + s
        self.art_from = 1 + n + m + s + w
        C = self.art_from + (2 * R if artificial else 0)
        A = np.zeros((R, C))
        A[:m, 1 : 1 + n] = X_ref
        A[m : m + s, 1 : 1 + n] = Y_ref
        A[np.arange(m), 1 + n + np.arange(m)] = 1.0
        A[m + np.arange(s), 1 + n + m + np.arange(s)] = -1.0
        if conv:
            A[m + s, 1 : 1 + n] = 1.0
        if w:
            A[m + s, self.w_col] = 1.0 if rts == "nirs" else -1.0
        if artificial:
            A[np.arange(R), self.art_from + np.arange(R)] = 1.0
            A[np.arange(R), self.art_from + R + np.arange(R)] = -1.0
        self.A, self.R, self.C = A, R, C
        self.is_art = np.arange(C) >= self.art_from
        self.has_art = artificial
        self.X_ref, self.Y_ref = X_ref, Y_ref


def _block(lp: _Shared) -> int:
    return int(np.clip(BLOCK_CELLS // lp.C, 64, BLOCK))


def _start(lp: _Shared, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starting basis (K x R) from the best single reference unit k, and which units have one.

    lambda_k = the output scale needed (max_r y_or / Y_rk), fixed to 1 for VRS and NIRS (which then need
    Y_k >= y_o) and raised to 1 for NDRS; theta = lambda_k max_i X_ik / x_oi.  Units with a zero input or
    output are left to HiGHS."""
    m, s, n = lp.m, lp.s, lp.n
    K = X.shape[1]
    positive = (X > 0).all(axis=0) & (Y > 0).all(axis=0)
    inv_x = 1.0 / np.where(positive, X, 1.0)
    inv_y = 1.0 / np.where(lp.Y_ref > 0, lp.Y_ref, np.nan)
    t_in = inv_x[0][:, None] * lp.X_ref[0][None, :]  # K x n: theta if lambda_k = 1
    for i in range(1, m):
        np.maximum(t_in, inv_x[i][:, None] * lp.X_ref[i][None, :], out=t_in)
    need = Y[0][:, None] * inv_y[0][None, :]  # K x n: output scale lambda_k must reach
    for r in range(1, s):
        np.fmax(need, Y[r][:, None] * inv_y[r][None, :], out=need)  # NaN (Y_rk = 0) only if all are
    need = np.where(np.isnan(need), np.inf, need)
    if lp.rts == "crs":
        lam_all = need
    elif lp.rts == "ndrs":
        lam_all = np.maximum(need, 1.0)
    else:
        lam_all = np.where(need <= 1.0, 1.0, np.inf)
    cost = t_in * lam_all
    best = cost.argmin(axis=1)
    rows = np.arange(K)
    ok = positive & np.isfinite(cost[rows, best])
    lam = np.where(ok, lam_all[rows, best], 1.0)
    i_star = (lp.X_ref[:, best] * inv_x).argmax(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_star = (Y / lp.Y_ref[:, best]).argmax(axis=0)
    # output slack r* leaves the basis where lambda_k is set by the outputs (CRS; NDRS with lambda_k > 1;
    # then NDRS's surplus w = lambda_k - 1 is basic instead)
    scaled = np.full(K, lp.rts == "crs") | ((lp.rts == "ndrs") & (lam > 1.0))
    basis = np.zeros((K, lp.R), np.int64)
    basis[:, 1] = 1 + best
    cols_in = np.broadcast_to(1 + n + np.arange(m), (K, m))
    keep_in = np.arange(m)[None, :] != i_star[:, None]
    basis[:, 2 : 2 + m - 1] = cols_in[keep_in].reshape(K, m - 1)
    cols_out = np.broadcast_to(1 + n + m + np.arange(s), (K, s))
    pos = 2 + m - 1
    full = np.flatnonzero(~scaled)
    if len(full):
        basis[full, pos : pos + s] = cols_out[full]
    part = np.flatnonzero(scaled)
    if len(part):
        keep_out = np.arange(s)[None, :] != r_star[part, None]
        basis[part, pos : pos + s - 1] = cols_out[part][keep_out].reshape(len(part), s - 1)
        if lp.rts == "ndrs":
            basis[part, pos + s - 1] = lp.w_col
    return basis, ok


def _basis_matrices(lp: _Shared, basis: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """K x R x R basis matrices (theta's column is unit-specific)."""
    B = lp.A[:, basis].transpose(1, 0, 2).copy()  # K x R x R, B[k, :, j] = column basis[k, j]
    kk, jj = np.nonzero(basis == 0)
    B[kk, :, jj] = a0[kk]
    return B


def _reduced_costs(lp: _Shared, cost: np.ndarray, pi: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """c_j - pi' a_j for every column (column 0, theta's, is unit-specific).  einsum, not ``@``: for these
    thin products OpenBLAS's threaded GEMM is several times slower on a busy machine."""
    d = np.einsum("ki,ij->kj", pi, lp.A)
    np.subtract(cost[None, :], d, out=d)
    d[:, 0] = cost[0] - np.einsum("ki,ki->k", pi, a0)
    return d


def _iterate(
    lp: _Shared,
    a0: np.ndarray,
    cost: np.ndarray,
    b: np.ndarray,
    basis: np.ndarray,
    forbid: np.ndarray | None = None,
) -> None:
    """Primal simplex from the primal feasible bases ``basis`` (K x R, updated in place) until optimal,
    unbounded or the iteration cap.  ``forbid`` (K x C) marks columns that may not enter.  No claim is made here:
    :func:`_certify` checks the final bases."""
    active = np.arange(len(basis))
    Binv: np.ndarray | None = None
    xB: np.ndarray  # set with Binv at the first iteration
    r_all = _row_scale(a0, b)
    for it in range(MAX_ITER + 8 * lp.R):
        if len(active) == 0:
            return
        bas = basis[active]
        if Binv is None or it % REINVERT == 0:  # fresh inverse now and then; eta updates in between
            Bh, r, cb = _equilibrated(_basis_matrices(lp, bas, a0[active]), r_all[active])
            good = np.abs(np.linalg.det(Bh)) > SINGULAR_TOL
            if not good.all():  # singular: no certificate for those units
                active, bas, Bh, r, cb = active[good], bas[good], Bh[good], r[good], cb[good]
                if len(active) == 0:
                    return
            # B = D Bh C with D = diag(r), C = diag(cb): B^-1 = C^-1 Bh^-1 D^-1
            Binv = np.linalg.inv(Bh) / cb[:, :, None] / r[:, None, :]
            xB = np.einsum("kij,kj->ki", Binv, b[active])
        pi = np.einsum("ki,kij->kj", cost[bas], Binv)
        d = _reduced_costs(lp, cost, pi, a0[active])
        np.put_along_axis(d, bas, 0.0, axis=1)
        if forbid is not None:
            d[forbid[active]] = 0.0
        if it < BLAND_AFTER:
            q = d.argmin(axis=1)
            optimal = d[np.arange(len(q)), q] >= -DUAL_TOL
        else:
            neg = d < -DUAL_TOL
            optimal = ~neg.any(axis=1)
            q = neg.argmax(axis=1)  # Bland: the first improving column
        col = lp.A[:, q].T.copy()
        th = q == 0
        col[th] = a0[active][th]
        dirn = np.einsum("kij,kj->ki", Binv, col)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(dirn > PIVOT_TOL, np.maximum(xB, 0.0) / dirn, np.inf)
        if lp.has_art:  # a basic artificial at 0 leaves before it could move away from 0
            ratio[(bas >= lp.art_from) & (xB <= PRIMAL_TOL) & (np.abs(dirn) > PIVOT_TOL)] = 0.0
        if it >= BLAND_AFTER:  # Bland's leaving rule: among ties, the smallest column index
            rmin = ratio.min(axis=1)
            tie = ratio <= rmin[:, None] * (1 + 1e-12) + 1e-15
            r = np.where(tie, bas, np.iinfo(np.int64).max).argmin(axis=1)
        else:
            r = ratio.argmin(axis=1)
        rows = np.arange(len(r))
        step = ratio[rows, r]
        move = ~(optimal | ~np.isfinite(step))  # stop when optimal or unbounded
        basis[active[move], r[move]] = q[move]
        # eta update of the inverse and of x_B for the units that pivot
        Bi, dm, rm, sm = Binv[move], dirn[move], r[move], step[move]
        mr = np.arange(len(rm))
        piv = dm[mr, rm]
        row_r = Bi[mr, rm, :] / piv[:, None]
        Bi = Bi - dm[:, :, None] * row_r[:, None, :]
        Bi[mr, rm, :] = row_r
        x_new = xB[move] - sm[:, None] * dm
        x_new[mr, rm] = sm
        Binv, xB = Bi, x_new
        active = active[move]


def _dual_iterate(lp: _Shared, a0: np.ndarray, cost: np.ndarray, b: np.ndarray, basis: np.ndarray) -> None:
    """Dual simplex from the dual feasible bases ``basis`` (K x R, updated in place) until primal feasible,
    dual unbounded (the LP is infeasible) or DUAL_ITER iterations.  Leaving row: the most negative basic
    value (scaled by its column's norm); entering column: the dual ratio test min d_j / -alpha_rj over
    alpha_rj < 0.  As in :func:`_iterate`, no claim is made here: :func:`_certify` checks the final bases."""
    active = np.arange(len(basis))
    Binv: np.ndarray | None = None
    d: np.ndarray | None = None
    xB: np.ndarray  # set with Binv at the first iteration
    cb: np.ndarray
    r_all = _row_scale(a0, b)
    for it in range(DUAL_ITER):
        if len(active) == 0:
            return
        bas = basis[active]
        if Binv is None or it % REINVERT == 0:
            Bh, rs, cb = _equilibrated(_basis_matrices(lp, bas, a0[active]), r_all[active])
            good = np.abs(np.linalg.det(Bh)) > SINGULAR_TOL
            if not good.all():
                active, bas, Bh, rs, cb = active[good], bas[good], Bh[good], rs[good], cb[good]
            Binv = np.linalg.inv(Bh) / cb[:, :, None] / rs[:, None, :]
            xB = np.einsum("kij,kj->ki", Binv, b[active])
            d = None
        z = xB * cb  # basic values on the column-scaled basis
        r = z.argmin(axis=1)
        rows = np.arange(len(r))
        keep = z[rows, r] < -PRIMAL_TOL  # primal feasible units are done
        if not keep.all():
            active, bas, r, Binv, xB, cb = active[keep], bas[keep], r[keep], Binv[keep], xB[keep], cb[keep]
            d = None if d is None else d[keep]
            if len(active) == 0:
                return
        rows = np.arange(len(r))
        if d is None:  # reduced costs of the units that pivot (then updated along)
            pi = np.einsum("ki,kij->kj", cost[bas], Binv)
            d = _reduced_costs(lp, cost, pi, a0[active])
            np.put_along_axis(d, bas, 0.0, axis=1)
            np.maximum(d, 0.0, out=d)  # dual feasible up to noise
        rho = Binv[rows, r, :]  # row r of B^-1
        alpha = np.einsum("ki,ij->kj", rho, lp.A)
        alpha[:, 0] = np.einsum("ki,ki->k", rho, a0[active])
        np.put_along_axis(alpha, bas, 0.0, axis=1)
        alpha[rows, bas[rows, r]] = 1.0  # the leaving column (row r of B^-1 B = e_r)
        # ratio d_j / alpha_rj (<= 0) over alpha_rj < 0; the largest is the smallest d_j / -alpha_rj
        ratio = np.full_like(d, -np.inf)
        np.divide(d, alpha, out=ratio, where=alpha < -PIVOT_TOL * np.abs(rho).sum(axis=1, keepdims=True))
        q = ratio.argmax(axis=1)
        move = np.isfinite(ratio[rows, q])  # no entering column: the LP is infeasible, stop
        if not move.all():
            active, bas, r, q, Binv, xB, cb, d, alpha = (
                v[move] for v in (active, bas, r, q, Binv, xB, cb, d, alpha)
            )
            if len(active) == 0:
                return
        mr = np.arange(len(r))
        aq = alpha[mr, q]
        alpha *= (d[mr, q] / aq)[:, None]
        d -= alpha  # new reduced costs (the leaving column gets d_q / -a_q)
        np.maximum(d, 0.0, out=d)
        d[mr, q] = 0.0
        col = lp.A[:, q].T.copy()
        th = q == 0
        col[th] = a0[active][th]
        dirn = np.einsum("kij,kj->ki", Binv, col)
        step = xB[mr, r] / dirn[mr, r]
        basis[active, r] = q
        row_r = Binv[mr, r, :] / dirn[mr, r][:, None]
        Binv = Binv - dirn[:, :, None] * row_r[:, None, :]
        Binv[mr, r, :] = row_r
        xB = xB - step[:, None] * dirn
        xB[mr, r] = step
        cb[mr, r] = np.abs(col / r_all[active]).max(axis=1)  # the entering column's scale


def _row_scale(a0: np.ndarray, b: np.ndarray) -> np.ndarray:
    """K x R row scales: the evaluated unit's own size in each row (|score-column entry| or |rhs|; 1 where
    both are 0, e.g. the convexity row's rhs is 1 anyway)."""
    r = np.maximum(np.abs(a0), np.abs(b))
    return np.where(r > 0, r, 1.0)


def _equilibrated(B: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Bh, r, cb) with B = diag(r) Bh diag(cb): rows divided by the unit's scales, columns by their
    largest remaining entry, so that the batched LU works on entries of magnitude <= 1."""
    Bs = B / r[:, :, None]
    cb = np.abs(Bs).max(axis=1)
    cb = np.where(cb > 0, cb, 1.0)
    return Bs / cb[:, None, :], r, cb


def _all_column_norms(lp: _Shared, r: np.ndarray, a0: np.ndarray) -> np.ndarray:
    """K x C unit-scaled max-norms of every column of each unit's LP (column 0: the unit's score column)."""
    absA = np.abs(lp.A)
    out = absA[0][None, :] / r[:, :1]
    for i in range(1, lp.R):
        np.maximum(out, absA[i][None, :] / r[:, i : i + 1], out=out)
    out[:, 0] = np.abs(a0 / r).max(axis=1)
    return out


def _upper_bounds(
    lp: _Shared, a0: np.ndarray, b: np.ndarray, theta: np.ndarray, kk: np.ndarray, jj: np.ndarray
) -> np.ndarray:
    """Upper bounds on column jj of unit kk's LP at any feasible point whose score is <= theta.

    The input rows ``X lam + s_in = a theta + b`` (a, b >= 0) cap every input use at a_i theta + b_i, so
    lambda_j <= min_i (a_i theta + b_i) / X_ij (and <= 1 under VRS/NIRS), s_in_i <= a_i theta + b_i,
    s_out_r <= sum_j Y_rj U_j (outputs made minus at least 0 required) and the NIRS/NDRS surplus
    w <= sum_j U_j."""
    m, s, n = lp.m, lp.s, lp.n
    cap = np.abs(a0[:, :m]) * np.maximum(theta, 0.0)[:, None] + np.abs(b[:, :m])  # K x m
    units = np.unique(kk)
    pos = np.searchsorted(units, kk)
    with np.errstate(divide="ignore", invalid="ignore"):
        u_lam = np.full((len(units), n), np.inf)
        for i in range(m):
            row = lp.X_ref[i]
            u_lam = np.minimum(u_lam, np.where(row > 0, cap[units, i][:, None] / row, np.inf))
    if lp.rts in ("vrs", "nirs"):
        u_lam = np.minimum(u_lam, 1.0)
    out = np.full(len(kk), np.inf)
    lam = (jj >= 1) & (jj <= n)
    out[lam] = u_lam[pos[lam], jj[lam] - 1]
    s_in = (jj > n) & (jj <= n + m)
    out[s_in] = cap[kk[s_in], jj[s_in] - n - 1]
    s_out = (jj > n + m) & (jj <= n + m + s)
    if s_out.any():
        finite = np.where(np.isfinite(u_lam), u_lam, np.inf)
        out[s_out] = np.einsum("kj,kj->k", lp.Y_ref[jj[s_out] - n - m - 1], finite[pos[s_out]])
    w = jj == lp.w_col
    if w.any() and lp.rts in ("nirs", "ndrs"):
        out[w] = 1.0 if lp.rts == "nirs" else u_lam[pos[w]].sum(axis=1)
    out[jj == 0] = np.maximum(theta[kk[jj == 0]], 0.0)
    return out


def _certify(
    lp: _Shared,
    a0: np.ndarray,
    cost: np.ndarray,
    b: np.ndarray,
    basis: np.ndarray,
    forbid: np.ndarray | None = None,
    check_gain: bool = True,
    want_d: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Optimality certificate of each basis, recomputed from scratch on the unit-scaled LP (module
    docstring): (ok, x_B, scaled row duals pi * r, reduced costs).

    Dual feasibility is checked as a bound on what the negative reduced costs can still gain (weak
    duality): sum_j max(-d_j, 0) U_j <= GAP_TOL times the objective's size, with U_j the bounds of
    :func:`_upper_bounds`.  A per-column tolerance cannot do this: under CRS/NDRS lambda_j may reach 1e14
    for a reference unit 1e-14 the size of the evaluated one, so a reduced cost of -1e-16 can hide a
    change of 1e-2 in the score.  ``check_gain=False`` (phase 1, where only feasibility matters) skips it;
    with ``want_d=False`` as well, no reduced costs are computed (K x 0 returned)."""
    K, R = basis.shape
    Bh, r, cb = _equilibrated(_basis_matrices(lp, basis, a0), _row_scale(a0, b))
    good = np.abs(np.linalg.det(Bh)) > SINGULAR_TOL
    Bh[~good] = np.eye(R)
    bt = b / r
    z = np.linalg.solve(Bh, bt[:, :, None])[:, :, 0]  # column-scaled basic values, x_B = z / cb
    cz = cost[basis] / cb
    w = np.linalg.solve(Bh.transpose(0, 2, 1), cz[:, :, None])[:, :, 0]  # duals of the scaled rows
    d = np.zeros((K, 0))
    if check_gain or want_d:  # phase 1 needs no reduced costs
        d = _reduced_costs(lp, cost, w / r, a0)
        np.put_along_axis(d, basis, 0.0, axis=1)
        if forbid is not None:
            d[forbid] = 0.0
    resid = np.abs(np.einsum("kij,kj->ki", Bh, z) - bt)
    size = np.einsum("kij,kj->ki", np.abs(Bh), np.abs(z)) + np.abs(bt)
    dgap = np.abs((cz * z).sum(axis=1) - (w * bt).sum(axis=1))  # primal minus dual objective
    ok = good & (resid <= RESID_TOL * size).all(axis=1) & (z >= -PRIMAL_TOL).all(axis=1)
    ok &= dgap <= RESID_TOL * (np.abs(cz * z).sum(axis=1) + np.abs(w * bt).sum(axis=1))
    xB = z / cb
    if check_gain:
        kk, jj = np.nonzero(d < 0)  # few cells: what can they still gain?
        theta = np.where(basis == 0, xB, 0.0).sum(axis=1)
        loss = np.zeros(K)
        np.add.at(loss, kk, -d[kk, jj] * _upper_bounds(lp, a0, b, theta, kk, jj))
        slack_cost = np.abs(cost[1 + lp.n : 1 + lp.n + lp.m + lp.s])
        size = np.abs(cz * z).sum(axis=1) + (r[:, : lp.m + lp.s] * slack_cost).sum(axis=1)
        ok &= loss <= GAP_TOL * size
    if lp.has_art:  # artificials must be at 0: the point is then feasible for the real LP
        ok &= ~((basis >= lp.art_from) & (z > PRIMAL_TOL)).any(axis=1)
    return ok, np.maximum(xB, 0.0), w, d


def _radial_costs(lp: _Shared, theta_cost: float) -> np.ndarray:
    cost = np.zeros(lp.C)
    cost[0] = theta_cost
    return cost


def _radial_rows(lp: _Shared, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's score column (-x_o on the input rows) and right-hand side (y_o, and 1 on the rts row)."""
    K, R, m, s = X.shape[1], lp.R, lp.m, lp.s
    a0 = np.zeros((K, R))
    a0[:, :m] = -X.T
    b = np.zeros((K, R))
    b[:, m : m + s] = Y.T
    if lp.rts != "crs":
        b[:, m + s] = 1.0
    return a0, b


class _Facets:
    """Optimal bases of certified units and their row duals (a pool shared by the blocks of one call).

    Why: units evaluated against the same frontier share few optimal bases (the facets their rays hit), and
    a basis optimal for one unit is dual feasible for every other.  In a radial LP every column but theta's
    has cost 0 and does not depend on the evaluated unit, and the duals of a basis solve ``pi' a_j = 0`` for
    its lambda and slack columns plus ``pi' a0 = 1`` for theta's column a0: for unit o the duals are those of
    unit f rescaled, ``pi_o = pi_f / (pi_f' a0_o)``, a positive multiple whenever ``pi_f' a0_o > 0``, so
    every reduced cost keeps its sign.  The dual objective ``pi_f' b_o / pi_f' a0_o`` is then a lower bound
    on unit o's score (weak duality), and the basis of the facet with the largest bound is optimal for o as
    soon as it is primal feasible there; :func:`_certify` checks exactly that (and everything else) before
    an answer is accepted, so a wrong guess only costs a fall-back to the simplex from scratch.
    """

    def __init__(self, R: int) -> None:
        self.basis = np.zeros((0, R), np.int64)
        self.pi = np.zeros((0, R))
        self._key = np.zeros(0, np.int64)
        self._mult = np.random.default_rng(0).integers(1, 2**62, R) | 1  # odd multipliers (wrap around)

    def add(self, basis: np.ndarray, pi: np.ndarray) -> None:
        if len(basis) == 0:
            return
        basis = np.sort(basis, axis=1)
        # a hash of the column set (a collision only drops a facet from the pool: speed, not results)
        key = (basis * self._mult).sum(axis=1)
        allk = np.concatenate([self._key, key])
        _, last = np.unique(allk[::-1], return_index=True)
        keep = np.sort(len(allk) - 1 - last)[-MAX_FACETS:]  # the most recent distinct facets
        self.basis = np.vstack([self.basis, basis])[keep]
        self.pi = np.vstack([self.pi, pi])[keep]
        self._key = allk[keep]

    def best(self, a0: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per unit: the pooled basis with the largest dual bound, and whether one applies (bound finite)."""
        # single precision: the bound only picks a starting basis (the certificate is computed in double)
        pi = self.pi.astype(np.float32)
        den = np.zeros((len(a0), len(pi)), np.float32)  # K x F: pi_f' a0_o, > 0 where pi_f rescales to o
        num = np.zeros_like(den)  # pi_f' b_o
        for i in range(a0.shape[1]):  # row by row (R is small): no threaded BLAS call on tiny products
            if a0[:, i].any():
                den += a0[:, i, None].astype(np.float32) * pi[None, :, i]
            if b[:, i].any():
                num += b[:, i, None].astype(np.float32) * pi[None, :, i]
        bound = np.full_like(den, -np.inf)
        np.divide(num, den, out=bound, where=den > 0)
        f = bound.argmax(axis=1)
        ok = np.isfinite(bound[np.arange(len(f)), f])
        return self.basis[f], ok


MAX_FACETS = 512  # pooled optimal bases, the most recent (units come in locality order)
FACET_SAMPLE = 16  # a block's units without a pooled facet: every 16th is solved from scratch, then retried


def _solve_block(
    lp: _Shared, X: np.ndarray, Y: np.ndarray, facets: _Facets | None = None
) -> dict[str, np.ndarray]:
    """Radial LPs of one block: units first try the best pooled optimal basis (:class:`_Facets`, one
    certificate each); a sample of the others is solved from scratch to add facets, the rest retry, and
    whatever is left is solved from scratch."""
    K, R, m, s = X.shape[1], lp.R, lp.m, lp.s
    a0, b = _radial_rows(lp, X, Y)
    cost = _radial_costs(lp, 1.0)
    res = {
        "ok": np.zeros(K, bool),
        "score": np.full(K, np.nan),
        "duals": np.full((K, m + s), np.nan),
        "conv": np.full(K, np.nan),
        "basis": np.zeros((K, R), np.int64),
        "values": np.zeros((K, R)),
    }
    facets = _Facets(R) if facets is None else facets
    positive = np.all(X > 0, axis=0) & np.all(Y > 0, axis=0)
    todo = np.arange(K)

    def record(idx: np.ndarray, bas: np.ndarray) -> np.ndarray:
        """Certify the bases ``bas`` of units ``idx``; store the certified ones; return the others."""
        cert, xB, pi, _ = _certify(lp, a0[idx], cost, b[idx], bas)
        theta = np.where(bas == 0, xB, 0.0).sum(axis=1)
        cert &= (bas == 0).any(axis=1) & (theta > 0)  # theta > 0 at every feasible point, so it is basic
        done = idx[cert]
        res["ok"][done] = True
        res["score"][done] = theta[cert]
        res["duals"][done] = pi[cert, : m + s]
        if m + s < R:  # the convexity row (its row scale is 1: the rhs)
            res["conv"][done] = pi[cert, m + s]
        res["basis"][done], res["values"][done] = bas[cert], xB[cert]
        r = _row_scale(a0[done], b[done])
        facets.add(bas[cert], pi[cert] / r)  # unscaled duals of the certified bases
        return idx[~cert]

    def from_pool(idx: np.ndarray) -> np.ndarray:
        if len(facets.pi) == 0 or len(idx) == 0:
            return idx
        bas, ok = facets.best(a0[idx], b[idx])
        ok &= positive[idx]
        if not ok.any():
            return idx
        bas = bas[ok]
        _dual_iterate(lp, a0[idx[ok]], cost, b[idx[ok]], bas)
        return np.concatenate([record(idx[ok], bas), idx[~ok]])

    def from_scratch(idx: np.ndarray) -> np.ndarray:
        basis, ok = _start(lp, X[:, idx], Y[:, idx])
        res["basis"][idx] = basis
        cand = idx[ok]  # units without a start are left to HiGHS
        if len(cand) == 0:
            return idx
        bas = basis[ok]
        _iterate(lp, a0[cand], cost, b[cand], bas)
        res["basis"][cand] = bas
        return np.concatenate([record(cand, bas), idx[~ok]])

    todo = from_pool(todo)
    if len(todo) > 4 * FACET_SAMPLE:
        sample = np.zeros(len(todo), bool)
        sample[::FACET_SAMPLE] = True
        from_scratch(todo[sample])  # units it cannot certify stay unsolved (HiGHS)
        todo = from_pool(todo[~sample])
    if len(todo):
        from_scratch(todo)
    return res


# -- slack stages -------------------------------------------------------------------------------------------
def stages_input_batch(
    X_ref: np.ndarray,
    Y_ref: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    rts: str,
    score: np.ndarray,
    basis: np.ndarray,
    slacks: str,
    slack_weights: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Slack stages after input-oriented radial LPs solved by :func:`radial_input_batch` (its ``basis``).

    The same steps as ``EnvelopmentLP._stages`` (two-stage: max sum of slacks at the projection;
    multi-stage: DEAP's radial movements of the variables with slack, then max slacks again):

    * max sum of slacks at the projected point = the current LP restricted to its optimal face, i.e. to the
      columns of zero reduced cost (complementary slackness), re-optimised with the slack objective from the
      current optimal basis;
    * a masked radial movement is a new LP, solved from artificial columns (phase 1) then optimised.

    ``slack_weights`` (m + s, default 1) weight the slacks in the max-sum-of-slacks LPs.  Every LP needs
    its certificate; a unit that misses one is returned with ``ok`` False (go to HiGHS).
    Returns ``ok``, ``s_in`` (K x m), ``s_out`` (K x s), ``basis`` and ``values`` of the last LP.
    """
    k, m, s = X.shape[1], X.shape[0], Y.shape[0]
    lp = _Shared(X_ref, Y_ref, rts, artificial=True)
    out = {
        "ok": np.zeros(k, bool),
        "s_in": np.full((k, m), np.nan),
        "s_out": np.full((k, s), np.nan),
        "basis": np.zeros((k, lp.R), np.int64),
        "values": np.zeros((k, lp.R)),
    }
    block = _block(lp)
    for start in range(0, k, block):
        sl = slice(start, min(start + block, k))
        part = _stages_block(lp, X[:, sl], Y[:, sl], score[sl], basis[sl], slacks, slack_weights)
        for key in out:
            out[key][sl] = part[key]
    return out


def _stages_block(
    lp: _Shared,
    X: np.ndarray,
    Y: np.ndarray,
    score: np.ndarray,
    basis: np.ndarray,
    slacks: str,
    slack_weights: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    K, R, m, s, n = X.shape[1], lp.R, lp.m, lp.s, lp.n
    basis = basis.copy()
    a0, b = _radial_rows(lp, X, Y)
    c0 = np.ones(K)  # theta's cost in each unit's current LP: +1 (min theta) or -1 (max phi)
    xt, yt = score[:, None] * X.T, Y.T.copy()
    alive, final = np.ones(K, bool), np.zeros(K, bool)
    s_in, s_out = np.full((K, m), np.nan), np.full((K, s), np.nan)
    values = np.zeros((K, R))
    slack_cost = np.zeros(lp.C)
    slack_cost[1 + n : 1 + n + m + s] = -(1.0 if slack_weights is None else slack_weights)
    last = m + s + 1
    for loop in range(last + 1):
        idx = np.flatnonzero(alive & ~final)
        if len(idx) == 0:
            break
        bas, sv, vals, cert = _max_slacks(lp, a0[idx], b[idx], basis[idx], c0[idx], slack_cost)
        basis[idx], values[idx] = bas, vals
        alive[idx[~cert]] = False
        has = (sv > 0).any(axis=1)
        fin = cert & (~has | (slacks == "two-stage") | (loop == last))
        u = idx[fin]
        s_in[u], s_out[u] = (score[u, None] * X.T[u]) - (xt[u] - sv[fin, :m]), yt[u] + sv[fin, m:] - Y.T[u]
        final[u] = True
        step = cert & ~fin
        into = step & (sv[:, :m] > 0).any(axis=1)
        for sel, inp in ((into, True), (step & ~into, False)):
            group = idx[sel]
            if len(group) == 0:
                continue
            mask = sv[sel][:, :m] > 0 if inp else sv[sel][:, m:] > 0
            ok, t, bas = _masked_radial(lp, xt[group], yt[group], mask, inp)
            alive[group[~ok]] = False
            g, t, mask = group[ok], t[ok], mask[ok]
            if inp:
                xt[g] = np.where(mask, t[:, None] * xt[g], xt[g])
                a0[g] = 0.0
                a0[g, :m] = -np.where(mask, xt[g] / t[:, None], 0.0)
                b[g, :m] = np.where(mask, 0.0, xt[g])
                b[g, m : m + s] = yt[g]
                c0[g] = 1.0
            else:
                yt[g] = np.where(mask, t[:, None] * yt[g], yt[g])
                a0[g] = 0.0
                a0[g, m : m + s] = -np.where(mask, yt[g] / t[:, None], 0.0)
                b[g, :m] = xt[g]
                b[g, m : m + s] = np.where(mask, 0.0, yt[g])
                c0[g] = -1.0
            basis[g] = bas[ok]
    ok = alive & final
    keep = ok[:, None]
    return {
        "ok": ok,
        "s_in": np.where(keep, s_in, np.nan),
        "s_out": np.where(keep, s_out, np.nan),
        "basis": basis,
        "values": values,
    }


def _max_slacks(
    lp: _Shared, a0: np.ndarray, b: np.ndarray, basis: np.ndarray, c0: np.ndarray, slack_cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Max sum of slacks over the optimal face of each unit's current LP (whose optimal basis is given).

    Returns the new bases, the slack values (K x (m + s), those <= SLACK_TOL set to 0), the basic values
    and the certificate (the current basis optimal, the restricted LP solved to optimality)."""
    K = len(basis)
    forbid = np.broadcast_to(lp.is_art, (K, lp.C)).copy()
    ok = np.ones(K, bool)
    for sign in (1.0, -1.0):
        g = np.flatnonzero(c0 == sign)
        if len(g):
            cost = np.zeros(lp.C)
            cost[0] = sign
            okc, _, _, d = _certify(lp, a0[g], cost, b[g], basis[g], forbid[g])
            ok[g] &= okc
            forbid[g] |= d > DUAL_TOL * _all_column_norms(lp, _row_scale(a0[g], b[g]), a0[g])  # off the face
    bas = basis.copy()
    _iterate(lp, a0, slack_cost, b, bas, forbid)
    cert, xB, _, _ = _certify(lp, a0, slack_cost, b, bas, forbid)
    cert &= ok
    first = 1 + lp.n
    sv = np.zeros((K, lp.m + lp.s))
    is_slack = (bas >= first) & (bas < first + lp.m + lp.s)
    kk, jj = np.nonzero(is_slack)
    sv[kk, bas[kk, jj] - first] = xB[kk, jj]
    sv = np.where(sv > SLACK_TOL * _row_scale(a0, b)[:, : lp.m + lp.s], sv, 0.0)  # relative to the unit
    return bas, sv, xB, cert


def _masked_radial(
    lp: _Shared, xt: np.ndarray, yt: np.ndarray, mask: np.ndarray, inp: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DEAP's multi-stage movement at the projected points: min t (inputs in ``mask`` scaled by t) or
    max phi (outputs in ``mask`` scaled by phi).  Phase 1 from artificial columns, then phase 2.
    Returns (certified, t or phi, optimal basis)."""
    K, R, m, s = len(xt), lp.R, lp.m, lp.s
    a0 = np.zeros((K, R))
    b = np.zeros((K, R))
    if inp:
        a0[:, :m] = -np.where(mask, xt, 0.0)
        b[:, :m] = np.where(mask, 0.0, xt)
        b[:, m : m + s] = yt
    else:
        a0[:, m : m + s] = -np.where(mask, yt, 0.0)
        b[:, :m] = xt
        b[:, m : m + s] = np.where(mask, 0.0, yt)
    if lp.rts != "crs":
        b[:, m + s] = 1.0
    rows = np.arange(R)
    basis = np.where(b >= 0, lp.art_from + rows, lp.art_from + R + rows).astype(np.int64)
    phase1 = lp.is_art.astype(float)
    _iterate(lp, a0, phase1, b, basis)
    ok1 = _certify(lp, a0, phase1, b, basis, check_gain=False, want_d=False)[
        0
    ]  # feasible: every artificial at 0
    cost = np.zeros(lp.C)
    cost[0] = 1.0 if inp else -1.0
    forbid = np.broadcast_to(lp.is_art, (K, lp.C))
    _iterate(lp, a0, cost, b, basis, forbid)
    ok, xB, _, _ = _certify(lp, a0, cost, b, basis, forbid)
    ok &= ok1 & (basis == 0).any(axis=1)
    t = np.where(basis == 0, xB, 0.0).sum(axis=1)
    ok &= t > 1e-12
    return ok, np.where(ok, t, np.nan), basis


# -- as a RadialSolver --------------------------------------------------------------------------------------
BATCH_MIN = 12  # fewer units than this: left to HiGHS one by one (the batch's fixed cost is ~1 ms)


class BatchedSimplex:
    """The batched simplex as a :class:`~spillover.productivity._lp.RadialSolver` (input orientation only).

    All radial LPs at once (:func:`radial_input_batch`, each answer certified), then, unless ``slacks`` is
    "none", the slack stages of the units whose LP has a zero input/output dual, batched the same way
    (:func:`stages_input_batch`) when at least ``min_units`` need them.  Everything it cannot certify is left
    UNSOLVED for the next solver of the chain: the whole batch in output orientation, under ``min_units``
    units or without reference units; a unit whose radial score is certified but whose slack stages are not
    keeps its score (the next solver computes only its stages).  ``known_score`` is not used.
    """

    def __init__(self, min_units: int = BATCH_MIN) -> None:
        self.min_units = min_units

    def __repr__(self) -> str:
        return f"BatchedSimplex(min_units={self.min_units})"

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
    ) -> RadialSolution:
        out = RadialSolution.empty(X.shape[1], X.shape[0], Y.shape[0], scores_only)
        if orientation != "input" or X.shape[1] < self.min_units or not X_ref.shape[1]:
            return out
        batch = radial_input_batch(X_ref, Y_ref, X, Y, rts)
        ok = np.flatnonzero(batch["ok"])
        out.score[ok] = batch["score"][ok]
        out.conv_dual[ok] = batch["conv"][ok]
        if scores_only:
            out.status[ok] = OPTIMAL
            return out
        rows: list[np.ndarray] = []
        peers: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        s_in, s_out = out.slacks()
        nonzero = (np.abs(batch["duals"][ok]) > ZERO_DUAL).all(axis=1)
        done = ok if slacks == "none" else ok[nonzero]
        stages = np.setdiff1d(ok, done)
        out.status[done], s_in[done], s_out[done] = OPTIMAL, 0.0, 0.0
        _append_lambdas(
            rows, peers, weights, done, batch["basis"][done], batch["values"][done], X_ref, Y_ref, X, Y
        )
        if len(stages) >= self.min_units:
            st = stages_input_batch(
                X_ref,
                Y_ref,
                X[:, stages],
                Y[:, stages],
                rts,
                out.score[stages],
                batch["basis"][stages],
                slacks,
                slack_weights,
            )
            done = stages[st["ok"]]
            out.status[done] = OPTIMAL
            s_in[done], s_out[done] = st["s_in"][st["ok"]], st["s_out"][st["ok"]]
            _append_lambdas(
                rows, peers, weights, done, st["basis"][st["ok"]], st["values"][st["ok"]], X_ref, Y_ref, X, Y
            )
        out.set_lambdas(rows, peers, weights)
        return out


def _append_lambdas(
    rows: list,
    peers: list,
    weights: list,
    units: np.ndarray,
    basis: np.ndarray,
    values: np.ndarray,
    X_ref: np.ndarray,
    Y_ref: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
) -> None:
    """The significant lambdas (columns 1..n_ref) of batched optimal bases: a peer's contribution to some
    input/output row is above LAMBDA_TOL of the unit's own value there (as in ``EnvelopmentLP.lambdas``)."""
    n_ref = X_ref.shape[1]
    lam = (basis >= 1) & (basis <= n_ref) & (values > 0)
    kk, jj = np.nonzero(lam)
    peer = basis[kk, jj] - 1
    own = np.vstack([X, Y])[:, units[kk]]
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(own > 0, np.vstack([X_ref, Y_ref])[:, peer] / own, 0.0).max(axis=0)
    keep = values[kk, jj] * reach > LAMBDA_TOL
    rows.append(units[kk[keep]])
    peers.append(peer[keep])
    weights.append(values[kk, jj][keep])
