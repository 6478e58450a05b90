"""The numerical core of Hansen's (1999) panel threshold regression: every candidate threshold's SSR from
cumulative sums, the sequential search, and the fixed-regressor bootstrap.

Notation.  ``M`` is the within transformation (unit, or two-way on a balanced panel); ``F`` the
within-transformed fixed regressors (the controls ``x`` and the regime-dependent ``r`` themselves, which span
the regime-specific slopes together with the threshold blocks); ``A_g = r * 1(q <= gamma_g)`` the raw
threshold block of grid point ``g``.  The SSR of a model with thresholds ``P = {g_1, ..., g_m}`` is

    S(P) = e0'e0 - c_P' K_PP^+ c_P,

with ``e0`` the residual of ``My`` on ``F``, ``c_g = A_g' e0`` (``e0`` is within-transformed, so
``(MA_g)'e0 = A_g'e0``) and ``K_gh = A_g'MA_h - (F'A_g)' (F'F)^-1 (F'A_h)``.  Every piece is a cumulative sum
over the observations sorted by ``q``: ``A_g'A_h = sum_{q <= gamma_min(g,h)} r r'`` and ``F'A_g = sum_{q <=
gamma_g} f r'``; the fixed-effect part of ``A_g'MA_h`` is ``sum_i U_gi U_hi' / T`` with ``U_gi`` region
``i``'s sum of ``r 1(q <= gamma_g)`` (and, two-way, the period sums ``V`` and the grand total).  No regression
is refitted per grid point; the regressors (and so ``K``) stay fixed in Hansen's bootstrap, so a draw only
needs its own ``c`` (one cumulative sum) and a few small solves per grid point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ThresholdData", "Engine", "make_grid", "within"]


def within(a: np.ndarray, fixed_effects: str) -> np.ndarray:
    """The within transformation of ``a`` (regions x periods x ...): region means removed, and with
    ``"twoway"`` period means added back as on a balanced panel (exact two-way demeaning)."""
    out = a - a.mean(axis=1, keepdims=True)
    if fixed_effects == "twoway":
        out = out - out.mean(axis=0, keepdims=True)
    return out


def make_grid(q: np.ndarray, trim: float, grid: int | None) -> np.ndarray:
    """Candidate thresholds: the empirical quantiles (``inverted_cdf``: observed values of ``q``) at ``grid``
    levels evenly spaced from ``trim`` to ``1 - trim``, or (``grid=None``) every distinct value of ``q``
    between those quantiles; ties collapse to one candidate."""
    lo, hi = np.quantile(q, [trim, 1 - trim], method="inverted_cdf")
    if grid is None:
        values = np.unique(q)
        return values[(values >= lo) & (values <= hi)]
    levels = np.linspace(trim, 1 - trim, grid)
    return np.unique(np.quantile(q, levels, method="inverted_cdf"))


@dataclass(frozen=True)
class ThresholdData:
    """The arrays of one model (regions x periods, region-major when flattened)."""

    y: np.ndarray  # N x T
    x: np.ndarray  # N x T x kx  (controls)
    r: np.ndarray  # N x T x kr  (regime-dependent regressors, raw)
    q: np.ndarray  # N x T
    fixed_effects: str

    @property
    def shape(self) -> tuple[int, int]:
        n, t = self.y.shape
        return n, t


def _pinv(a: np.ndarray) -> np.ndarray:
    """Batched Moore-Penrose inverse of small symmetric matrices (a collinear block adds nothing)."""
    return np.linalg.pinv(a, hermitian=True)


@dataclass
class Engine:
    """Sufficient statistics of the within regression at every grid point, and the SSR searches."""

    data: ThresholdData
    gammas: np.ndarray
    min_count: int
    fmat: np.ndarray = field(init=False)  # n x kf within-transformed fixed regressors
    _rows: dict[int, np.ndarray] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        d = self.data
        n_reg, n_per = d.shape
        self.kr = d.r.shape[2]
        fixed = np.concatenate([d.x, d.r], axis=2)
        self.fmat = within(fixed, d.fixed_effects).reshape(n_reg * n_per, -1)
        self.f_inv = np.linalg.pinv(self.fmat.T @ self.fmat, hermitian=True)
        q = d.q.ravel()
        r = d.r.reshape(n_reg * n_per, self.kr)
        self.order = np.argsort(q, kind="stable")
        qs = q[self.order]
        self.pos = np.searchsorted(qs, self.gammas, side="right")  # observations with q <= gamma_g
        self.rs = r[self.order]
        rr = np.cumsum(self.rs[:, :, None] * self.rs[:, None, :], axis=0)
        self.d = rr[self.pos - 1]  # G x kr x kr: sum_{q <= gamma} r r'
        fa = np.cumsum(self.fmat[self.order][:, :, None] * self.rs[:, None, :], axis=0)
        self.fa = fa[self.pos - 1]  # G x kf x kr: F'A_g
        gbin = np.searchsorted(self.gammas, q, side="left")  # first grid point with gamma >= q
        unit = np.repeat(np.arange(n_reg), n_per)
        period = np.tile(np.arange(n_per), n_reg)
        self.u = self._grid_sums(gbin, unit, n_reg, r)  # G x N x kr
        self.v = self._grid_sums(gbin, period, n_per, r) if d.fixed_effects == "twoway" else None
        self.diag = self._block(np.arange(len(self.gammas)), np.arange(len(self.gammas)))
        self.diag_inv = _pinv(self.diag)

    def _grid_sums(self, gbin: np.ndarray, codes: np.ndarray, k: int, r: np.ndarray) -> np.ndarray:
        """``sum r 1(q <= gamma_g)`` per group code, for every grid point: G x k x kr."""
        g = len(self.gammas)
        keep = gbin < g
        out = np.empty((g, k, self.kr))
        for j in range(self.kr):
            flat = np.bincount(gbin[keep] * k + codes[keep], weights=r[keep, j], minlength=g * k)
            out[:, :, j] = np.cumsum(flat.reshape(g, k), axis=0)
        return out

    def _block(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``K_ab`` for the paired grid indices ``a``, ``b`` (equal length): len x kr x kr."""
        n_reg, n_per = self.data.shape
        ama = self.d[np.minimum(a, b)] - np.einsum("gik,gil->gkl", self.u[a], self.u[b]) / n_per
        if self.v is not None:
            tot_a, tot_b = self.u[a].sum(axis=1), self.u[b].sum(axis=1)
            ama -= np.einsum("gtk,gtl->gkl", self.v[a], self.v[b]) / n_reg
            ama += np.einsum("gk,gl->gkl", tot_a, tot_b) / (n_reg * n_per)
        proj = np.einsum("gfk,fh,ghl->gkl", self.fa[a], self.f_inv, self.fa[b])
        return ama - proj

    def row(self, a: int) -> np.ndarray:
        """``K_ag`` for every grid point g: G x kr x kr (cached)."""
        if a not in self._rows:
            g = len(self.gammas)
            self._rows[a] = self._block(np.full(g, a), np.arange(g))
        return self._rows[a]

    # ------------------------------------------------------------------ residuals and c
    def residual(self, ytil: np.ndarray) -> np.ndarray:
        """``e0``: rows of within-transformed y (B x n) less their projection on F."""
        coef = ytil @ self.fmat @ self.f_inv
        return ytil - coef @ self.fmat.T

    def cross(self, e0: np.ndarray) -> np.ndarray:
        """``c_g = A_g'e0`` for every row of ``e0`` (B x n) and grid point: B x G x kr."""
        c = np.cumsum(e0[:, self.order, None] * self.rs[None], axis=1)
        return c[:, self.pos - 1]

    # ------------------------------------------------------------------ searches
    def admissible(self, fixed: tuple[int, ...]) -> np.ndarray:
        """Grid points that, added to the thresholds ``fixed``, split a regime into two of at least
        ``min_count`` observations each (a point of ``fixed`` itself splits nothing)."""
        n = self.fmat.shape[0]
        cuts = np.unique(np.concatenate([[0, n], self.pos[list(fixed)]]))
        ok = np.zeros(len(self.gammas), dtype=bool)
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            inside = (self.pos > lo) & (self.pos <= hi)
            ok |= inside & (self.pos - lo >= self.min_count) & (hi - self.pos >= self.min_count)
        return ok

    def single(self, c: np.ndarray, s0: np.ndarray) -> np.ndarray:
        """SSR of the one-threshold model at every grid point: B x G (inadmissible points +inf)."""
        quad = np.einsum("bgk,gkl,bgl->bg", c, self.diag_inv, c)
        out = s0[:, None] - quad
        out[:, ~self.admissible(())] = np.inf
        return out

    def conditional(self, c: np.ndarray, s0: np.ndarray, fixed: np.ndarray) -> np.ndarray:
        """SSR with one more threshold at every grid point, given each draw's thresholds ``fixed``
        (B x p grid indices): B x G.  Draws sharing ``fixed`` share one Schur complement."""
        out = np.empty(c.shape[:2])
        uniq, inverse = np.unique(fixed, axis=0, return_inverse=True)
        for j, key in enumerate(uniq):
            members = np.flatnonzero(inverse.ravel() == j)
            out[members] = self._conditional_one(c[members], s0[members], tuple(int(k) for k in key))
        return out

    def _conditional_one(self, c: np.ndarray, s0: np.ndarray, fixed: tuple[int, ...]) -> np.ndarray:
        p = len(fixed)
        rows = [self.row(a) for a in fixed]
        kpp = np.block([[rows[i][fixed[j]] for j in range(p)] for i in range(p)])
        kpp_inv = np.linalg.pinv(kpp, hermitian=True)
        kpy = np.concatenate(rows, axis=1)  # G x (p kr) x kr
        lmat = np.einsum("ij,gjk->gik", kpp_inv, kpy)  # G x (p kr) x kr
        schur = self.diag - np.einsum("gik,gil->gkl", kpy, lmat)
        cp = np.concatenate([c[:, a] for a in fixed], axis=1)  # B x (p kr)
        s_fixed = s0 - np.einsum("bi,ij,bj->b", cp, kpp_inv, cp)
        resid = c - np.einsum("gik,bi->bgk", lmat, cp)
        quad = np.einsum("bgk,gkl,bgl->bg", resid, _pinv(schur), resid)
        out = s_fixed[:, None] - quad
        out[:, ~self.admissible(fixed)] = np.inf
        return out


