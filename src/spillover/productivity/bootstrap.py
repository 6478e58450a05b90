"""Smoothed bootstrap for DEA scores (Simar and Wilson 1998) and Malmquist indices (Simar and Wilson 1999).

Work is done on Shephard distances delta = 1 / te >= 1 (te = theta for input orientation, 1/phi for output
orientation), whose density has a boundary at 1; the smoothed bootstrap draws from a kernel estimate of that
density made consistent at the boundary by reflection.

Bandwidth rule (stated once, used everywhere)
---------------------------------------------
DEA scores: Silverman's robust normal-reference rule computed on the 2m reflected values
R = {delta_j, 2 - delta_j} of the m inefficient units (delta > 1 + 1e-6; the spike of efficient units at 1
would shrink the spread), ``h_R = 0.9 * min(sd_R, IQR_R / 1.349) * (2m)^(-1/5)``, then carried back to the
original sample by the two adjustments of Daraio and Simar (2007, p. 61, eqs. 3.23-3.26; the rule
``Benchmarking::dea.boot`` implements): the size factor ``(2m / n)^(1/5)`` (R has 2m points, the data n) and
the scale factor ``sd(delta) / sd_R`` (R is spread around 1, the data around their mean):
``h = h_R * (2m / n)^(1/5) * sd(delta) / sd_R``.
Malmquist (bivariate, periods t and t+1): the normal-reference rule for d = 2,
``h = (4 / ((d + 2) n))^(1 / (d + 4)) = n^(-1/6)``, with the kernel's covariance the sample covariance of the
(delta_t, delta_t+1) pairs, so that the bootstrap keeps their correlation over time (Simar and Wilson 1999).

One replicate (Simar and Wilson 1998, algorithm of section 4, in the form of Daraio and Simar 2007, p. 62):
draw beta_i* with replacement from the 2n reflected values {delta_j, 2 - delta_j}; smooth and correct the
variance, delta_i = beta_bar + (beta_i* + h eps_i - beta_bar) / sqrt(1 + h^2 / var(reflected)), with
beta_bar the mean of the draws; fold values below 1 back (2 - delta); build pseudo data on the ray of each
unit, x_i* = x_i delta_i* / delta_i (input orientation) or y_i* = y_i delta_i / delta_i* (output
orientation); re-estimate the original units' scores against the pseudo frontier.
bias = mean(delta*) - delta; bias-corrected delta = 2 delta - mean(delta*); (1 - alpha) interval:
[delta - q(1 - alpha/2), delta - q(alpha/2)] with q the quantiles of delta* - delta.
Results are reported back on the te scale (te = 1 / delta) and, for Malmquist, on the index scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spillover._parallel import map_chunks
from spillover._readonly import ReadOnly
from spillover.errors import DEAError
from spillover.options import Progress, check_int, check_option, check_probability, renamed
from spillover.productivity import _common as C
from spillover.productivity import _engine as E
from spillover.productivity._validate import normaliser
from spillover.productivity.dea import RTS, Orientation, dea
from spillover.productivity.malmquist import malmquist
from spillover.summary import Summary

__all__ = [
    "bootstrap_dea",
    "bootstrap_malmquist",
    "BootstrapResult",
    "MalmquistBootstrapResult",
    "silverman_reflected_bandwidth",
]


def silverman_reflected_bandwidth(delta: np.ndarray) -> float:
    """Bandwidth of the reflected kernel density of Shephard distances (see the module docstring).

    Six units, one efficient: the m = 5 inefficient deltas reflected about 1 have sd_R = 0.4784 and
    IQR_R / 1.349 = 0.4077 (smaller, so it is used); sd of all six deltas = 0.2927, so
    h = 0.9 * 0.4077 * 10^(-1/5) * (10 / 6)^(1/5) * 0.2927 / 0.4784 = 0.1569.

    Examples
    --------
    >>> round(silverman_reflected_bandwidth(np.array([1.0, 1.2, 1.5, 1.1, 1.8, 1.3])), 4)
    0.1569
    """
    d = np.asarray(delta, float)
    d = d[np.isfinite(d)]
    inner = d[d > 1 + 1e-6]
    if len(inner) < 5:  # too few inefficient units to estimate a spread without the spike at 1
        inner = d
    refl = np.concatenate([inner, 2.0 - inner])
    sd_r = np.std(refl, ddof=1)
    iqr = np.subtract(*np.percentile(refl, [75, 25])) / 1.349
    spread = min(sd_r, iqr) if iqr > 0 else sd_r
    if sd_r == 0:
        return 0.0
    h_r = 0.9 * spread * len(refl) ** (-0.2)
    return float(h_r * (len(refl) / len(d)) ** 0.2 * np.std(d, ddof=1) / sd_r)


@dataclass(frozen=True)
class BootstrapResult(ReadOnly):
    """Simar-Wilson (1998) bootstrap of DEA scores.

    ``efficiency``, ``bias_corrected``, ``lower``, ``upper`` and ``replicates`` are on the te scale
    (te = 1/delta); ``bias`` and ``std`` are on the delta scale where the bootstrap works (the bias is
    negative: pseudo frontiers lie inside the estimated one, so replicate deltas are smaller).
    """

    efficiency: pd.Series
    bias_corrected: pd.Series
    bias: pd.Series
    std: pd.Series
    lower: pd.Series
    upper: pd.Series
    replicates: pd.DataFrame
    bandwidth: float
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """te, bias-corrected te, bias and std (delta scale), and the (1 - alpha) interval."""
        return pd.DataFrame(
            {
                "te": self.efficiency,
                "te_bc": self.bias_corrected,
                "bias": self.bias,
                "std": self.std,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def summary(self) -> Summary:
        """Mean, min and max over the units of each column of :meth:`to_frame` (the notebook display)."""
        header = {
            "units": len(self.efficiency),
            "draws": len(self.replicates),  # one row per replicate, one column per unit
            "bandwidth": self.bandwidth,
            "alpha": self.alpha,
        }
        return Summary(
            "Simar-Wilson bootstrap of DEA efficiency",
            (self.to_frame().agg(["mean", "min", "max"]),),
            header,
            captions=("Over the units",),
        )


def _draw_deltas(delta: np.ndarray, h: float, rng: np.random.Generator) -> np.ndarray:
    """One smoothed, reflected, variance-corrected draw of n Shephard distances (SW 1998; Daraio and Simar
    2007, p. 62): draw from the reflected sample, smooth, shrink to its variance, fold back above 1."""
    n = len(delta)
    refl = np.concatenate([delta, 2.0 - delta])
    beta = refl[rng.integers(0, 2 * n, n)]
    var = np.var(refl, ddof=1)
    shrink = 1.0 / np.sqrt(1.0 + h * h / var) if var > 0 else 1.0
    bar = beta.mean()
    draw = bar + (beta + h * rng.standard_normal(n) - bar) * shrink
    return np.where(draw < 1.0, 2.0 - draw, draw)


def _pseudo(
    x: np.ndarray,
    y: np.ndarray,
    delta: np.ndarray,
    star: np.ndarray,
    orientation: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo data on each unit's ray with distance ``star`` (variables x units)."""
    if orientation == "input":
        return x * (star / delta)[None, :], y
    return x, y * (delta / star)[None, :]


