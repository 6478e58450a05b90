"""Direct, indirect and total effects (LeSage and Pace 2009) with simulated inference.

For regressor k, ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``; the average direct effect is ``tr(S_k)/N``,
the average total effect ``1' S_k 1 / N`` and the indirect effect their difference.  With
``A = (I - rho W)^-1``: ``direct = beta_k tr(A)/N + theta_k tr(AW)/N`` and
``total = beta_k 1'A1/N + theta_k 1'AW1/N`` (``= (beta_k + theta_k)/(1 - rho)`` for row-standardised W).
The four scalars come from the eigenvalues of W (small N, exact) or from power series of traces of W^j
(large N; see :mod:`spillover.spatial._likelihood`).

Unlike spreg 1.9.0, the direct effect includes theta_k's contribution ``theta_k tr(AW)/N`` (spreg counts all
SLX terms as indirect) and standard errors are given.  Inference draws ``(beta, theta, rho)`` from their
estimated asymptotic normal distribution (draws of rho outside its parameter space are redrawn) and reports
the standard deviation of the simulated effects; the point estimate is the effect at the ML estimates.

The indirect and total effects of an SDM, ``(beta_k + theta_k)/(1 - rho)`` with row-standardised W, have no
finite variance when rho's distribution reaches 1: a few draws with rho near 1 dominate the standard
deviation (R spatialreg's simulated standard errors show the same instability).  Beside the standard
deviation (``std_error``, with the normal ``statistic`` and ``p_value`` computed from it) the table
therefore reports what does not depend on those few draws: the 2.5 % and 97.5 % quantiles of the draws
(``ci_lower``, ``ci_upper``), the simulation p-value ``p_sim = 2 min(share < 0, share > 0)`` and a robust
spread (``std_error_robust``: the interquartile range / 1.349, which equals the standard deviation for
normal draws).
A two-sided quantile interval of level 1 - a excludes 0 exactly when ``p_sim < a``; :func:`spillover.tables.
summary` puts its stars on the effects by ``p_sim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse as sp
from scipy import stats

from spillover._parallel import map_chunks, map_draws
from spillover.errors import ModelError, format_items
from spillover.options import ResampleBackend, check_int, check_probability
from spillover.summary import P_SIM, coefficient_frame

if TYPE_CHECKING:
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["impacts", "effects_matrix", "effects_column", "spillovers", "EFFECTS"]

EFFECTS = ("direct", "indirect", "total")


def _coefficients(res: SpatialPanelResults, var: str) -> tuple[str, str | None]:
    if var not in res.x_names:
        raise ModelError(
            f"{var!r} is not a regressor of this model; its regressors are {format_items(res.x_names)}."
        )
    return var, (f"W*{var}" if var in res.durbin else None)


class _ParameterDraw:
    """One draw of (beta, theta, rho) from N(estimate, cov) with its own generator: ``mean + F z`` with
    ``F F' = cov`` from the eigendecomposition (as numpy's ``multivariate_normal(method="eigh")``); a draw of
    rho outside its parameter space is redrawn (up to 100 times) from the same generator."""

    def __init__(self, mean: np.ndarray, cov: np.ndarray, j: int | None, lo: float, hi: float) -> None:
        s, v = np.linalg.eigh(cov)
        self.mean, self.factor = mean, v * np.sqrt(np.clip(s, 0.0, None))
        self.j, self.lo, self.hi = j, lo, hi

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        for _ in range(100):
            out = self.mean + self.factor @ rng.standard_normal(len(self.mean))
            if self.j is None or self.lo < out[self.j] < self.hi:
                break
        return out


def _parameter_draws(
    res: SpatialPanelResults,
    draws: int,
    seed: int,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Draws of (beta, theta, rho) from N(estimate, cov); rho kept inside its parameter space.  Draw ``k``
    uses child ``k`` of ``SeedSequence(seed)`` (:mod:`spillover._parallel`): the same on every backend."""
    lo, hi = res._core.op.bounds
    j = list(res.params.index).index("rho") if res.rho is not None else None
    one = _ParameterDraw(res.params.to_numpy(), res.cov.to_numpy(), j, lo, hi)
    out = map_draws(one, draws, seed, backend=backend, n_jobs=n_jobs, client=client, error=ModelError)
    return pd.DataFrame(out, columns=res.params.index)