@dataclass(frozen=True)
class Search:
    """One run of the sequential search (for the data: B = 1; for bootstrap draws: B rows)."""

    s0: np.ndarray  # B
    curves: dict[str, np.ndarray]  # "Th-1", "Th-21", "Th-22", "Th-3": B x G SSR curves
    picks: dict[str, np.ndarray]  # the same keys: B argmin grid indices

    def ssr(self, key: str) -> np.ndarray:
        """The minimum of a curve, per draw."""
        return np.take_along_axis(self.curves[key], self.picks[key][:, None], axis=1)[:, 0]


def search(engine: Engine, c: np.ndarray, s0: np.ndarray, m: int, refine_last: bool = True) -> Search:
    """Hansen's sequential search for ``m`` thresholds.  ``Th-1``: the single-threshold search; ``Th-22``:
    the second threshold given ``Th-1``; ``Th-21``: the first refined given ``Th-22`` (Hansen 1999,
    section 3.4); ``Th-3``: the third given the refined pair.  ``refine_last=False`` skips the refinement
    when ``m == 2`` (the bootstrap of the double-threshold test does not need it)."""
    curves: dict[str, np.ndarray] = {}
    picks: dict[str, np.ndarray] = {}

    def pick(key: str, curve: np.ndarray) -> np.ndarray:
        curves[key], picks[key] = curve, np.argmin(curve, axis=1)
        return picks[key]

    g1 = pick("Th-1", engine.single(c, s0))
    if m >= 2:
        g2 = pick("Th-22", engine.conditional(c, s0, g1[:, None]))
        if m >= 3 or refine_last:
            g1 = pick("Th-21", engine.conditional(c, s0, g2[:, None]))
    if m >= 3:
        pick("Th-3", engine.conditional(c, s0, np.sort(np.column_stack([g1, g2]), axis=1)))
    return Search(s0, curves, picks)