def _replicate_scores(
    x: np.ndarray,
    y: np.ndarray,
    refs: list[tuple[np.ndarray, np.ndarray]],
    rts: str,
    orientation: str,
) -> np.ndarray:
    """Deltas of the original units against each pseudo frontier (picklable task)."""
    out = np.empty((len(refs), x.shape[1]))
    for b, (xr, yr) in enumerate(refs):
        front = E.frontier_set(xr, yr, rts)
        score = E.radial_scores(xr[:, front], yr[:, front], x, y, rts, orientation)["score"]
        out[b] = 1.0 / score if orientation == "input" else score
    return out


AUTO_WORK = 20_000  # units x replicates from which backend="auto" may use a process pool


def _resolve(backend: str, work: int, n_jobs: int | None) -> str:
    """``"auto"``: processes for heavy bootstraps, serial for light ones (a pool costs more than it saves)."""
    return E.resolve_backend(backend, E.AUTO_PROCESSES if work >= AUTO_WORK else 0, n_jobs)


def _run(
    chunk: Any,
    draws: int,
    seed: int | np.random.SeedSequence | None,
    backend: str,
    n_jobs: int | None,
    client: Any,
    progress: Progress,
    desc: str,
) -> np.ndarray:
    """The replicates on :mod:`spillover._parallel` (not the engine's Executor: the replicates are
    resampling draws, each with its own SeedSequence child, in chunks fixed by ``draws``)."""
    return map_chunks(
        chunk,
        draws,
        seed,
        backend=backend,  # type: ignore[arg-type]
        client=client,
        n_jobs=n_jobs,
        progress=progress,
        label=desc,
        error=DEAError,
    )


