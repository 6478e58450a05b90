"""Run a validated study: data -> indicators -> TFP -> weights -> Moran -> disparity, convergence and Markov
chains (:mod:`spillover.study._disparity_steps`) -> LM -> models and tests -> effects -> panel models ->
figures -> outputs.

Each step is a function ``step(ctx)`` that reads what earlier steps left in the :class:`_Context` and adds
its tables, figures and report sections.  Steps a study does not ask for are skipped (and the report says so
only where a reader would look for them).  Everything random is seeded from ``[study].seed``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from spillover import esda, maps, spatial, tables
from spillover import weights as wmod
from spillover.errors import MapWarning, SpilloverError
from spillover.options import Kind, warn
from spillover.panel import SpatialPanel
from spillover.study import _disparity_steps as dsteps
from spillover.study import _hotspot_steps as hsteps
from spillover.study import figures as figs
from spillover.study._causal_steps import causal_step
from spillover.study._inference_steps import model_choice_step
from spillover.study.progress import ProgressCallback, StepEvent, silent
from spillover.study.results import Section, StudyFigure, StudyTable, display_table
from spillover.study.validate import ModelSpec, Study
from spillover.summary import Summary

__all__ = ["compute", "STEPS"]


@dataclass
class _Context:
    study: Study
    figure_format: str
    dpi: int
    panel: SpatialPanel | None = None
    weights: dict[str, Any] = field(default_factory=dict)
    # [weights.*] entries with by_period = true: {name: {period: Graph}}, the W of the [[models]] that use them
    # (every other section takes one W: the entry's W over the whole panel, in ``weights``)
    weights_by_period: dict[str, dict[Any, Any]] = field(default_factory=dict)
    moran: dict[str, pd.DataFrame] = field(default_factory=dict)
    lisa: dict[tuple[str, Any], Any] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    specs: dict[str, ModelSpec] = field(default_factory=dict)
    spillovers: dict[str, pd.DataFrame] = field(default_factory=dict)
    map_model: str | None = None
    tables: dict[str, StudyTable] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    warned_no_cjk: bool = False  # [report] language = "zh" without a CJK font: one warning per run

    def section(self, sid: str, title: str) -> Section:
        if sid not in self.sections:
            self.sections[sid] = Section(sid, title)
        return self.sections[sid]

    def add_table(
        self,
        section: Section,
        name: str,
        frame: pd.DataFrame,
        title: str,
        notes: str = "",
        display: Summary | None = None,
        digits: int = 4,
    ) -> StudyTable:
        table = StudyTable(name, frame, display or display_table(frame, title, notes, digits))
        self.tables[name] = table
        section.table(table)
        return table

    def add_figure(self, section: Section, name: str, fig: Any, title: str, caption: str = "") -> None:
        language = self.study.options("report")["language"]
        # the report's own words inside the figure: only where the glyphs exist; else English, said once
        if not figs.translate_figure(fig, language) and not self.warned_no_cjk:
            self.warned_no_cjk = True
            warn(
                f"[report] language = {language!r}: no font with Chinese glyphs is installed, so the figures "
                "keep their English titles (the report's headings and tables are in Chinese). Install one "
                "(Debian/Ubuntu: apt-get install fonts-noto-cjk) and run the study again.",
                MapWarning,
            )
        data, mime = figs.render(fig, self.figure_format, self.dpi)
        section.figure(StudyFigure(name, title, mime, data, caption))

    @property
    def seed(self) -> int:
        return self.study.seed


# ---------------------------------------------------------------------- steps
def _data(ctx: _Context) -> str:
    from spillover.study.data import load_panel

    panel = load_panel(ctx.study)
    ctx.panel = panel
    sec = ctx.section("data", "Data")
    if ctx.study.options("study")["simulated"]:
        sec.text(
            "SIMULATED DATA: every number in this report comes from a simulated panel, not from "
            "real statistics."
        )
    sec.pre(panel.describe())
    numeric = [v for v in panel.variables if pd.api.types.is_numeric_dtype(panel.data[v])]
    return f"{panel.n_regions} regions x {panel.n_periods} periods, {len(numeric)} numeric variables"


def _describe_variables(ctx: _Context) -> None:
    panel = ctx.panel
    assert panel is not None
    numeric = [v for v in panel.variables if pd.api.types.is_numeric_dtype(panel.data[v])]
    stats = panel.data[numeric].agg(["count", "mean", "std", "min", "max"]).T
    stats["count"] = stats["count"].astype(int)
    units = {v: ctx.study.units(v) for v in numeric}
    if any(units.values()):  # [data] units, beside the numbers they describe
        stats.insert(0, "units", [units[v] or "" for v in numeric])
    stats.index.name = "variable"
    ctx.add_table(
        ctx.section("data", "Data"),
        "descriptive_statistics",
        stats,
        "Descriptive statistics (all regions and periods)",
    )


def _indicators(ctx: _Context) -> str:
    from spillover import indicators as ind

    panel = ctx.panel
    assert panel is not None
    sec = ctx.section("indicators", "Indicators")
    built = {}
    for name, e in ctx.study.indicators.items():
        kind = e["type"]
        if kind == "entropy":
            res = ind.entropy_index(
                panel,
                e["directions"],
                dimensions=e.get("dimensions"),
                pooling=e["pooling"],
                basis=e["basis"],
                scale=e["scale"],
                shift=e["shift"],
                name=name,
            )
            built[name] = res.scores
            ctx.add_table(
                sec,
                f"entropy_weights_{name}",
                res.evaluation_table(),
                f"Entropy-weight evaluation system of {name}",
            )
        elif kind == "coagglomeration":
            built[name] = ind.coagglomeration(panel, e["sector_a"], e["sector_b"], e["total"]).rename(name)
        elif kind == "location_quotient":
            built[name] = ind.location_quotient(panel, e["sector"], e["total"]).rename(name)
        elif kind == "ellison_glaeser":
            series = ind.ellison_glaeser(panel, e["sector_a"], e["sector_b"])
            ctx.add_table(sec, f"eg_{name}", series.to_frame(name), f"Ellison-Glaeser index {name} by period")
        else:
            series = ind.spatial_gini(panel, e["sector"], total=e.get("total"), method=e["method"])
            ctx.add_table(sec, f"gini_{name}", series.to_frame(name), f"Spatial Gini {name} by period")
    if built:
        ctx.panel = panel.with_data(pd.DataFrame(built))
    return f"{len(ctx.study.indicators)} indicator(s)"


def _tfp(ctx: _Context) -> str:
    from spillover import productivity

    spec = ctx.study.section("tfp")
    assert spec is not None and ctx.panel is not None
    res = productivity.malmquist(
        ctx.panel,
        inputs=spec["inputs"],
        outputs=spec["outputs"],
        orientation=spec["orientation"],
        frontier=spec["frontier"],
    )
    ctx.panel = ctx.panel.with_data(res.to_panel_frame())
    sec = ctx.section("tfp", "Productivity: Malmquist TFP")
    sec.text(
        f"Outputs {', '.join(spec['outputs'])}; inputs {', '.join(spec['inputs'])}; "
        f"{spec['orientation']} orientation, {spec['frontier']} frontiers (DEAP 2.1 conventions). "
        "Indices are geometric means over regions; 'tfp' (cumulative index) enters the panel."
    )
    ctx.add_table(
        sec, "malmquist_by_period", res.summary().frame, "Malmquist indices by period (geometric means)"
    )
    ctx.add_table(sec, "malmquist_by_region", res.unit_means, "Malmquist indices by region (geometric means)")
    return f"mean tfpch {float(res.mean['tfpch']):.4f}"


def _weights(ctx: _Context) -> str:
    assert ctx.panel is not None
    sec = ctx.section("weights", "Spatial weights")
    rows = {}
    for name, e in ctx.study.weights.items():
        w = build_weights(ctx.study, ctx.panel, e)
        ctx.weights[name] = w
        s = wmod.describe(w)
        rows[e.get("label", name)] = _summary_row(e, s)
        if e.get("by_period"):
            ctx.weights_by_period[name] = build_weights_by_period(ctx.panel, e)
            rows[e.get("label", name)]["by_period"] = f"{len(ctx.weights_by_period[name])} periods"
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "weights"
    ctx.add_table(sec, "weights", frame, "Spatial weights")
    return f"{len(ctx.weights)} matri{'x' if len(ctx.weights) == 1 else 'ces'}"


def _summary_row(spec: dict[str, Any], summary: Any) -> dict[str, Any]:
    row = {"kind": spec["kind"], "transform": spec["transform"]}
    for attr in ("n", "n_links", "mean_neighbors", "min_neighbors", "max_neighbors", "n_islands"):
        if hasattr(summary, attr):
            row[attr] = getattr(summary, attr)
    return row


def build_weights(study: Study, panel: SpatialPanel, e: dict[str, Any]) -> Any:
    """One [weights.<name>] entry as a libpysal Graph in the panel's order."""
    options = {key: value for key, value in e.items() if key not in ("kind", "label", "by_period", "span")}
    if "path" in options:
        options["path"] = study.resolve(options["path"])
    if "window" in options:
        options["window"] = tuple(options["window"])  # [first, last]: a range of periods
    return wmod.from_spec(panel, e["kind"], **options)