def null_ssr(found: Search, k: int) -> np.ndarray:
    """SSR of the model with ``k`` thresholds at the sequential estimates (``k`` = 0..2)."""
    if k == 0:
        return found.s0
    if k == 1:
        return found.ssr("Th-1")
    return found.ssr("Th-21")


def alt_ssr(found: Search, k: int) -> np.ndarray:
    """SSR of the test of ``k - 1`` against ``k`` thresholds under the alternative (Hansen's ``S_k``):
    the single-threshold minimum, the second threshold's conditional minimum, the third's."""
    return found.ssr({1: "Th-1", 2: "Th-22", 3: "Th-3"}[k])


def bootstrap_f(
    engine: Engine,
    fitted_null: np.ndarray,
    resid_alt: np.ndarray,
    k: int,
    df: int,
    seeds: list[np.random.SeedSequence],
    chunk: int,
    update: Callable[[int], None],
) -> np.ndarray:
    """Hansen's (1999) fixed-regressor bootstrap of the F statistic of ``k - 1`` against ``k`` thresholds.

    ``fitted_null`` (N x T) are the within fitted values of the null model, ``resid_alt`` (N x T) the
    within residuals of the alternative.  Draw ``b`` resamples whole regions' residual vectors with the
    generator of ``seeds[b]`` (so a draw does not depend on the chunking), builds ``y* = fitted + e*`` and
    re-runs the sequential search with the regressors held fixed.  Returns the ``len(seeds)`` statistics.
    """
    n_reg = fitted_null.shape[0]
    fe = engine.data.fixed_effects
    out = np.empty(len(seeds))
    for start in range(0, len(seeds), chunk):
        block = seeds[start : start + chunk]
        picks = np.stack([np.random.default_rng(s).integers(0, n_reg, n_reg) for s in block])
        ystar = fitted_null[None] + resid_alt[picks]  # B x N x T; region means stay zero
        if fe == "twoway":  # resampled regions move the period means: transform again (exact, balanced)
            ystar = within(ystar.transpose(1, 2, 0), fe).transpose(2, 0, 1)
        e0 = engine.residual(ystar.reshape(len(block), -1))
        s0 = np.einsum("bn,bn->b", e0, e0)
        found = search(engine, engine.cross(e0), s0, k, refine_last=k >= 3)
        s_null, s_alt = null_ssr(found, k - 1), alt_ssr(found, k)
        out[start : start + len(block)] = (s_null - s_alt) / (s_alt / df)
        update(start + len(block))
    return out