class _DeaReplicates:
    """Chunk task of :func:`bootstrap_dea`: each draw's pseudo sample from its own generator, then the
    deltas of the selected original units against its frontier (picklable: the process and Dask backends)."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        delta: np.ndarray,
        h: float,
        sel: np.ndarray,
        rts: str,
        orientation: str,
    ) -> None:
        self.x, self.y, self.delta, self.h, self.sel = x, y, delta, h, sel
        self.rts, self.orientation = rts, orientation

    def __call__(self, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        refs = [
            _pseudo(
                self.x,
                self.y,
                self.delta,
                _draw_deltas(self.delta, self.h, np.random.default_rng(s)),
                self.orientation,
            )
            for s in seeds
        ]
        return _replicate_scores(self.x[:, self.sel], self.y[:, self.sel], refs, self.rts, self.orientation)


def _summaries(delta: np.ndarray, stars: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Bias, bias-corrected value, std and basic (SW) interval of a statistic from its replicates."""
    mean = np.nanmean(stars, axis=0)
    diff = stars - delta[None, :]
    lo_q, hi_q = np.nanquantile(diff, [alpha / 2, 1 - alpha / 2], axis=0)
    return {
        "bias": mean - delta,
        "bc": 2 * delta - mean,
        "std": np.nanstd(stars, axis=0, ddof=1),
        "lo": delta - hi_q,
        "hi": delta - lo_q,
    }


@renamed(n_boot="draws")
def bootstrap_dea(
    inputs: Any,
    outputs: Any,
    *,
    rts: RTS = "vrs",
    orientation: Orientation = "input",
    draws: int = 200,
    alpha: float = 0.05,
    seed: int | None = None,
    bandwidth: float | None = None,
    names: Sequence[Any] | None = None,
    units: Sequence[Any] | None = None,
    progress: Progress = False,
    backend: E.Backend = "auto",
    n_jobs: int | None = None,
    client: Any = None,
) -> BootstrapResult:
    """Simar and Wilson (1998) smoothed bootstrap of DEA efficiency scores.

    Parameters
    ----------
    inputs, outputs, rts, orientation, names
        As in :func:`spillover.productivity.dea`.
    draws
        Number of bootstrap replicates (Simar and Wilson suggest 2000 for intervals).
    alpha
        1 - confidence level of the intervals.
    seed
        Seed (None, a non-negative int): replicate ``k`` draws its pseudo sample with
        ``numpy.random.default_rng`` of child ``k`` of ``numpy.random.SeedSequence(seed)``
        (:mod:`spillover._parallel`), so every backend and worker count gives the same replicates.
    bandwidth
        Kernel bandwidth on the delta scale (default: the reflected Silverman rule of the module docstring).
    units
        Names of the units whose efficiency is bootstrapped (default: all).  Every unit still enters the
        bandwidth and the pseudo samples, so the results for these units are exactly those of the full run
        with the same seed; only the replicate LPs of the other units are skipped (Simar and Wilson's Monte
        Carlo designs evaluate a few fixed points the same way).
    progress
        ``True`` shows a progress bar (rich, on stderr), a callable ``update(done, total)`` gets the counts;
        ``False`` (the default) shows nothing.
    backend, n_jobs, client
        Replicates are solved in parallel chunks (fixed by ``draws``) on ``"processes"`` (``n_jobs``
        workers) or ``"dask"`` (``client``, else the active ``distributed.Client``, else a ``LocalCluster``
        started for the call); ``"auto"`` (default) uses processes from 20,000 unit-replicates (units x
        draws) when at least two cores are free (usable cores minus the load average).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(1, 10, (30, 2))
    >>> y = np.sqrt(x.prod(axis=1, keepdims=True)) * rng.uniform(0.6, 1, (30, 1))
    >>> res = bootstrap_dea(x, y, draws=20, seed=0, progress=False)
    >>> bool((res.bias_corrected <= res.efficiency + 1e-12).all())  # DEA overestimates efficiency
    True
    """
    check_option(rts, RTS, "rts", error=DEAError)
    check_option(orientation, Orientation, "orientation", error=DEAError)
    check_option(backend, E.Backend, "backend", error=DEAError)
    check_int(draws, "draws", minimum=2, error=DEAError)
    check_probability(alpha, "alpha", error=DEAError)
    base = dea(inputs, outputs, rts=rts, orientation=orientation, slacks="none", names=names, scale=False)
    X, Y = base.inputs.to_numpy().T, base.outputs.to_numpy().T
    sx, sy = normaliser(X), normaliser(Y)
    x, y = X / sx[:, None], Y / sy[:, None]
    delta = 1.0 / base.efficiency.to_numpy()
    h = silverman_reflected_bandwidth(delta) if bandwidth is None else float(bandwidth)
    sel = _selected(base.names, units)
    resolved = _resolve(backend, len(sel) * draws, n_jobs)
    task = _DeaReplicates(x, y, delta, h, sel, rts, orientation)
    stars = _run(task, draws, seed, resolved, n_jobs, client, progress, "bootstrap DEA")
    s = _summaries(delta[sel], stars, alpha)
    idx = base.names[sel]

    def te(v: np.ndarray, name: str) -> pd.Series:
        return pd.Series(1.0 / v, index=idx, name=name)

    return BootstrapResult(
        efficiency=base.efficiency.iloc[sel],
        bias_corrected=te(s["bc"], "te_bc"),
        bias=pd.Series(s["bias"], index=idx, name="bias"),
        std=pd.Series(s["std"], index=idx, name="std"),
        lower=te(s["hi"], "lower"),
        upper=te(s["lo"], "upper"),
        replicates=pd.DataFrame(1.0 / stars, columns=idx),
        bandwidth=h,
        alpha=alpha,
    )


