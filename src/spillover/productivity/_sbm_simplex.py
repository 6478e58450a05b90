"""Tone's linearised (Charnes-Cooper) SBM LPs solved many at a time by a vectorised primal simplex (numpy only).

Why: after the frontier-first reduction every unit's SBM LP has 1 + m + s1 + s2 (+ 1) rows and a few hundred
reference columns, and HiGHS's fixed cost per call (~1 ms with the Python around it) is the whole cost at
100,000 units.  Here K units are iterated together, as in ``_simplex`` (the radial LPs): per iteration one
batched (K x R x R) inverse and one (K x R) x (R x n) pricing product.

Why not ``_simplex``: its LP family has one unit-specific column (the radial score's) and costs shared by all
units; the SBM LP has unit-specific columns *and* costs (the slacks' weights 1 / (m x_io) in the objective
and 1 / ((s1 + s2) y_ro) in the normalisation row).  The family here is the general one: per unit ``c``
"own" columns with their own costs (t, the unit's own lambda, the slacks), then shared columns of cost 0
(the reference units' lambdas and, for NIRS/NDRS, the surplus of the returns-to-scale row).

LP of unit o (rows: normalisation, inputs, good outputs, bad outputs, rts row; right-hand side e_0)::

    t + sum_r ky_r Sg_r + sum_k ky_k Sb_k   = 1
    X Lambda + L_o x_o - t x_o + S-        = 0
    G Lambda + L_o g_o - t g_o - Sg        = 0
    B Lambda + L_o b_o - t b_o + Sb        = 0
    sum(Lambda) + L_o - t (+ w or - w)     = 0          (absent for CRS)
    min t - sum_i kx_i S-_i

``L_o`` is the evaluated unit's own column: the unit lies in the technology of the reference set, so adding
it changes no optimum, and ``{t, L_o, the slacks}`` (t = L_o = 1, slacks 0) is a primal feasible starting
basis for every unit (under CRS one output slack is left out).  An answer is accepted only with a
certificate from its final basis (:func:`_iterate`): primal feasible (L_o may end positive only for a
unit that is itself a reference column: its lambda then takes L_o's value), and the reduced costs can gain at most GAP_TOL (a bound on each column at
any feasible point times its negative reduced cost); then the same relative check of rows, slacks and
Tone's ratio as the HiGHS path (``sbm._verified``).  Units without it go to HiGHS.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["sbm_batch", "BATCH_MIN"]

PRIMAL_TOL = 1e-9
DUAL_TOL = 1e-10  # pricing: columns with reduced cost below -DUAL_TOL may enter
GAP_TOL = 1e-10  # certificate: what negative reduced costs can still gain, relative to the objective
PIVOT_TOL = 1e-9
RESID_TOL = 1e-12  # B x_B = e_0, absolute (the equations' entries are the unit's normalised values)
SINGULAR_TOL = 1e-12
OWN_TOL = 1e-10  # the unit's own column must end at (about) 0
MAX_ITER = 60  # units still iterating then get no certificate (HiGHS solves them)
BLAND_AFTER = 30  # Dantzig's rule first, then Bland's (no cycling)
BLOCK_CELLS = 2_000_000  # units per block x reference columns
BLOCK = 2048
BATCH_MIN = 12  # fewer units than this: HiGHS one by one
RANGE = 2.0**6  # units with a value outside [1 / RANGE, RANGE] of the normalised data go to HiGHS
VERIFY_TOL = 1e-7  # as sbm.VERIFY_TOL
LAMBDA_TOL = 1e-10  # as sbm.LAMBDA_TOL
SAMPLE = 16  # every SAMPLE-th unit is solved from the single-unit start, the others from a neighbour's basis
REBUILD = 0.5  # the neighbour tree is rebuilt when the solved units have doubled
NEIGHBOURS = 8  # candidate bases per unit: those of its nearest solved sample units (log data)


def sbm_batch(
    Xr: np.ndarray,
    Gr: np.ndarray,
    Br: np.ndarray,
    X: np.ndarray,
    G: np.ndarray,
    B: np.ndarray,
    rts: str,
    kx: np.ndarray,
    ky: np.ndarray,
) -> dict[str, np.ndarray]:
    """SBM LPs of the columns of X, G, B (variables x units, normalised) against the reference columns.

    ``kx`` (m x K) and ``ky`` ((s1 + s2) x K) are the objective and normalisation weights over the unit's
    values (``sbm._unit_weights`` divided by them).  Returns ``ok`` (K, certified), ``score``, ``lam``
    (K x n, the lambdas of the ratio form, Lambda / t) and ``slack`` (K x (m + s1 + s2), S / t, the good
    outputs' shortfall positive)."""
    K = X.shape[1]
    m, n = Xr.shape
    s1, s2 = Gr.shape[0], Br.shape[0]
    out = {
        "ok": np.zeros(K, bool),
        "score": np.full(K, np.nan),
        "slack": np.full((K, m + s1 + s2), np.nan),
    }
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if K == 0 or n == 0 or (rts == "crs" and s1 == 0):
        return out
    V = np.vstack([X, G, B])
    with np.errstate(divide="ignore"):
        fits = ((V >= 1.0 / RANGE) & (V <= RANGE)).all(axis=0)  # zeros, tiny or huge values: HiGHS
    lp = _Family(np.vstack([Xr, Gr, Br]), m, s1, s2, rts)
    block = int(np.clip(BLOCK_CELLS // max(lp.C, 1), 64, BLOCK))
    idx_all = np.flatnonzero(fits)
    basis = np.zeros((K, lp.R), np.int64)
    # a sample from the single-unit start first; every other unit then starts from the optimal basis of a
    # nearby sample unit (the facet it projects to is usually a neighbour's), when that is primal feasible
    sample = np.zeros(len(idx_all), bool)
    sample[:: SAMPLE if len(idx_all) > 4 * SAMPLE else 1] = True
    logV = np.log(np.where(V > 0, V, 1.0))  # only the units that fit are looked up
    tree: cKDTree | None = None
    pooled = np.zeros((0, lp.R), np.int64)  # the solved units' optimal bases, in the tree's order
    for group in (idx_all[sample], idx_all[~sample]):
        for start in range(0, len(group), block):
            idx = group[start : start + block]
            cand = None
            if tree is not None:
                near = tree.query(logV[:, idx].T, k=min(NEIGHBOURS, tree.n))[1].reshape(len(idx), -1)
                cand = pooled[near]
            part = _solve_block(lp, V[:, idx], kx[:, idx], ky[:, idx], cand)
            for key in ("ok", "score", "slack"):
                out[key][idx] = part[key]
            basis[idx] = part["basis"]
            kk, jj = np.nonzero(part["lam"] > LAMBDA_TOL)
            parts.append((idx[kk], jj, part["lam"][kk, jj]))
            solved = np.flatnonzero(out["ok"])
            if len(solved) and (tree is None or tree.n < REBUILD * len(solved)):  # new neighbours
                tree, pooled = cKDTree(logV[:, solved].T), basis[solved]
    out["lam_unit"] = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    out["lam_peer"] = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    out["lam_weight"] = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    return out


class _Family:
    """The shared columns (reference lambdas, NIRS/NDRS surplus) and the row layout."""

    def __init__(self, Vr: np.ndarray, m: int, s1: int, s2: int, rts: str) -> None:
        n = Vr.shape[1]
        conv = rts != "crs"
        R = 1 + m + s1 + s2 + conv
        w = rts in ("nirs", "ndrs")
        A = np.zeros((R, n + w))
        A[1 : 1 + m + s1 + s2, :n] = Vr
        if conv:
            A[-1, :n] = 1.0
        if w:
            A[-1, n] = 1.0 if rts == "nirs" else -1.0
        self.A, self.R, self.n, self.m, self.s1, self.s2, self.rts = A, R, n, m, s1, s2, rts
        self.c = 2 + m + s1 + s2  # own columns: t, L_o, S-, Sg, Sb
        self.C = self.c + A.shape[1]
        self.Vr = Vr
        self.pos = Vr > 0


def _own(lp: _Family, V: np.ndarray, kx: np.ndarray, ky: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the own columns (K x R x c) and their costs (K x c)."""
    K, R, c, m, s1, s2 = V.shape[1], lp.R, lp.c, lp.m, lp.s1, lp.s2
    q = m + s1 + s2
    own = np.zeros((K, R, c))
    own[:, 0, 0] = 1.0
    own[:, 1 : 1 + q, 0] = -V.T
    own[:, 1 : 1 + q, 1] = V.T
    if lp.rts != "crs":
        own[:, -1, 0], own[:, -1, 1] = -1.0, 1.0
    sign = np.concatenate([np.ones(m), -np.ones(s1), np.ones(s2)])
    own[:, 1 + np.arange(q), 2 + np.arange(q)] = sign
    own[:, 0, 2 + m :] = ky.T
    cost = np.zeros((K, c))
    cost[:, 0] = 1.0
    cost[:, 2 : 2 + m] = -kx.T
    return own, cost


def _start(lp: _Family, K: int) -> np.ndarray:
    """The basis {t, L_o, slacks} (CRS: without the first good output's slack), primal feasible for all."""
    cols = np.arange(lp.c)
    if lp.rts == "crs":
        cols = np.delete(cols, 2 + lp.m)  # t = L_o fixed by the first good-output row instead
    return np.broadcast_to(cols, (K, lp.R)).copy()


def _inverse(Bm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(B^-1, nonsingular) of K small matrices: one batched LAPACK call, ``det`` only when it finds a
    singular one (rare; ``det`` on every batch cost a third of the inverse)."""
    try:
        return np.linalg.inv(Bm), np.ones(len(Bm), bool)
    except np.linalg.LinAlgError:
        good = np.abs(np.linalg.det(Bm)) > SINGULAR_TOL
        Bm = Bm.copy()
        Bm[~good] = np.eye(Bm.shape[1])
        try:
            return np.linalg.inv(Bm), good
        except np.linalg.LinAlgError:  # singular to LAPACK though not by det's measure
            return np.broadcast_to(np.eye(Bm.shape[1]), Bm.shape).copy(), np.zeros(len(Bm), bool)


def _basis_matrices(lp: _Family, own: np.ndarray, basis: np.ndarray) -> np.ndarray:
    is_own = basis < lp.c
    Bo = np.take_along_axis(own, np.where(is_own, basis, 0)[:, None, :], axis=2)
    Bs = lp.A[:, np.where(is_own, 0, basis - lp.c)].transpose(1, 0, 2)
    return np.where(is_own[:, None, :], Bo, Bs)


def _column(lp: _Family, own: np.ndarray, q: np.ndarray) -> np.ndarray:
    """K x R: column q[k] of unit k's LP."""
    is_own = q < lp.c
    col = lp.A[:, np.where(is_own, 0, q - lp.c)].T.copy()
    k = np.flatnonzero(is_own)
    col[k] = own[k, :, q[k]]
    return col


def _basic_costs(lp: _Family, cost: np.ndarray, basis: np.ndarray) -> np.ndarray:
    is_own = basis < lp.c
    return np.where(is_own, np.take_along_axis(cost, np.where(is_own, basis, 0), axis=1), 0.0)


def _reduced_costs(lp: _Family, own: np.ndarray, cost: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """c_j - pi' a_j, K x C (einsum rather than ``@``: thin products, as in ``_simplex``)."""
    d = np.empty((len(pi), lp.C))
    d[:, : lp.c] = cost - np.einsum("kr,krc->kc", pi, own)
    d[:, lp.c :] = -np.einsum("kr,rn->kn", pi, lp.A)
    return d


def _iterate(
    lp: _Family, own: np.ndarray, cost: np.ndarray, basis: np.ndarray, V: np.ndarray, ky: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Primal simplex from feasible bases (updated in place) until optimal, unbounded or MAX_ITER; a fresh
    inverse every iteration (R x R is tiny; the pricing product dominates).  Returns (ok, x_B): the
    certificate of each unit's final basis, computed with that inverse when the pricing finds no entering
    column: nonsingular, primal feasible, B x_B = e_0 to round-off, and what the negative reduced costs
    could still gain (each times a bound on its column, :func:`_upper_bounds`; weak duality) at most
    GAP_TOL of the objective's size.  The unit's own column L_o is left out of that bound: the certified
    point is one of the LP over the reference columns (``_solve_block`` maps a positive L_o onto the
    reference column that is the unit), and the duals are feasible for that LP."""
    K = len(basis)
    ok, x_out = np.zeros(K, bool), np.zeros((K, lp.R))
    active = np.arange(K)
    e0 = np.zeros(lp.R)
    e0[0] = 1.0
    for it in range(MAX_ITER):
        if len(active) == 0:
            break
        bas = basis[active]
        Bm = _basis_matrices(lp, own[active], bas)
        Binv, good = _inverse(Bm)
        if not good.all():  # singular: no certificate for those units
            active, bas, Bm, Binv = active[good], bas[good], Bm[good], Binv[good]
            if len(active) == 0:
                break
        xB = Binv[:, :, 0]  # B^-1 e_0
        cB = _basic_costs(lp, cost[active], bas)
        pi = np.einsum("kr,krs->ks", cB, Binv)
        d = _reduced_costs(lp, own[active], cost[active], pi)
        np.put_along_axis(d, bas, 0.0, axis=1)
        d[:, 1] = np.maximum(d[:, 1], 0.0)  # L_o never re-enters (it only starts the simplex)
        if it < BLAND_AFTER:
            q = d.argmin(axis=1)
            optimal = d[np.arange(len(q)), q] >= -DUAL_TOL
        else:
            neg = d < -DUAL_TOL
            optimal = ~neg.any(axis=1)
            q = neg.argmax(axis=1)
        if optimal.any():
            fin = active[optimal]
            xo, do, Bo = xB[optimal], d[optimal], Bm[optimal]
            xo = xo + np.einsum("krs,ks->kr", Binv[optimal], e0 - np.einsum("krs,ks->kr", Bo, xo))  # refined
            resid = np.abs(np.einsum("krs,ks->kr", Bo, xo) - e0).max(axis=1)
            cert = (xo >= -PRIMAL_TOL).all(axis=1) & (resid <= RESID_TOL)
            kk, jj = np.nonzero(do < 0)
            loss = np.zeros(len(fin))
            if len(kk):
                with np.errstate(invalid="ignore"):
                    np.add.at(loss, kk, -do[kk, jj] * _upper_bounds(lp, V, ky, fin[kk], jj))
            size = np.abs(cB[optimal] * xo).sum(axis=1) + 1.0
            ok[fin] = cert & (loss <= GAP_TOL * size)  # NaN/inf (an unbounded column with d < 0) fails
            x_out[fin] = xo
        keep = ~optimal
        active, bas, Binv, xB, q = active[keep], bas[keep], Binv[keep], xB[keep], q[keep]
        if len(active) == 0:
            break
        dirn = np.einsum("krs,ks->kr", Binv, _column(lp, own[active], q))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(dirn > PIVOT_TOL, np.maximum(xB, 0.0) / dirn, np.inf)
        rmin = ratio.min(axis=1)
        tie = ratio <= rmin[:, None] * (1 + 1e-12) + 1e-15
        if it >= BLAND_AFTER:  # Bland's leaving rule: among ties, the smallest column index
            r = np.where(tie, bas, np.iinfo(np.int64).max).argmin(axis=1)
        else:  # among ties, the largest pivot (stability); the own column L_o leaves first
            r = np.where(tie, np.abs(dirn) + 1e3 * (bas == 1), -np.inf).argmax(axis=1)
        rows = np.arange(len(r))
        move = np.isfinite(ratio[rows, r])  # unbounded: stop (no certificate)
        basis[active[move], r[move]] = q[move]
        active = active[move]
    return ok, x_out


def _upper_bounds(lp: _Family, V: np.ndarray, ky: np.ndarray, kk: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """Bounds on column jj of unit kk's LP at every feasible point: t <= 1 (the normalisation row, slacks
    >= 0); Lambda_j, L_o <= min over input and bad-output rows of t v_io / V_ij (and <= t under VRS/NIRS);
    S-_i <= t x_io, Sb_k <= t b_ko; Sg_r <= 1 / ky_r; the NIRS surplus <= t; else inf."""
    m, s1, s2, n, c = lp.m, lp.s1, lp.s2, lp.n, lp.c
    out = np.full(len(kk), np.inf)
    shrink = np.r_[np.arange(m), m + s1 + np.arange(s2)]  # rows whose use is capped by the unit's values
    lam = (jj >= c) & (jj < c + n)
    if lam.any():
        Vs = lp.Vr[shrink][:, jj[lam] - c]
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = np.where(Vs > 0, V[shrink][:, kk[lam]] / Vs, np.inf).min(axis=0)
        out[lam] = cap
    out[jj == 0] = 1.0
    out[jj == 1] = 1.0
    if lp.rts in ("vrs", "nirs"):
        out[lam] = np.minimum(out[lam], 1.0)
    sx = (jj >= 2) & (jj < 2 + m)
    out[sx] = V[jj[sx] - 2, kk[sx]]
    sg = (jj >= 2 + m) & (jj < 2 + m + s1)
    with np.errstate(divide="ignore"):
        out[sg] = np.where(ky[jj[sg] - 2 - m, kk[sg]] > 0, 1.0 / ky[jj[sg] - 2 - m, kk[sg]], np.inf)
    sb = (jj >= 2 + m + s1) & (jj < c)
    out[sb] = V[jj[sb] - 2, kk[sb]]
    if lp.rts == "nirs":
        out[jj == c + n] = 1.0
    return out


_MULT = np.random.default_rng(0).integers(1, 2**62, 64) | 1  # odd multipliers of the basis hash


def _pick(lp: _Family, own: np.ndarray, cost: np.ndarray, basis: np.ndarray, cand: np.ndarray) -> None:
    """Replace each unit's basis (in place) by its primal feasible candidate (K x F x R) of lowest
    objective, if any."""
    K, F, R = cand.shape
    # neighbours often share a basis: each distinct (unit, column set) is inverted once
    key = (np.sort(cand, axis=2) * _MULT[:R]).sum(axis=2)  # a hash of the column set (wraps around)
    order = np.argsort(key, axis=1, kind="stable")
    skey = np.take_along_axis(key, order, axis=1)
    first = np.ones((K, F), bool)
    first[:, 1:] = skey[:, 1:] != skey[:, :-1]
    uniq = np.zeros((K, F), bool)
    np.put_along_axis(uniq, order, first, axis=1)
    kk, ff = np.nonzero(uniq)
    bas = cand[kk, ff]
    inv, good = _inverse(_basis_matrices(lp, own[kk], bas))
    xB = inv[:, :, 0]
    val = (_basic_costs(lp, cost[kk], bas) * xB).sum(axis=1)
    obj = np.full((K, F), np.inf)
    obj[kk, ff] = np.where(good & (xB >= -PRIMAL_TOL).all(axis=1), val, np.inf)
    f = obj.argmin(axis=1)
    take = np.isfinite(obj[np.arange(K), f])
    basis[take] = cand[np.flatnonzero(take), f[take]]


def _solve_block(
    lp: _Family, V: np.ndarray, kx: np.ndarray, ky: np.ndarray, cand: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    K, m, s1, s2, n, c = V.shape[1], lp.m, lp.s1, lp.s2, lp.n, lp.c
    q = m + s1 + s2
    own, cost = _own(lp, V, kx, ky)
    basis = _start(lp, K)
    if cand is not None:
        _pick(lp, own, cost, basis, cand)
    ok, xB = _iterate(lp, own, cost, basis, V, ky)
    xB = np.maximum(xB, 0.0)
    t = np.where(basis == 0, xB, 0.0).sum(axis=1)
    ok &= (basis == 0).any(axis=1) & (t > 0)
    t = np.where(ok, t, 1.0)
    full = np.zeros((K, lp.C))
    np.put_along_axis(full, basis, xB, axis=1)
    slack = full[:, 2 : 2 + q] / t[:, None]
    lam = full[:, c : c + n] / t[:, None]
    # L_o > 0: the unit itself is a peer (it is efficient); acceptable only where a reference column is the
    # unit's own data (then its lambda takes L_o's value), otherwise the lambdas are not over the reference
    for k in np.flatnonzero(ok & (full[:, 1] > OWN_TOL)):
        same = np.flatnonzero((lp.Vr == V[:, k, None]).all(axis=0))
        if len(same):
            lam[k, same[0]] += full[k, 1] / t[k]
        else:
            ok[k] = False
    score = (cost * full[:, :c]).sum(axis=1)
    ok &= _verified(score, lam, slack, V, lp.Vr, m, s1, kx, ky)
    return {
        "ok": ok,
        "basis": basis,
        "score": np.where(ok, score, np.nan),
        "lam": np.where(ok[:, None], lam, 0.0),
        "slack": np.where(ok[:, None], slack, np.nan),
    }


def _verified(
    score: np.ndarray,
    lam: np.ndarray,
    slack: np.ndarray,
    V: np.ndarray,
    Vr: np.ndarray,
    m: int,
    s1: int,
    kx: np.ndarray,
    ky: np.ndarray,
) -> np.ndarray:
    """``sbm._verified`` for K units at once: score in (0, 1], every row ``V lam + sign * slack = v`` to
    VERIFY_TOL of its size, slacks >= 0 and input/bad-output slacks at most the unit's values, and Tone's
    ratio at these slacks equal to the score."""
    q = V.shape[0]
    sign = np.concatenate([np.ones(m), -np.ones(s1), np.ones(q - m - s1)])
    made = np.einsum("rn,kn->kr", Vr, np.maximum(lam, 0.0))
    v = V.T
    ok = np.isfinite(score) & (score > 0.0) & (score <= 1.0 + VERIFY_TOL)
    ok &= (np.abs(made + sign * slack - v) <= VERIFY_TOL * (made + np.abs(slack) + v)).all(axis=1)
    ok &= (lam >= -VERIFY_TOL).all(axis=1) & (slack >= -VERIFY_TOL * v).all(axis=1)
    shrink = sign > 0
    ok &= (slack[:, shrink] <= v[:, shrink] * (1 + VERIFY_TOL)).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (1.0 - (kx.T * slack[:, :m]).sum(axis=1)) / (1.0 + (ky.T * slack[:, m:]).sum(axis=1))
    ok &= np.abs(ratio - score) <= 10 * VERIFY_TOL
    return ok
