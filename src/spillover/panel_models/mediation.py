"""Mediation and moderated mediation in fixed-effects panels, with a cluster (region) bootstrap.

Baron and Kenny's (1986) steps, each with the same fixed effects, controls and clustered errors:

    total:    y = c x + controls + FE
    a-path:   m = a x + controls + FE
    b-path:   y = c' x + b m + controls + FE

The indirect effect is ``a * b``; Sobel's (1982) and Aroian's (1947) normal tests use the delta-method
standard errors ``sqrt(b^2 s_a^2 + a^2 s_b^2)`` and ``sqrt(b^2 s_a^2 + a^2 s_b^2 + s_a^2 s_b^2)``; the
bootstrap resamples regions (new ids for repeated regions, fixed effects absorbed per copy) and gives
percentile and bias-corrected intervals, as Stata's ``sgmediation``/``bootstrap, cluster() idcluster()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import ModelError, format_items
from spillover.options import (
    CiMethod,
    MediationPath,
    Progress,
    ResampleBackend,
    check_int,
    check_option,
    check_probability,
    renamed,
)
from spillover.panel import SpatialPanel
from spillover.panel_models._bootstrap import bc_ci, cluster_bootstrap, percentile_ci
from spillover.panel_models._data import Cluster, FixedEffects, Sample, prepare
from spillover.panel_models._results import PanelResults
from spillover.panel_models.fe import as_list, fit_sample
from spillover.summary import COLUMNS, Summary

__all__ = ["mediation", "moderated_mediation", "MediationResults", "ModeratedMediationResults"]

Path = MediationPath


def _coef(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.solve(x.T @ x, x.T @ y)


def _check_mediator(panel: SpatialPanel, mediator: str) -> None:
    if mediator not in panel.variables:
        raise ModelError(
            f"mediator {mediator!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )
    col = pd.to_numeric(panel.data[mediator], errors="coerce")
    missing = col.index[col.isna().to_numpy()]
    if len(missing):
        raise ModelError(
            f"mediator {mediator!r} has {len(missing)} missing value(s) at (region, period) "
            f"{format_items(missing.tolist())}. The three mediation regressions must share one "
            "sample: fill them (SpatialPanel(..., interpolate=True)) or drop those regions/periods "
            "(SpatialPanel.subset)."
        )


def _check_names(x: str, mediator: str, y: str, controls: list[str]) -> None:
    roles = {"x": x, "mediator": mediator, "y": y}
    seen: dict[str, str] = {}
    for role, name in list(roles.items()) + [("control", c) for c in controls]:
        if name in seen:
            raise ModelError(
                f"{name!r} is given both as {seen[name]} and as {role}; each variable has one role."
            )
        seen[name] = role


def _ci(draws: np.ndarray, estimate: float, level: float) -> dict[str, tuple[float, float]]:
    return {"percentile": percentile_ci(draws, level), "bc": bc_ci(draws, estimate, level)}


@dataclass(frozen=True)
class MediationResults(ReadOnly):
    """Result of :func:`mediation` (read-only).

    Attributes
    ----------
    total, a_path, b_path
        The three regressions (:class:`PanelResults`): y on x; mediator on x; y on x and the mediator.
    a, b, c, c_prime
        The path coefficients; ``indirect = a * b``.
    sobel, aroian
        Normal tests of the indirect effect (DataFrame rows: estimate, std_error, statistic (z), p_value).
    draws
        Bootstrap draws of the indirect effect (read-only array; NaN where a draw was singular).
    ci
        ``{"percentile": (lo, hi), "bc": (lo, hi)}`` at :attr:`level`; :attr:`ci_method` is the one reported.
    """

    total: PanelResults
    a_path: PanelResults
    b_path: PanelResults
    x: str
    mediator: str
    y_name: str
    tests: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    ci: dict[str, tuple[float, float]]
    ci_method: str
    level: float
    seed: int | None

    @property
    def a(self) -> float:
        return float(self.a_path.params[self.x])

    @property
    def b(self) -> float:
        return float(self.b_path.params[self.mediator])

    @property
    def c(self) -> float:
        return float(self.total.params[self.x])

    @property
    def c_prime(self) -> float:
        return float(self.b_path.params[self.x])

    @property
    def indirect(self) -> float:
        """The indirect effect a * b."""
        return self.a * self.b

    @property
    def proportion_mediated(self) -> float:
        """a * b / c (meaningless when c is near zero or of the other sign)."""
        return self.indirect / self.c

    @property
    def bootstrap_se(self) -> float:
        """Standard deviation of the finite bootstrap draws of a * b."""
        ok = self.draws[np.isfinite(self.draws)]
        return float(ok.std(ddof=1))

    def to_frame(self) -> pd.DataFrame:
        """a, b, c, c' (regression SEs, t) and a*b (bootstrap SE, its z, and the bootstrap interval), in the
        :data:`~spillover.summary.COLUMNS` scheme."""
        rows = {}
        for name, res, var in (
            ("a", self.a_path, self.x),
            ("b", self.b_path, self.mediator),
            ("c (total)", self.total, self.x),
            ("c' (direct)", self.b_path, self.x),
        ):
            ci = res.conf_int(self.level)
            rows[name] = [
                res.params[var],
                res.std_errors[var],
                res.tstats[var],
                res.pvalues[var],
                ci.loc[var, "lower"],
                ci.loc[var, "upper"],
            ]
        lo, hi = self.ci[self.ci_method]
        z = self.indirect / self.bootstrap_se
        rows["a*b (indirect)"] = [self.indirect, self.bootstrap_se, z, 2 * stats.norm.sf(abs(z)), lo, hi]
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS))

    def summary(self) -> Summary:
        """Report: the paths, the Sobel/Aroian tests and the bootstrap intervals."""
        n_ok = int(np.isfinite(self.draws).sum())
        header = {
            "Observations": self.total.nobs,
            "Fixed effects": self.total.fixed_effects,
            "Std. errors": f"clustered by {self.total.cluster_label}",
        }
        notes = "\n".join(
            [
                f"Cluster bootstrap of a*b over regions: {n_ok} draws (seed {self.seed}), {self.level:.0%} intervals:",
                f"  percentile [{self.ci['percentile'][0]:.4f}, {self.ci['percentile'][1]:.4f}]",
                f"  bias-corrected [{self.ci['bc'][0]:.4f}, {self.ci['bc'][1]:.4f}]",
                f"Proportion mediated a*b/c: {self.proportion_mediated:.3f}",
            ]
        )
        return Summary(
            f"Mediation: {self.x} -> {self.mediator} -> {self.y_name}",
            (self.to_frame(), self.tests),
            header=header,
            notes=notes,
            captions=("Paths", "Tests of a*b"),
        )

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def steps(self) -> list[PanelResults]:
        """The three regressions in Baron-Kenny order (total, a, b), e.g. for :func:`spillover.tables.compare`."""
        return [self.total, self.a_path, self.b_path]

    # table protocol: one column with a, b, c', a*b
    @property
    def table_dependent(self) -> str:
        return self.y_name

    def table_coefficients(self) -> pd.DataFrame:
        f = self.to_frame()
        return f[["estimate", "std_error", "p_value"]]

    def table_statistics(self, digits: int = 3) -> dict[str, str]:
        lo, hi = self.ci[self.ci_method]
        name = {"bc": "BC", "percentile": "Percentile"}[self.ci_method]
        return {
            f"{name} {self.level:.0%} CI of a*b": f"[{lo:.{digits}f}, {hi:.{digits}f}]",
            "Sobel p-value": f"{self.tests.loc['Sobel', 'p_value']:.{digits}f}",
            "Bootstrap draws": str(len(self.draws)),
            "N": str(self.total.nobs),
        }


def _normal_tests(a: float, sa: float, b: float, sb: float) -> pd.DataFrame:
    base = b * b * sa * sa + a * a * sb * sb
    rows = {}
    for name, var in (("Sobel", base), ("Aroian", base + sa * sa * sb * sb)):
        se = float(np.sqrt(var))
        z = a * b / se
        rows[name] = [a * b, se, z, 2 * stats.norm.sf(abs(z))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS[:4]))


def _sample(
    panel: SpatialPanel,
    x: str,
    mediator: str,
    y: str,
    controls: list[str],
    fixed_effects: str,
    cluster: Cluster,
    extra: Sequence[str] = (),
) -> Sample:
    _check_names(x, mediator, y, controls)
    _check_mediator(panel, mediator)
    return prepare(panel, [y, mediator, x, *controls, *extra], fixed_effects=fixed_effects, cluster=cluster)


@renamed(effects="fixed_effects")
def mediation(
    panel: SpatialPanel,
    x: str,
    mediator: str,
    y: str,
    *,
    controls: str | Sequence[str] | None = None,
    fixed_effects: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    draws: int = 1000,
    seed: int | None = 0,
    ci: CiMethod = "bc",
    level: float = 0.95,
    progress: Progress = False,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> MediationResults:
    """Baron-Kenny mediation with fixed effects, Sobel/Aroian tests and a cluster bootstrap of a*b.

    Parameters
    ----------
    panel, x, mediator, y
        The panel, the treatment, the mediator and the outcome (columns).
    controls
        Further regressors in all three equations.
    fixed_effects, cluster
        As in :func:`~spillover.panel_models.fixed_effects` (the step regressions' errors).
    draws, seed
        Bootstrap draws (regions resampled with replacement; a region drawn twice gets two ids) and the
        seed of ``numpy.random.default_rng``: identical seeds give identical draws.
    ci, level
        The interval reported in tables: ``"bc"`` (bias-corrected, default) or ``"percentile"``; both are
        kept in ``result.ci``.
    progress
        False (the default): nothing; True: a rich progress bar on stderr; or a callback
        ``f(done, total)``.
    backend, n_jobs, client
        Where the bootstrap draws run: ``"serial"`` (default), ``"processes"`` (``n_jobs`` workers, every
        core when None) or ``"dask"`` (``client``, else the active ``distributed.Client``, else a
        ``LocalCluster`` started for the call; ``pip install spillover[dask]``).  Draw ``k`` uses child
        ``k`` of ``numpy.random.SeedSequence(seed)``, so every backend and worker count gives the same draws.

    Examples
    --------
    >>> import spillover as so
    >>> res = mediation(so.datasets.us_states(), x="ln_pcap", mediator="ln_emp", y="ln_gsp",
    ...                 controls=["unemp"], draws=200, seed=1, progress=False)
    >>> bool(np.isclose(res.indirect, res.a * res.b)), len(res.draws)
    (True, 200)
    """
    controls = as_list(controls, "controls")
    check_option(ci, CiMethod, "ci", error=ModelError)
    check_int(draws, "draws", minimum=2, error=ModelError)
    check_probability(level, "level", error=ModelError)
    sample = _sample(panel, x, mediator, y, controls, fixed_effects, cluster)
    total = fit_sample(sample, y, [x, *controls])
    a_path = fit_sample(sample, mediator, [x, *controls])
    b_path = fit_sample(sample, y, [x, mediator, *controls])
    a, b = float(a_path.params[x]), float(b_path.params[mediator])
    tests = _normal_tests(a, float(a_path.std_errors[x]), b, float(b_path.std_errors[mediator]))
    cols = [y, mediator, x, *controls]

    def stat(z: np.ndarray) -> np.ndarray:
        xs = np.delete(z, [0, 1], axis=1)  # x, controls (+ const)
        a_hat = _coef(xs, z[:, 1])[0]
        b_hat = _coef(np.column_stack([z[:, 1], xs]), z[:, 0])[0]
        return np.array([a_hat * b_hat])

    boot = cluster_bootstrap(
        sample,
        cols,
        stat,
        draws=draws,
        seed=seed,
        progress=progress,
        label="mediation bootstrap",
        backend=backend,
        client=client,
        n_jobs=n_jobs,
    )[:, 0]
    boot.setflags(write=False)
    return MediationResults(
        total, a_path, b_path, x, mediator, y, tests, boot, _ci(boot, a * b, level), ci, level, seed
    )


# ---------------------------------------------------------------------------------------- moderated mediation
@dataclass(frozen=True)
class ModeratedMediationResults(ReadOnly):
    """Result of :func:`moderated_mediation` (read-only).

    Attributes
    ----------
    mediator_model, outcome_model
        The two regressions (:class:`PanelResults`), interaction columns named ``"x*w"`` / ``"m*w"``.
    conditional
        Conditional indirect effects at the moderator values: value (in the moderator's own units), then
        the :data:`~spillover.summary.COLUMNS`: ``estimate``, bootstrap ``std_error``, its z and normal
        p-value, and the interval of :attr:`ci_method`.
    index
        Index of moderated mediation (Hayes 2015): ``a3 * b1`` when only the a-path is moderated,
        ``a1 * b3`` when only the b-path is, with bootstrap se and interval; None when both are (the
        indirect effect is then quadratic in the moderator and has no single index).
    """

    mediator_model: PanelResults
    outcome_model: PanelResults
    path: str
    moderator: str
    centered: bool
    conditional: pd.DataFrame
    index: pd.Series | None
    draws: np.ndarray = field(repr=False)
    ci_method: str
    level: float
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """Conditional indirect effects, and the index as a last row when defined."""
        frame = self.conditional.copy()
        if self.index is not None:
            frame.loc["index of moderated mediation"] = self.index
        return frame

    def summary(self) -> Summary:
        """Report: the mediator and outcome regressions and the conditional indirect effects."""
        title = (
            f"Moderated mediation ({self.path}-path moderated by {self.moderator}"
            f"{', centred' if self.centered else ''})"
        )
        caption = (
            f"Conditional indirect effects ({self.ci_method} {self.level:.0%} intervals, "
            f"{len(self.draws)} cluster-bootstrap draws, seed {self.seed})"
        )
        return Summary(
            title,
            (self.mediator_model.to_frame(), self.outcome_model.to_frame(), self.to_frame()),
            captions=("Mediator model", "Outcome model", caption),
        )

    def __str__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


@renamed(effects="fixed_effects")
def moderated_mediation(
    panel: SpatialPanel,
    x: str,
    mediator: str,
    y: str,
    moderator: str,
    *,
    path: Path = "a",
    controls: str | Sequence[str] | None = None,
    center: bool = False,
    values: Sequence[float] | None = None,
    fixed_effects: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    draws: int = 1000,
    seed: int | None = 0,
    ci: CiMethod = "bc",
    level: float = 0.95,
    progress: Progress = False,
    backend: ResampleBackend = "serial",
    n_jobs: int | None = None,
    client: Any = None,
) -> ModeratedMediationResults:
    """Mediation whose a-path, b-path or both depend on a moderator w (Hayes's models 7, 14 and 58).

    .. math::

        m = a_1 x + a_2 w + a_3 x w + \\text{controls} + FE \\quad (a_2 = a_3 = 0 \\text{ if only } b),

        y = c' x + b_1 m + b_2 w + b_3 m w + \\text{controls} + FE \\quad (b_2 = b_3 = 0 \\text{ if only } a),

    conditional indirect effect ``theta(w) = (a_1 + a_3 w)(b_1 + b_3 w)``.

    Parameters
    ----------
    moderator
        Column of the panel (w).  ``center=True`` centres it at its sample mean before forming the
        products (the conditional effects are still reported at values in w's own units).
    path
        ``"a"``, ``"b"`` or ``"both"``: which path the moderator acts on.
    values
        Moderator values for the conditional effects (default: mean - sd, mean, mean + sd).
    draws, seed, ci, level, progress, controls, fixed_effects, cluster, backend, n_jobs, client
        As in :func:`mediation`.
    """
    controls = as_list(controls, "controls")
    check_option(path, Path, "path", error=ModelError)
    check_option(ci, CiMethod, "ci", error=ModelError)
    check_int(draws, "draws", minimum=2, error=ModelError)
    check_probability(level, "level", error=ModelError)
    if moderator not in panel.variables:
        raise ModelError(
            f"moderator {moderator!r} is not in the panel; its variables are {format_items(panel.variables)}."
        )
    if moderator in (x, mediator, y, *controls):
        raise ModelError(f"the moderator {moderator!r} is also x, the mediator, y or a control.")
    sample = _sample(panel, x, mediator, y, controls, fixed_effects, cluster, extra=[moderator])
    w = sample.column(moderator)
    shift = float(w.mean()) if center else 0.0
    frame = sample.frame.copy()
    frame["x*w"] = sample.column(x) * (w - shift)
    frame["m*w"] = sample.column(mediator) * (w - shift)
    frame[moderator] = w - shift
    sample = Sample(
        frame,
        sample.unit,
        sample.time,
        sample.n_units,
        sample.n_times,
        sample.fixed_effects,
        sample.cluster,
        sample.clusters,
        sample.dropped,
    )
    med_x = [x, moderator, "x*w", *controls] if path in ("a", "both") else [x, *controls]
    out_x = [x, mediator, moderator, "m*w", *controls] if path in ("b", "both") else [x, mediator, *controls]
    m_fit, y_fit = fit_sample(sample, mediator, med_x), fit_sample(sample, y, out_x)
    vals = np.asarray(
        values if values is not None else [w.mean() - w.std(ddof=1), w.mean(), w.mean() + w.std(ddof=1)],
        dtype=float,
    )
    point = _theta(m_fit.params, y_fit.params, x, mediator, path, vals - shift)
    cols = [mediator, y, *dict.fromkeys(med_x + out_x)]
    pos = {c: i for i, c in enumerate(cols)}

    def stat(z: np.ndarray) -> np.ndarray:
        const = [z.shape[1] - 1] if sample.fixed_effects == "none" else []
        mi = [pos[c] for c in med_x] + const
        yi = [pos[c] for c in out_x] + const
        pm = pd.Series(_coef(z[:, mi], z[:, pos[mediator]])[: len(med_x)], index=med_x)
        py = pd.Series(_coef(z[:, yi], z[:, pos[y]])[: len(out_x)], index=out_x)
        return _theta(pm, py, x, mediator, path, vals - shift)

    boot = cluster_bootstrap(
        sample,
        cols,
        stat,
        draws=draws,
        seed=seed,
        progress=progress,
        label="moderated mediation bootstrap",
        backend=backend,
        client=client,
        n_jobs=n_jobs,
    )
    boot.setflags(write=False)
    names = [f"w = {v:.4g}" for v in vals]
    cond = _interval_frame(point[: len(vals)], boot[:, : len(vals)], names, ci, level)
    cond.insert(0, "value", vals)
    index = None
    if path != "both":
        index = _interval_frame(point[-1:], boot[:, -1:], ["index"], ci, level).iloc[0]
        index["value"] = np.nan
        index = index[cond.columns]
    return ModeratedMediationResults(
        m_fit, y_fit, path, moderator, center, cond, index, boot, ci, level, seed
    )


def _theta(pm: pd.Series, py: pd.Series, x: str, mediator: str, path: str, w: np.ndarray) -> np.ndarray:
    a1, b1 = pm[x], py[mediator]
    a3 = pm["x*w"] if path in ("a", "both") else 0.0
    b3 = py["m*w"] if path in ("b", "both") else 0.0
    theta = (a1 + a3 * w) * (b1 + b3 * w)
    index = {"a": a3 * b1, "b": a1 * b3}.get(path)
    return np.append(theta, index) if index is not None else theta


def _interval_frame(
    point: np.ndarray, boot: np.ndarray, names: list[str], ci: str, level: float
) -> pd.DataFrame:
    rows = []
    for j, est in enumerate(point):
        col = boot[:, j]
        lo, hi = bc_ci(col, est, level) if ci == "bc" else percentile_ci(col, level)
        se = float(np.nanstd(col, ddof=1))
        z = est / se if se > 0 else np.nan
        rows.append([est, se, z, 2 * stats.norm.sf(abs(z)), lo, hi])
    return pd.DataFrame(rows, index=names, columns=list(COLUMNS))