def _selected(names: pd.Index, units: Sequence[Any] | None) -> np.ndarray:
    """Positions of ``units`` among ``names`` (all when None); unknown or repeated names raise DEAError."""
    if units is None:
        return np.arange(len(names))
    wanted = pd.Index(list(units))
    pos = names.get_indexer(wanted)
    if (pos < 0).any():
        raise DEAError(f"units not in the data: {list(wanted[pos < 0][:5])}.")
    if len(wanted) == 0 or wanted.has_duplicates:
        raise DEAError("units must name at least one unit, each once.")
    return pos


# ------------------------------------------------------------------------------------------- Malmquist
@dataclass(frozen=True)
class MalmquistBootstrapResult(ReadOnly):
    """Simar-Wilson (1999) bootstrap of effch, techch, tfpch, pech and sech per (unit, later period).

    ``table`` has, for each index, the estimate, the bias-corrected value, lower/upper bounds and
    ``significant`` (the interval excludes 1).
    """

    table: pd.DataFrame
    bandwidth: pd.Series
    alpha: float
    draws: int

    def index(self, name: str) -> pd.DataFrame:
        """The columns of one index ("tfpch", "effch", "techch", "pech" or "sech")."""
        return self.table[name]

    def summary(self) -> Summary:
        """Per index: mean estimate and bias-corrected value over (unit, period), and how many intervals
        exclude 1 (the notebook display)."""
        table = self.table
        names = list(dict.fromkeys(table.columns.get_level_values(0)))
        rows = {
            name: {
                "estimate": table[name]["estimate"].mean(),
                "bias_corrected": table[name]["bias_corrected"].mean(),
                "significant": int(table[name]["significant"].sum()),
            }
            for name in names
        }
        header = {"observations": len(table), "draws": self.draws, "alpha": self.alpha}
        return Summary(
            "Simar-Wilson bootstrap of the Malmquist index",
            (pd.DataFrame.from_dict(rows, orient="index"),),
            header,
            captions=("Means over (unit, period); significant: intervals excluding 1",),
        )