def build_weights_by_period(panel: SpatialPanel, e: dict[str, Any]) -> dict[Any, Any]:
    """One ``by_period = true`` economic or nested entry: ``{period: Graph}`` (``weights.by_period``, each
    period's W from that period and the ``span - 1`` before it)."""
    skip = ("kind", "label", "by_period", "span", "var", "window")
    options = {key: value for key, value in e.items() if key not in skip}
    return wmod.by_period(panel, e["var"], kind=e["kind"], span=e["span"], **options)


def model_weights(ctx: _Context, m: ModelSpec) -> dict[str, Any]:
    """The weights of a model: ``w`` (time-varying with a by_period entry) and, with ``w_x``, ``w_x``."""
    out = {"w": ctx.weights_by_period.get(m.weights, ctx.weights[m.weights])}
    if m.w_x is not None:
        out["w_x"] = ctx.weights_by_period.get(m.w_x, ctx.weights[m.w_x])
    return out


def _moran(ctx: _Context) -> str:
    spec = ctx.study.section("moran")
    assert spec is not None and ctx.panel is not None
    wname = spec.get("weights") or next(iter(ctx.weights))
    w = ctx.weights[wname]
    sec = ctx.section("moran", "Spatial autocorrelation")
    sec.text(
        f"Global Moran's I by period under weights '{wname}' ({spec['permutations']} permutations, "
        f"seed {ctx.seed}); LISA clusters at p <= {spec['alpha']:g}."
    )
    variables = spec.get("variables") or [ctx.study.y]
    for var in variables:
        panel = _testable_periods(ctx.panel, var, sec)
        table = esda.moran_by_period(
            panel, var, w, permutations=spec["permutations"], seed=ctx.seed, **_backend(ctx)
        )
        ctx.moran[var] = table
        ctx.add_table(sec, f"moran_{var}", table, f"Global Moran's I of {var} by period")
        ctx.add_figure(
            sec,
            f"moran_{var}",
            maps.moran_over_time(table, title=f"Global Moran's I of {var}"),
            f"Moran's I of {var} by period (band: 95% interval under randomisation)",
        )
        # one task per period (seed + k, as before), run on the study's backend; results in period order
        jobs = [(var, period, ctx.seed + k) for k, period in enumerate(panel.periods)]
        lisas = _run_map(ctx, _LisaJob(panel, w, spec["permutations"], spec["alpha"]), jobs)
        for period, lisa in zip(panel.periods, lisas):
            ctx.lisa[(var, period)] = lisa
        last = panel.periods[-1]
        # the LISA computed above (one seed) colours the scatter as it colours the map and the GeoPackage
        scatter = maps.moran_scatter(panel, var, w, last, lisa=ctx.lisa[(var, last)])
        ctx.add_figure(sec, f"moran_scatter_{var}", scatter, f"Moran scatter plot of {var}, {last}")
    return f"{len(variables)} variable(s) x {ctx.panel.n_periods} periods"