def _effects(res: SpatialPanelResults, params: pd.DataFrame) -> dict[str, np.ndarray]:
    """Direct/indirect/total (each draws x K) for the parameter rows in ``params``."""
    rho = params["rho"].to_numpy() if "rho" in params.columns else np.zeros(len(params))
    mom = res._core.op.resolvent_moments(rho)  # tr(A)/N, tr(AW)/N, 1'A1/N, 1'AW1/N
    direct, total = [], []
    for var in res.x_names:
        b, th = _coefficients(res, var)
        beta = params[b].to_numpy()
        theta = params[th].to_numpy() if th else np.zeros(len(params))
        direct.append(beta * mom[:, 0] + theta * mom[:, 1])
        total.append(beta * mom[:, 2] + theta * mom[:, 3])
    d, t = np.column_stack(direct), np.column_stack(total)
    return {"direct": d, "indirect": t - d, "total": t}


def impacts(
    res: SpatialPanelResults,
    draws: int = 1000,
    seed: int = 0,
    *,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Average direct, indirect and total effects of every regressor with simulated standard errors.

    Parameters
    ----------
    res
        A fitted :class:`~spillover.spatial.results.SpatialPanelResults`.
    draws
        Number of parameter draws for the standard errors (0: point estimates only, se NaN).
    seed
        Seed: draw ``k`` uses ``numpy.random.default_rng`` of child ``k`` of ``numpy.random.SeedSequence(seed)``.
    backend, n_jobs, client
        Where the parameter draws run (``"serial"``, ``"processes"``, ``"dask"``; see
        :func:`~spillover.panel_models.mediation`); the effects of all draws are then one vectorised
        evaluation here.  Identical results on every backend; the draws are cheap, so parallel backends pay
        only for large ``draws`` (the heavy resampling is :func:`spillovers` with ``draws``).

    Returns
    -------
    pandas.DataFrame
        Indexed by (effect, variable) with effect in ``direct``, ``indirect``, ``total``; columns
        (:data:`spillover.summary.COLUMNS`) ``estimate``, ``std_error`` (standard deviation of the draws),
        ``statistic`` (z), ``p_value`` (two-sided, normal, from ``std_error``), then the robust summaries
        of the draws: ``ci_lower`` and ``ci_upper`` (2.5 % and 97.5 % quantiles), ``p_sim`` (``2 min(share
        < 0, share > 0)``) and ``std_error_robust`` (interquartile range / 1.349); all NaN without draws.
        ``attrs["draws"]`` records the draws.

    """
    check_int(draws, "draws", minimum=0, error=ModelError)
    point = _effects(res, res.params.to_frame().T)
    sims = _effects(res, _parameter_draws(res, draws, seed, backend, n_jobs, client)) if draws > 1 else None
    blank = np.full((2, len(res.x_names)), np.nan)
    frames = []
    for eff in EFFECTS:
        frame = effects_table(point[eff][0], sims[eff] if sims is not None else blank, valid=sims is not None)
        frame.index = pd.MultiIndex.from_product([[eff], res.x_names], names=["effect", "variable"])
        frames.append(frame)
    frame = pd.concat(frames)
    frame.attrs["draws"] = draws
    frame.attrs["seed"] = seed
    return frame


def effects_table(estimate: np.ndarray, sims: np.ndarray, *, valid: bool = True) -> pd.DataFrame:
    """One effect of K regressors in the :data:`~spillover.summary.COLUMNS` scheme, from its point
    ``estimate`` and its draws ``sims`` (draws x K): the z of the standard deviation of the draws and its
    normal p-value, the 2.5/97.5 % quantiles, ``p_sim`` and ``std_error_robust`` (all NaN unless ``valid``).
    Shared by the static and the dynamic impacts."""
    summ = _draw_summary(sims, valid=valid)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(summ["std_error"] > 0, estimate / summ["std_error"], np.nan)
    return coefficient_frame(
        estimate,
        summ["std_error"],
        z,
        2 * stats.norm.sf(np.abs(z)),
        summ["ci_lower"],
        summ["ci_upper"],
        p_sim=summ[P_SIM],
        std_error_robust=summ["std_error_robust"],
    )


def _draw_summary(sims: np.ndarray, *, valid: bool = True) -> pd.DataFrame:
    """Per column of ``sims`` (draws x K): sd, 2.5/97.5 % quantiles, IQR/1.349 and the simulation p-value.

    >>> _draw_summary(np.array([[1.0], [2.0], [3.0], [-1.0]]))["p_sim"].tolist()  # 1 of 4 below 0: 2 * 1/4
    [0.5]
    """
    k = sims.shape[1]
    if not valid:
        return pd.DataFrame({c: np.full(k, np.nan) for c in _DRAW_COLUMNS})
    q = np.quantile(sims, [0.025, 0.25, 0.75, 0.975], axis=0)
    share = np.minimum((sims < 0).mean(axis=0), (sims > 0).mean(axis=0))
    return pd.DataFrame(
        dict(
            zip(_DRAW_COLUMNS, (sims.std(axis=0, ddof=1), q[0], q[3], 2 * share, (q[2] - q[1]) / _IQR_NORMAL))
        )
    )


_DRAW_COLUMNS = ("std_error", "ci_lower", "ci_upper", P_SIM, "std_error_robust")
#: interquartile range of the standard normal distribution (2 * 0.6745), so IQR / 1.349 estimates sigma
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


def effects_matrix(res: SpatialPanelResults, var: str, max_n: int = 5000) -> pd.DataFrame:
    """The N x N effects matrix ``S_k`` of one regressor (row i: effect on region i of a change in each j).

    Column sums are the total effects emitted by a region, row sums those received by it.  Dense, so refused
    above ``max_n`` regions.
    """
    b, th = _coefficients(res, var)
    op = res._core.op
    if op.n > max_n:
        raise ModelError(
            f"the effects matrix of {op.n} regions would be a dense {op.n} x {op.n} matrix "
            f"({op.n**2 * 8 / 1e9:.1f} GB); it is refused above max_n={max_n}. Use res.impacts() for "
            "averages, or raise max_n if you have the memory."
        )
    w = op.w.toarray()
    beta = float(res.params[b])
    theta = float(res.params[th]) if th else 0.0
    rho = res.rho or 0.0
    s = np.linalg.solve(np.eye(op.n) - rho * w, beta * np.eye(op.n) + theta * w)
    ids = res._core.ids
    return pd.DataFrame(s, index=ids, columns=ids)


# ---------------------------------------------------------------------- per-region spillovers
#: Above this many regions the resolvent A = (I - rho W)^-1 is never formed densely.
SPILLOVER_DENSE_MAX_N = 2000
#: Bound on the truncation error of the diagonal's power series (absolute, per unit coefficient).
DIAGONAL_TOL = 1e-8
#: Largest number of stored non-zeros of a sparse power W^a (times N) used for exact diagonals.
_POWER_NNZ_PER_ROW = 400
#: Rademacher probes for the stochastic remainder of the diagonal, when the exact series is too long.
DIAGONAL_PROBES = 200
_COLUMNS = ("direct", "emitted", "received")


def spillovers(
    res: SpatialPanelResults,
    var: str,
    *,
    draws: int | None = None,
    level: float = 0.95,
    seed: int = 0,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Per-region direct effect and spillovers emitted and received for one regressor.

    With ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)`` (``theta_k = 0`` without a ``W*x`` term, ``rho = 0``
    for SLX/SDEM/SEM), region ``i``'s **direct** effect is ``S_k[i, i]``, the spillover it **emits** is the
    off-diagonal sum of its column ``sum_{j != i} S_k[j, i]`` (the effect on all other regions of a unit
    change of x in region i), the spillover it **receives** is the off-diagonal sum of its row
    ``sum_{j != i} S_k[i, j]`` (the effect on region i of a unit change of x in every other region).  The
    means of ``direct`` and of ``emitted`` (or ``received``) are the LeSage-Pace average direct and indirect
    effects of :func:`impacts`.

    Computation, never a dense inverse above :data:`SPILLOVER_DENSE_MAX_N` regions: with ``A = (I-rho W)^-1``,
    ``S_k = beta_k A + theta_k A W``.  Column sums ``1'A`` and ``1'AW`` come from one sparse LU solve of
    ``(I - rho W)' u = 1``; row sums ``A 1`` and ``A W 1`` from solves against ``1`` and ``W 1``.  The
    diagonals ``diag(A) = sum_t rho^t diag(W^t)`` and ``diag(AW) = sum_t rho^t diag(W^(t+1))`` come from
    the power series with exact ``diag(W^(a+b)) = rowsum(W^a * (W^b)')`` from sparse powers of W, truncated
    where ``|rho|^(m+1) r^(m+1) / (1 - |rho| r) <= DIAGONAL_TOL`` (``r`` the largest absolute row sum of W,
    1 when row-standardised); the bound is kept in ``attrs["diagonal_error_bound"]``.  When that series
    would need sparse powers denser than ``400 N`` entries (dense W, rho near its bound), the remainder past
    the exact terms is estimated by Hutchinson's diagonal estimator with :data:`DIAGONAL_PROBES` seeded
    Rademacher probes (Bekas, Kokiopoulou and Saad 2007) and its standard error per region is kept in
    ``attrs["diagonal_se"]`` (``attrs["diagonal_method"]`` says which path was taken).  Up to
    :data:`SPILLOVER_DENSE_MAX_N` regions everything is exact (dense solve).

    Parameters
    ----------
    res
        A fitted spatial model (panel or cross-section).
    var
        The regressor (a name of ``res.x_names``).
    draws
        If given, the number of parameter draws from the estimated asymptotic distribution (as
        :func:`impacts`) behind equal-tailed intervals ``*_lo`` and ``*_hi`` of each column.
    level
        Coverage of the intervals.
    seed
        Seed of the parameter draws (as :func:`impacts`) and of the probes.
    backend, n_jobs, client
        Where the per-draw region effects (one sparse LU each) run, in chunks of draws: ``"serial"``,
        ``"processes"`` or ``"dask"`` (as :func:`impacts`); identical results on every backend.

    Returns
    -------
    pandas.DataFrame
        Indexed by region id; columns ``direct``, ``emitted``, ``received`` (and ``direct_lo``,
        ``direct_hi``, ``emitted_lo``, ... with draws).

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    >>> res = so.SpatialPanelModel(panel, "ln_gsp", ["ln_pcap", "ln_emp"], w, kind="sdm",
    ...                            fixed_effects="twoway").fit()
    >>> sp = res.spillovers("ln_emp")
    >>> list(sp.columns), len(sp)
    (['direct', 'emitted', 'received'], 48)
    >>> imp = res.impacts(draws=0)
    >>> bool(abs(sp["emitted"].mean() - imp.loc[("indirect", "ln_emp"), "estimate"]) < 1e-12)
    True
    """
    b, th = _coefficients(res, var)
    if draws is not None:
        check_int(draws, "draws", minimum=2, error=ModelError, hint=" (or None for point estimates only)")
    check_probability(level, "level", error=ModelError)
    op = res._core.op
    point = _region_effects(
        op.w, _rho_of(res.params), float(res.params[b]), float(res.params[th]) if th else 0.0, seed
    )
    frame = pd.DataFrame(point.values, index=res._core.ids.copy(), columns=list(_COLUMNS))
    frame.index.name = res._core.ids.name
    frame.attrs.update(point.attrs | {"variable": var, "draws": draws or 0, "seed": seed})
    if draws:
        sims = _parameter_draws(res, draws, seed)
        rhos = sims["rho"].to_numpy() if "rho" in sims.columns else np.zeros(draws)
        cache: dict[
            str, object
        ] = {}  # diag(W^t) do not depend on the parameters: computed once for all draws
        if op.n > SPILLOVER_DENSE_MAX_N:
            _power_diagonals(op.w, _series_terms(_growth(op.w, float(np.max(np.abs(rhos))))), cache)
        theta = sims[th].to_numpy() if th else np.zeros(draws)
        table = np.column_stack([rhos, sims[b].to_numpy(), theta])
        task = _DrawnRegionEffects(op.w, table, seed, cache)
        # the draws are fixed above; each chunk evaluates its rows (the seeds only index the rows)
        stack = map_chunks(task, draws, seed, backend=backend, n_jobs=n_jobs, client=client, error=ModelError)
        q = (1 - level) / 2
        lo, hi = np.quantile(stack, [q, 1 - q], axis=0)
        for k, col in enumerate(_COLUMNS):
            frame[f"{col}_lo"], frame[f"{col}_hi"] = lo[:, k], hi[:, k]
        frame = frame[[c for col in _COLUMNS for c in (col, f"{col}_lo", f"{col}_hi")]]
        frame.attrs["level"] = level
    return frame


class _DrawnRegionEffects:
    """Chunk task of :func:`spillovers`: region effects of the drawn (rho, beta, theta) rows of a chunk.  The
    chunk's rows are found from its seeds' spawn keys (child ``k`` of the root has key ``(k,)``), and the
    power-series cache is filled for the largest drawn rho before any chunk runs, so no chunk changes it."""

    def __init__(self, w: sp.csr_matrix, table: np.ndarray, seed: int, cache: dict[str, object]) -> None:
        self.w, self.table, self.seed, self.cache = w, table, seed, cache
        self.dense_max = SPILLOVER_DENSE_MAX_N  # the caller's choice of path travels with the task

    def __call__(self, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        rows = [self.table[s.spawn_key[-1]] for s in seeds]
        return np.stack(
            [
                _region_effects(
                    self.w, float(r), float(b), float(t), self.seed, self.cache, self.dense_max
                ).values
                for r, b, t in rows
            ]
        )


def _rho_of(params: pd.Series) -> float:
    return float(params["rho"]) if "rho" in params.index else 0.0


class _RegionEffects:
    """Per-region (direct, emitted, received) as an N x 3 array plus how the diagonal was obtained."""

    def __init__(self, values: np.ndarray, attrs: dict[str, object]) -> None:
        self.values = values
        self.attrs = attrs


def _region_effects(
    w: sp.csr_matrix,
    rho: float,
    beta: float,
    theta: float,
    seed: int,
    cache: dict[str, object] | None = None,
    dense_max: int | None = None,
) -> _RegionEffects:
    """``S = beta A + theta A W`` summarised per region: diagonal, off-diagonal column and row sums."""
    n = w.shape[0]
    if rho == 0.0:  # A = I: S = beta I + theta W
        diag = beta + theta * w.diagonal()
        cols = beta + theta * np.asarray(w.sum(axis=0)).ravel()
        rows = beta + theta * np.asarray(w.sum(axis=1)).ravel()
        attrs: dict[str, object] = {"diagonal_method": "exact", "diagonal_error_bound": 0.0}
    elif n <= (SPILLOVER_DENSE_MAX_N if dense_max is None else dense_max):
        wd = w.toarray()
        s = np.linalg.solve(np.eye(n) - rho * wd, beta * np.eye(n) + theta * wd)
        diag, cols, rows = np.diag(s).copy(), s.sum(axis=0), s.sum(axis=1)
        attrs = {"diagonal_method": "exact", "diagonal_error_bound": 0.0}
    else:
        diag, cols, rows, attrs = _sparse_region_effects(w, rho, beta, theta, seed, cache)
    return _RegionEffects(np.column_stack([diag, cols - diag, rows - diag]), attrs)


def _sparse_region_effects(
    w: sp.csr_matrix, rho: float, beta: float, theta: float, seed: int, cache: dict[str, object] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    from spillover.spatial._likelihood import _splu

    n = w.shape[0]
    i_minus = (sp.identity(n, format="csc") - rho * w).tocsc()
    lu = _splu(i_minus)
    ones = np.ones(n)
    u = lu.solve(ones, trans="T")  # A' 1: column sums of A (the same factors, transposed solve)
    cols = beta * u + theta * (w.T @ u)  # 1'S = beta 1'A + theta (1'A) W
    rows = lu.solve(beta * ones + theta * (w @ ones))  # S 1 = A (beta 1 + theta W 1)
    d_a, d_aw, attrs = _resolvent_diagonals(w, rho, lu, seed, cache)
    samples = attrs.pop("samples", None)
    if samples is not None:  # per-probe remainders of diag(A), diag(AW): the direct effect's standard error
        rem = beta * samples[0] + theta * samples[1]  # type: ignore[index]
        attrs["diagonal_se"] = rem.std(axis=1, ddof=1) / np.sqrt(rem.shape[1])
    return beta * d_a + theta * d_aw, cols, rows, attrs


def _resolvent_diagonals(
    w: sp.csr_matrix, rho: float, lu: object, seed: int, cache: dict[str, object] | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """``diag(A)`` and ``diag(AW)``: exact power-series terms, then a bounded tail or a probed remainder."""
    growth = _growth(w, rho)
    m = _series_terms(growth)  # terms t = 0..m of diag(A); diag(AW) needs diag(W^(m+1))
    d = _power_diagonals(w, m, cache)
    k = len(d) - 2  # terms of diag(A) (t <= k) whose diag(AW) partner (t + 1 <= k + 1) is known
    coef = rho ** np.arange(k + 1)
    d_a = np.column_stack(d[: k + 1]) @ coef
    d_aw = np.column_stack(d[1 : k + 2]) @ coef
    if k >= m:
        bound = growth ** (m + 1) / (1 - growth)
        return d_a, d_aw, {"diagonal_method": "series", "diagonal_error_bound": float(bound)}
    rem_a, rem_aw = _probed_remainder(w, rho, lu, k, seed)
    return (
        d_a + rem_a.mean(axis=1),
        d_aw + rem_aw.mean(axis=1),
        {"diagonal_method": "series+probes", "samples": (rem_a, rem_aw)},
    )


def _growth(w: sp.csr_matrix, rho: float) -> float:
    """``|rho| r`` with r the largest absolute row sum of W: the ratio of the power series' terms."""
    return abs(rho) * float(np.max(np.asarray(abs(w).sum(axis=1)).ravel()))


def _power_diagonals(w: sp.csr_matrix, m: int, cache: dict[str, object] | None) -> list[np.ndarray]:
    """Exact ``diag(W^t)`` for t = 0..min(m + 1, top) (top: what the stored sparse powers reach); cached."""
    if cache is not None and int(cache.get("m", -1)) >= m:  # type: ignore[call-overload]
        return cache["d"][: m + 2]  # type: ignore[index]
    powers = _sparse_power_list(w, (m + 2) // 2 + 1)
    top = 2 * (len(powers) - 1)
    d = [_power_diagonal(powers, t) for t in range(min(m + 1, top) + 1)]
    if cache is not None:
        cache.update(m=m, d=d)
    return d


def _series_terms(growth: float) -> int:
    """Terms m with tail ``growth^(m+1)/(1-growth) <= DIAGONAL_TOL``; a huge m when the series diverges."""
    if growth <= 0:
        return 1
    if growth >= 1:
        return 10**6
    return int(max(1, np.ceil(np.log(DIAGONAL_TOL * (1 - growth)) / np.log(growth))))


def _sparse_power_list(w: sp.csr_matrix, max_power: int) -> list[sp.csr_matrix]:
    """``[I, W, ..., W^a]`` for a <= max_power while each power stays under the non-zero budget."""
    n = w.shape[0]
    powers = [sp.identity(n, format="csr"), w.tocsr()]
    while len(powers) <= max_power:
        nxt = (powers[-1] @ w).tocsr()
        if nxt.nnz > _POWER_NNZ_PER_ROW * n:
            break
        powers.append(nxt)
    return powers


def _power_diagonal(powers: list[sp.csr_matrix], t: int) -> np.ndarray:
    """Exact ``diag(W^t)`` as the row sums of ``W^a * (W^(t-a))'`` (element-wise) with a, t-a stored."""
    top = len(powers) - 1
    a = min(top, t)
    return np.asarray(powers[a].multiply(powers[t - a].T).sum(axis=1)).ravel()


def _probed_remainder(
    w: sp.csr_matrix, rho: float, lu: object, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-probe Hutchinson samples of ``diag(A - Q)`` and ``diag((A - Q) W)``, ``Q = sum_{t<=k} rho^t W^t``.

    ``diag(M) ~ mean_p z_p * (M z_p)`` for Rademacher ``z_p`` (Bekas et al. 2007): unbiased, its error is
    driven by the off-diagonal entries of the remainder only, which are damped by ``rho^(k+1)``.  Returns
    two N x P arrays whose row means are the estimates.
    """
    n = w.shape[0]
    z = np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, DIAGONAL_PROBES))
    return z * _remainder_apply(w, rho, lu, z, k), z * _remainder_apply(w, rho, lu, w @ z, k)


def _remainder_apply(w: sp.csr_matrix, rho: float, lu: object, v: np.ndarray, k: int) -> np.ndarray:
    """``(A - sum_{t<=k} rho^t W^t) v`` column by column (SuperLU solves one vector fastest)."""
    av = np.column_stack([lu.solve(np.ascontiguousarray(v[:, p])) for p in range(v.shape[1])])  # type: ignore[attr-defined]
    qv, power = np.zeros_like(v), v
    for t in range(k + 1):
        qv += rho**t * power
        power = w @ power
    return av - qv


def effects_column(res: SpatialPanelResults, var: str, region: object) -> pd.Series:
    """Column ``j`` of ``S_k``: the effect on every region of a unit change of ``var`` in region ``j``.

    ``S_k e_j = (I - rho W)^-1 (beta_k e_j + theta_k W e_j)``, one linear solve (sparse LU for large N),
    never the N x N matrix.  The entry of ``j`` itself is its direct effect; the others sum to the
    spillover ``j`` emits (:func:`spillovers`).
    """
    b, th = _coefficients(res, var)
    ids = res._core.ids
    if region not in ids:
        raise ModelError(
            f"region {region!r} is not a region of this model; its regions are {format_items(ids.tolist())}."
        )
    op = res._core.op
    j = ids.get_loc(region)
    rhs = float(res.params[b]) * np.eye(1, op.n, j).ravel()
    if th:
        rhs = rhs + float(res.params[th]) * op.w[:, [j]].toarray().ravel()
    rho = _rho_of(res.params)
    col = op.solve(rho, rhs) if rho != 0.0 else rhs
    return pd.Series(np.asarray(col, dtype=float), index=ids.copy(), name=f"effect of {var} in {region}")