def _pair_draw(d: np.ndarray, h: float, rng: np.random.Generator) -> np.ndarray:
    """Bivariate smoothed, reflected draw of (delta_t, delta_t+1) pairs (SW 1999), d is n x 2."""
    n = len(d)
    beta = d[rng.integers(0, n, n)]
    cov = np.cov(d.T) + 1e-12 * np.eye(2)
    eps = rng.standard_normal((n, 2)) @ np.linalg.cholesky(cov).T
    bar = beta.mean(axis=0)
    draw = bar + (beta + h * eps - bar) / np.sqrt(1.0 + h * h)
    return np.where(draw < 1.0, 2.0 - draw, draw)


def _pair_task(
    x0: np.ndarray,
    y0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    refs: list[tuple],
    orientation: str,
) -> np.ndarray:
    """effch, techch, tfpch (CRS pseudo frontiers) and pech, sech (VRS pseudo frontiers) of the original
    data (B x 5 x n)."""
    out = np.empty((len(refs), 5, x0.shape[1]))
    for b, (xa, ya, xb, yb, va, wa, vb, wb) in enumerate(refs):
        aa, ab = _te_against(xa, ya, "crs", orientation, (x0, y0), (x1, y1))
        ba, bb = _te_against(xb, yb, "crs", orientation, (x0, y0), (x1, y1))
        (vaa,) = _te_against(va, wa, "vrs", orientation, (x0, y0))
        (vbb,) = _te_against(vb, wb, "vrs", orientation, (x1, y1))
        effch = bb / aa
        techch = np.sqrt((ab / bb) * (aa / ba))
        pech = vbb / vaa
        out[b] = np.vstack([effch, techch, effch * techch, pech, effch / pech])
    return out