def _testable_periods(panel: SpatialPanel, var: str, sec: Section) -> SpatialPanel:
    """The panel without the periods where ``var`` is constant (e.g. the base year of a cumulative TFP
    index, 1 everywhere), which have no spatial autocorrelation to test; the report says which."""
    values = panel.matrix(var)
    constant = [p for p in values.columns if float(values[p].std()) == 0.0]
    if not constant:
        return panel
    sec.text(
        f"{var}: period(s) {', '.join(map(str, constant))} left out of Moran's I and LISA: the variable "
        "is the same in every region there."
    )
    return panel.subset(periods=[p for p in panel.periods if p not in constant])


def _lm(ctx: _Context) -> str:
    spec = ctx.study.section("lm")
    assert spec is not None and ctx.panel is not None
    sec = ctx.section("lm", "Panel LM tests")
    names = spec.get("weights") or list(ctx.weights)
    for name in names:
        res = spatial.lm_tests(
            ctx.panel, ctx.study.y, ctx.study.x, ctx.weights[name], fixed_effects=spec["fixed_effects"]
        )
        ctx.add_table(
            sec,
            f"lm_{name}",
            res.to_frame(),
            f"Panel LM tests, weights {name}, {spec['fixed_effects']} fixed effects",
        )
    return f"{len(names)} weights"


def _models(ctx: _Context) -> str:
    assert ctx.panel is not None
    sec = ctx.section("models", "Spatial panel models")
    draws = ctx.study.options("impacts")["draws"]
    jobs = []
    for m in ctx.study.models:
        try:
            ws = model_weights(ctx, m)
        except SpilloverError as exc:
            raise type(exc)(f"model {m.name!r}: {exc}") from exc
        jobs.append((m, ws["w"], ws.get("w_x")))
    # the grid of models x weights: each fit is one task on [study].backend, results in the grid's order
    # (a fit draws nothing at random, so every backend gives the same numbers)
    fits = _run_map(ctx, _FitJob(ctx.panel), jobs)
    for m, fit in zip(ctx.study.models, fits):
        if isinstance(fit, SpilloverError):
            raise type(fit)(f"model {m.name!r}: {fit}") from fit
        ctx.models[m.name] = res = fit
        ctx.specs[m.name] = m
        summary = res.summary(draws=draws, seed=ctx.seed)
        wtext = m.weights + (" (by period)" if m.weights in ctx.weights_by_period else "")
        wtext += f", {m.w_x} for W x" if m.w_x is not None else ""
        summary = replace(summary, title=f"{m.name}: {summary.title}; weights {wtext}")
        ctx.add_table(sec, f"model_{m.name}", summary.cells, summary.title, display=summary)
    _comparisons(ctx, sec)
    return f"{len(ctx.models)} model(s)"