class _PairReplicates:
    """Chunk task of :func:`bootstrap_malmquist` for one pair of periods: each draw's generator gives the CRS
    pseudo pair, then the VRS one; then :func:`_pair_task` on them (picklable)."""

    def __init__(
        self,
        x0: np.ndarray,
        y0: np.ndarray,
        x1: np.ndarray,
        y1: np.ndarray,
        pair: np.ndarray,
        vpair: np.ndarray,
        h: float,
        orientation: str,
    ) -> None:
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1
        self.pair, self.vpair, self.h, self.orientation = pair, vpair, h, orientation

    def __call__(self, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        x0, y0, x1, y1, o = self.x0, self.y0, self.x1, self.y1, self.orientation
        refs = []
        for s in seeds:
            rng = np.random.default_rng(s)
            star = _pair_draw(self.pair, self.h, rng)
            vstar = _pair_draw(self.vpair, self.h, rng)
            xa, ya = _pseudo(x0, y0, self.pair[:, 0], star[:, 0], o)
            xb, yb = _pseudo(x1, y1, self.pair[:, 1], star[:, 1], o)
            va, wa = _pseudo(x0, y0, self.vpair[:, 0], vstar[:, 0], o)
            vb, wb = _pseudo(x1, y1, self.vpair[:, 1], vstar[:, 1], o)
            refs.append((xa, ya, xb, yb, va, wa, vb, wb))
        return _pair_task(x0, y0, x1, y1, refs, o)


def _te_against(xr: np.ndarray, yr: np.ndarray, rts: str, orientation: str, *evals: tuple) -> list:
    """te (<= 1 in sample) of each (x, y) in ``evals`` against the technology of ``(xr, yr)``."""
    f = E.frontier_set(xr, yr, rts)
    out = []
    for xe, ye in evals:
        s = E.radial_scores(xr[:, f], yr[:, f], xe, ye, rts, orientation)["score"]
        out.append(s if orientation == "input" else 1.0 / s)
    return out


@renamed(n_boot="draws")
def bootstrap_malmquist(
    data: Any,
    *,
    id: str | None = None,
    time: str | None = None,
    inputs: Sequence[str],
    outputs: Sequence[str],
    orientation: Orientation = "input",
    draws: int = 200,
    alpha: float = 0.05,
    seed: int | None = None,
    progress: Progress = False,
    backend: E.Backend = "auto",
    n_jobs: int | None = None,
    client: Any = None,
) -> MalmquistBootstrapResult:
    """Simar and Wilson (1999) bootstrap of the Malmquist index (adjacent frontiers, CRS distances).

    effch, techch and tfpch (from CRS pseudo frontiers) and pech and sech (from VRS pseudo frontiers generated
    the same way from the VRS distances) get bias-corrected estimates and (1 - alpha) intervals.  Replicate
    ``j`` of the pair of periods ``k`` draws the CRS, then the VRS pseudo pair with ``numpy.random.default_rng``
    of child ``j`` of child ``k`` of ``numpy.random.SeedSequence(seed)``; ``backend``, ``n_jobs``, ``client``
    as in :func:`bootstrap_dea` (identical replicates on every backend).

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"u": np.tile(np.arange(15), 2), "t": np.repeat([1, 2], 15),
    ...                    "x": rng.uniform(1, 5, 30)})
    >>> df["y"] = df["x"] * rng.uniform(0.5, 1.0, 30) * np.where(df["t"] == 2, 1.1, 1.0)
    >>> res = bootstrap_malmquist(df, id="u", time="t", inputs=["x"], outputs=["y"], draws=10, seed=0,
    ...                           progress=False)
    >>> res.table["tfpch"].columns.tolist()
    ['estimate', 'bias_corrected', 'lower', 'upper', 'significant']
    """
    check_option(orientation, Orientation, "orientation", error=DEAError)
    check_option(backend, E.Backend, "backend", error=DEAError)
    check_int(draws, "draws", minimum=2, error=DEAError)
    check_probability(alpha, "alpha", error=DEAError)
    point = malmquist(data, id=id, time=time, inputs=inputs, outputs=outputs, orientation=orientation)
    frame, id_, time_ = C.long_frame(data, id, time)
    units, periods, X, Y = C.cube(frame, id_, time_, list(inputs), list(outputs))
    T = len(periods)
    sx, sy = normaliser(*list(X)), normaliser(*list(Y))
    Xn, Yn = X / sx[None, :, None], Y / sy[None, :, None]
    d = point.distances["crs"].unstack(time_).reindex(index=units, columns=periods).to_numpy()
    delta = 1.0 / d  # Shephard distances, units x periods
    dv = point.distances["vrs"].unstack(time_).reindex(index=units, columns=periods).to_numpy()
    delta_v = 1.0 / dv  # VRS, for pech and sech
    resolved = _resolve(backend, len(units) * draws, n_jobs)
    pair_seeds = np.random.SeedSequence(seed).spawn(T - 1)  # one root per pair of periods
    tables, bws = [], {}
    for k in range(T - 1):
        pair = delta[:, [k, k + 1]]
        h = len(pair) ** (-1 / 6)
        bws[periods[k + 1]] = h
        task = _PairReplicates(
            Xn[k], Yn[k], Xn[k + 1], Yn[k + 1], pair, delta_v[:, [k, k + 1]], h, orientation
        )
        desc = f"bootstrap Malmquist {periods[k + 1]}"
        stars = _run(task, draws, pair_seeds[k], resolved, n_jobs, client, progress, desc)
        tables.append(_pair_table(point, stars, units, periods[k + 1], alpha, time_))
    return MalmquistBootstrapResult(
        table=pd.concat(tables).sort_index(level=0, sort_remaining=False),
        bandwidth=pd.Series(bws, name="bandwidth"),
        alpha=alpha,
        draws=draws,
    )


def _pair_table(
    point: Any, stars: np.ndarray, units: pd.Index, period: Any, alpha: float, time_: str
) -> pd.DataFrame:
    est = point.indices.xs(period, level=time_).reindex(units)
    cols = {}
    for j, name in enumerate(["effch", "techch", "tfpch", "pech", "sech"]):
        m = est[name].to_numpy()
        s = _summaries(m, stars[:, j, :], alpha)
        cols[name] = pd.DataFrame(
            {
                "estimate": m,
                "bias_corrected": s["bc"],
                "lower": s["lo"],
                "upper": s["hi"],
                "significant": (s["lo"] > 1) | (s["hi"] < 1),
            }
        )
    out = pd.concat(cols, axis=1)
    out.index = pd.MultiIndex.from_product([units, [period]], names=[units.name, time_])
    return out