def _run_map(ctx: _Context, one: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """``[one(item) for item in items]`` on the study's ``backend`` (``[study]``), in order."""
    from spillover._parallel import map_items

    out = map_items(_Warned(one), items, **_backend(ctx))
    for _, caught in out:  # the warnings of each task, in the task's order, as if it had run here
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
    return [value for value, _ in out]


@dataclass(frozen=True)
class _Warned:
    """``item -> (one(item), its warnings)``: a worker's warnings travel back with its result (a worker
    process would otherwise print them to its own stderr, and the study's report would miss them)."""

    one: Callable[[Any], Any]

    def __call__(self, item: Any) -> tuple[Any, list[tuple[Any, type[Warning], str, int]]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # the parent's filters decide when they are re-issued
            value = self.one(item)
        return value, [(w.message, w.category, w.filename, w.lineno) for w in caught]


def _backend(ctx: _Context) -> dict[str, Any]:
    spec = ctx.study.sections["study"]
    return {"backend": spec["backend"], "n_jobs": spec.get("n_jobs")}


@dataclass(frozen=True)
class _FitJob:
    """Fit one ``(spec, w, w_x)`` of the grid: a picklable task (the panel travels once per worker); a
    SpilloverError is returned, not raised, so that the study names the model whichever backend ran it."""

    panel: SpatialPanel

    def __call__(self, job: tuple[ModelSpec, Any, Any]) -> Any:
        m, w, w_x = job
        try:
            return fit_model(self.panel, m, w, w_x=w_x)
        except SpilloverError as exc:
            return exc


@dataclass(frozen=True)
class _LisaJob:
    """The LISA of one ``(variable, period, seed)``: a picklable task for the study's backend."""

    panel: SpatialPanel
    w: Any
    permutations: int
    alpha: float

    def __call__(self, job: tuple[str, Any, int]) -> Any:
        var, period, seed = job
        return esda.local_moran(
            self.panel,
            var,
            self.w,
            period=period,
            permutations=self.permutations,
            seed=seed,
            alpha=self.alpha,
        )


def fit_model(panel: SpatialPanel, m: ModelSpec, w: Any, *, w_x: Any = None) -> Any:
    """Fit one expanded model specification (``w_x``: the Durbin terms' weights, when not ``w``)."""
    return spatial.SpatialPanelModel(
        panel,
        m.y,
        list(m.x),
        w,
        kind=m.kind,
        fixed_effects=m.fixed_effects,
        durbin=list(m.durbin) if m.durbin is not None else None,
        bias_correction=m.bias_correction,
        w_x=w_x,
    ).fit()


def _comparisons(ctx: _Context, sec: Section) -> None:
    groups: dict[tuple[Any, ...], list[str]] = {}
    for name, m in ctx.specs.items():
        groups.setdefault((m.kind, m.fixed_effects, m.bias_correction, m.y, m.x), []).append(name)
    for (kind, fe, bc, _y, _x), names in groups.items():
        if len({ctx.specs[n].weights for n in names}) < 2:
            continue
        labels = [_weights_label(ctx, ctx.specs[n]) for n in names]
        table = tables.compare([ctx.models[n] for n in names], labels)
        title = f"{kind.upper()}, {fe} effects{' (Lee-Yu)' if bc == 'lee-yu' else ''}, across weights"
        display = replace(table, title=f"{title}. {table.title}")
        ctx.add_table(sec, f"compare_{kind}_{fe}", table.cells, display.title, display=display)


def _weights_label(ctx: _Context, m: ModelSpec) -> str:
    """A model's weights as a column label: the entry's label, and that of w_x when it has one."""
    label = ctx.study.weights[m.weights].get("label", m.weights)
    if m.w_x is not None:
        label += f" (W x: {ctx.study.weights[m.w_x].get('label', m.w_x)})"
    return str(label)


def _tests(ctx: _Context) -> str:
    spec = ctx.study.options("tests")
    assert ctx.panel is not None
    rows = []
    for name, res in ctx.models.items():
        m = ctx.specs[name]
        if m.kind != "sdm" or m.w_x is not None:  # with w_x the SDM nests no SAR or SEM of one W
            continue
        if spec["wald"]:
            rows += [(name, res.wald_test("sar")), (name, res.wald_test("sem"))]
        if spec["lr"] and m.fixed_effects != "random":
            for kind in ("sar", "sem"):
                restricted = fit_model(ctx.panel, _replace_kind(m, kind), model_weights(ctx, m)["w"])
                rows.append((name, spatial.lr_test(restricted, res)))
    if spec["hausman"]:
        for wname in dict.fromkeys(m.weights for m in ctx.specs.values()):
            rows.append(
                (
                    f"weights {wname}",
                    spatial.hausman(ctx.panel, ctx.study.y, ctx.study.x, ctx.weights[wname], kind="sar"),
                )
            )
    if spec["lr_fixed_effects"]:
        for t in spatial.lr_fixed_effects(ctx.panel, ctx.study.y, ctx.study.x):
            rows.append(("no spatial terms", t))
    if spec["specification"]:
        _specification(ctx, spec)
    if not rows:
        return "specification search" if spec["specification"] else "none requested"
    frame = pd.DataFrame([{"model": who, **t.to_dict()} for who, t in rows])
    sec = ctx.section("tests", "Specification tests")
    ctx.add_table(sec, "tests", frame.set_index(["model", "test"]), "Wald, LR and Hausman tests")
    return f"{len(rows)} test(s)"


def _specification(ctx: _Context, spec: dict[str, Any]) -> None:
    """Elhorst's specification search per weights matrix, with its conclusion in words."""
    assert ctx.panel is not None
    sec = ctx.section("specification", "Specification search (Elhorst 2010, 2014)")
    fe = ctx.study.options("lm")["fixed_effects"]
    for wname in dict.fromkeys(m.weights for m in ctx.specs.values()):
        res = spatial.specification(
            ctx.panel,
            ctx.study.y,
            ctx.study.x,
            ctx.weights[wname],
            fixed_effects=fe,
            hausman_test=bool(spec["hausman"]),
        )
        sec.text(f"Weights {wname}: supported model {res.chosen.upper()}. {res.reason}")
        ctx.add_table(
            sec,
            f"specification_{wname}",
            res.to_frame(),
            f"Specification search, weights {wname}, {fe} fixed effects",
        )


def _replace_kind(m: ModelSpec, kind: Kind) -> ModelSpec:
    return ModelSpec(
        f"{m.name}_{kind}", kind, m.fixed_effects, m.weights, m.bias_correction, m.y, m.x, None, m.entry
    )


def _effects(ctx: _Context) -> str:
    sec = ctx.section("effects", "Direct, indirect and total effects")
    draws = ctx.study.options("impacts")["draws"]
    sec.text(
        f"LeSage and Pace (2009) effects; standard errors from {draws} draws of the parameters "
        f"(seed {ctx.seed})."
    )
    n = 0
    for name, res in ctx.models.items():
        if res.rho is None and not res.durbin:
            continue
        at = ctx.specs[name].impacts_at if name in ctx.specs else None
        if at:  # effects of interactions "x:z" at the moderators' values (an "at" level per value)
            imp = res.impacts(draws=draws, seed=ctx.seed, at=dict(at))
            where = ", ".join(f"{z} = {v}" for z, v in at.items())
            ctx.add_table(sec, f"effects_{name}", imp, f"Effects of {name} at {where}")
        else:
            imp = res.impacts(draws=draws, seed=ctx.seed)
            ctx.add_table(sec, f"effects_{name}", imp, f"Effects of {name}")
        n += 1
    _truth(ctx)
    _spillovers(ctx)
    return f"{n} model(s)"


def _truth(ctx: _Context) -> None:
    truth = ctx.study.section("truth")
    if not truth:
        return
    res = ctx.models[truth["model"]]
    rows = []
    for param, true in truth["params"].items():
        est, se = float(res.params[param]), float(res.std_errors[param])
        rows.append(
            {
                "parameter": param,
                "true": float(true),
                "estimate": est,
                "std_error": se,
                "z (estimate - true)": (est - true) / se,
                "within 2 SE": bool(abs(est - true) <= 2 * se),
            }
        )
    frame = pd.DataFrame(rows).set_index("parameter")
    sec = ctx.section("truth", "True parameters beside the estimates")
    sec.text(
        truth.get("note", "") or f"The data were simulated from model {truth['model']} with these parameters."
    )
    ctx.add_table(sec, "truth", frame, f"True parameters and estimates of {truth['model']}")


def _spillovers(ctx: _Context) -> None:
    spec = ctx.study.options("maps")
    name = spec.get("model") or next(
        (
            n
            for n, r in ctx.models.items()
            if (r.rho is not None or r.durbin) and not _multi_w(ctx, n)  # spillovers need one W
        ),
        None,
    )
    if name is None:
        return
    res = ctx.models[name]
    if res.rho is None and not res.durbin:  # a SEM: no spillovers
        return
    ctx.map_model = name
    draws = ctx.study.options("impacts")["draws"] or None
    mapped = set(spec.get("spillover", []))
    for x in res.x_names:  # the mapped ones with intervals: one set of draws behind map and GeoPackage
        ctx.spillovers[x] = res.spillovers(x, draws=draws if x in mapped else None, seed=ctx.seed)


def _multi_w(ctx: _Context, name: str) -> bool:
    m = ctx.specs.get(name)
    return m is not None and (m.w_x is not None or m.weights in ctx.weights_by_period)


def _figures(ctx: _Context) -> str:
    spec = ctx.study.section("maps")
    if spec is None:
        return "none requested"
    n = 0
    sec = ctx.section("maps", "Maps")
    moran = ctx.study.options("moran")
    if spec["lisa"] and ctx.lisa and ctx.panel is not None:
        periods = moran.get("lisa_periods") or sorted({ctx.panel.periods[0], ctx.panel.periods[-1]})
        for var in dict.fromkeys(v for v, _ in ctx.lisa):
            for period in [p for p in periods if (var, p) in ctx.lisa]:
                ctx.add_figure(
                    sec,
                    f"lisa_{var}_{period}",
                    maps.lisa_map(ctx.lisa[(var, period)], ctx.panel),
                    f"LISA clusters of {var}, {period}",
                )
                n += 1
    n += figs.module_maps(ctx, sec, spec)
    return f"{n} figure(s)"


def _panel_models(ctx: _Context) -> str:
    from spillover import panel_models as pm

    assert ctx.panel is not None
    sec = ctx.section("panel_models", "Panel models: fixed effects, IV, mediation, thresholds")
    fitted: dict[str, Any] = {}
    for name, e in ctx.study.panel_models.items():
        y = e.get("y", ctx.study.y)
        if e["type"] == "threshold":
            fitted[name] = dsteps.threshold_entry(ctx, sec, name, e, y)
            continue
        cluster = None if e["cluster"] == "none" else e["cluster"]
        res: pm.PanelResults | pm.MediationResults
        se: dict[str, Any] = {key: e[key] for key in ("se", "cutoff_km", "kernel", "lag") if key in e}
        if "coords" in e:
            se["coords"] = tuple(e["coords"])
        if e["type"] == "fixed_effects":
            res = pm.fixed_effects(
                ctx.panel, y, e.get("x", ctx.study.x), fixed_effects=e["fixed_effects"], cluster=cluster, **se
            )
        elif e["type"] == "fe_iv":
            res = pm.fe_iv(
                ctx.panel,
                y,
                exog=e.get("exog"),
                endog=e["endog"],
                instruments=e["instruments"],
                fixed_effects=e["fixed_effects"],
                cluster=cluster,
                **se,
            )
            if res.first_stage is not None:
                sec.pre(f"{name}: first stage\n{res.first_stage.summary()}")
        else:
            res = pm.mediation(
                ctx.panel,
                e["x"],
                e["mediator"],
                y,
                controls=e.get("controls"),
                fixed_effects=e["fixed_effects"],
                cluster=cluster,
                draws=e["draws"],
                seed=ctx.seed,
            )
        fitted[name] = res
        ctx.add_table(sec, f"panel_{name}", res.to_frame(), f"{name} ({e['type'].replace('_', ' ')}) of {y}")
    columns = dict(fitted)
    if ctx.map_model is not None:  # the spatial model beside them, one table through the result protocol
        columns[ctx.map_model] = ctx.models[ctx.map_model]
    table = tables.compare(list(columns.values()), list(columns))
    ctx.add_table(
        sec,
        "panel_models",
        table.cells,
        f"Panel and spatial models side by side. {table.title}",
        display=replace(table, title=f"Panel and spatial models side by side. {table.title}"),
    )
    return f"{len(fitted)} model(s)"


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    func: Callable[[_Context], str]
    wanted: Callable[[Study], bool]


STEPS: tuple[Step, ...] = (
    Step("data", "Read the panel and boundaries", _data, lambda s: True),
    Step("indicators", "Build indicators", _indicators, lambda s: bool(s.indicators)),
    Step("tfp", "Malmquist TFP", _tfp, lambda s: s.section("tfp") is not None),
    Step("weights", "Spatial weights", _weights, lambda s: bool(s.weights)),
    Step("moran", "Moran's I and LISA by period", _moran, lambda s: s.section("moran") is not None),
    Step(
        "disparity", "Regional disparity", dsteps.disparity_step, lambda s: s.section("disparity") is not None
    ),
    Step(
        "convergence", "Convergence", dsteps.convergence_step, lambda s: s.section("convergence") is not None
    ),
    Step("markov", "Markov chains", dsteps.markov_step, lambda s: s.section("markov") is not None),
    Step("hotspots", "Hot spots", hsteps.hotspots_step, lambda s: s.section("hotspots") is not None),
    Step("lm", "Panel LM tests", _lm, lambda s: s.section("lm") is not None),
    Step(
        "model_choice",
        "Which model and which W",
        model_choice_step,
        lambda s: s.section("model_choice") is not None,
    ),
    Step("models", "Spatial panel models", _models, lambda s: bool(s.models)),
    Step("tests", "Wald, LR and Hausman tests", _tests, lambda s: bool(s.models)),
    Step("effects", "Effects and spillovers", _effects, lambda s: bool(s.models)),
    Step("panel_models", "Panel models", _panel_models, lambda s: bool(s.panel_models)),
    Step("causal", "Causal designs", causal_step, lambda s: bool(s.causal)),
    Step("figures", "Maps", _figures, lambda s: s.section("maps") is not None),
)


def compute(study: Study, *, progress: ProgressCallback = silent) -> _Context:
    """Run every step the study asks for; ``progress`` gets a :class:`StepEvent` at each start and end."""
    out = study.options("output")
    ctx = _Context(study, out["figure_format"], out["dpi"])
    steps = [s for s in STEPS if s.wanted(study)]
    total = len(steps) + 1  # + writing the outputs
    data_end = [s.name for s in steps if s.name in ("data", "indicators", "tfp")][-1]
    for i, step in enumerate(steps, start=1):
        progress(StepEvent(step.name, step.title, i, total, "start"))
        t0 = time.perf_counter()
        try:
            detail = step.func(ctx)
        except SpilloverError as exc:
            raise type(exc)(f"step '{step.name}' ({step.title}): {exc}") from exc
        if step.name == data_end:
            _describe_variables(ctx)  # after the indicators and TFP joined the panel
        progress(StepEvent(step.name, step.title, i, total, "done", time.perf_counter() - t0, detail))
    return ctx
