"""The study steps of ``[disparity]``, ``[convergence]`` and ``[markov]``, and the threshold panel models.

Each measure's tables are the tables of its result's :class:`~spillover.summary.Summary` (what ``print(res.
summary())`` shows), one report table and one written table each, named ``<measure>[_<part>]_<variable>``;
the figures are the ``maps`` functions of the results.  Seeds come from ``[study].seed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from spillover import disparity, maps
from spillover.summary import Summary

if TYPE_CHECKING:
    from spillover.study.results import Section
    from spillover.study.runner import _Context

__all__ = ["disparity_step", "convergence_step", "markov_step", "threshold_entry", "REGION4"]

REGION4 = "region4"  # the grouping shipped with China's boundaries (East, Central, West, Northeast)

# the part names of each result's summary tables, in the order of ``summary().tables`` ("" = the main one)
_PARTS: dict[str, tuple[str, ...]] = {
    "dagum": ("", "within", "between", "intervals"),
    "theil": ("", "groups"),
    "kde": ("peaks",),
    "markov": ("", "steady_state", "first_passage"),
    "spatial_markov": ("", "conditional", "steady_state", "tests"),
    "lisa_markov": ("", "steady_state", "test"),
    "sigma": ("", "dispersion"),
    "beta": ("",),
    "spatial_beta": ("",),
}


def table_name(measure: str, part: str, var: str) -> str:
    """Name of a written table: ``dagum_gdp_pc``, ``dagum_within_gdp_pc``, ``convergence_sigma_gdp_pc``."""
    return "_".join(p for p in (measure, part, var) if p)


def summary_tables(ctx: _Context, sec: Section, measure: str, var: str, summary: Summary) -> list[str]:
    """Every table of ``summary`` into the report and the written tables; returns their names."""
    parts = _PARTS[measure]
    prefix = measure if measure in ("dagum", "theil", "kde") or "markov" in measure else "convergence"
    kind = "" if prefix == measure else measure
    names = []
    for i, frame in enumerate(summary.tables):
        part = parts[i] if i < len(parts) else f"table{i + 1}"
        name = table_name(prefix, "_".join(p for p in (kind, part) if p), var)
        caption = summary.captions[i] if i < len(summary.captions) else ""
        # a result's title that names the variable already (convergence) does not get it twice
        own = summary.title if summary.title.endswith(f" of {var}") else f"{summary.title} of {var}"
        title = own + (f": {caption}" if caption and i else "")
        one = replace(summary, title=title, tables=(frame,), captions=(caption,) if caption else ())
        ctx.add_table(sec, name, frame, title, display=one)
        names.append(name)
    return names


# ---------------------------------------------------------------------- [disparity]
def disparity_step(ctx: _Context) -> str:
    spec = ctx.study.options("disparity")
    assert ctx.panel is not None
    by = spec.get("by") or REGION4
    weights = spec.get("weights")
    variables = spec.get("variables") or [ctx.study.y]
    measures = spec["measures"]
    sec = ctx.section("disparity", "Regional disparity")
    sec.text(
        f"Groups: {by}; "
        + (f"regions weighted by {weights}" if weights else "regions unweighted")
        + ". "
        + (f"Dagum bootstrap: {spec['draws']} draws (seed {ctx.seed}). " if spec["draws"] else "")
        + "Dagum (1997): G = G_w + G_nb + G_t; Theil T = GE(1), L = GE(0), each within + between."
    )
    for var in variables:
        if "dagum" in measures:
            gini = disparity.dagum_gini(
                ctx.panel, var, by, weights=weights, draws=spec["draws"], seed=ctx.seed
            )
            summary_tables(ctx, sec, "dagum", var, gini.summary())
            for kind, what in (
                ("contributions", "contribution shares of G_w, G_nb and G_t"),
                ("within", "within-group Ginis G_jj"),
                ("between", "between-group Ginis G_jh"),
            ):
                name = table_name("dagum", "" if kind == "contributions" else kind, var)
                ctx.add_figure(sec, name, maps.dagum_plot(gini, kind), f"Dagum Gini of {var}: {what}")  # type: ignore[arg-type]
        if "theil" in measures:
            res = disparity.theil(ctx.panel, var, by, weights=weights)
            summary_tables(ctx, sec, "theil", var, res.summary())
            ctx.add_figure(
                sec, f"theil_{var}", maps.theil_plot(res), f"Theil T and L of {var}, within + between"
            )
        if "kde" in measures:
            kde = disparity.kernel_density(ctx.panel, var, relative=spec["relative"])
            summary_tables(ctx, sec, "kde", var, kde.summary())
            rel = " (relative to the cross-section mean)" if spec["relative"] else ""
            ctx.add_figure(sec, f"kde_{var}", maps.density_plot(kde), f"Kernel density of {var}{rel}")
            ctx.add_figure(
                sec,
                f"kde_surface_{var}",
                maps.density_plot(kde, "surface"),
                f"Kernel density of {var}{rel}: period x value x density",
            )
    return f"{len(variables)} variable(s): {', '.join(measures)}"


# ---------------------------------------------------------------------- [convergence]
def convergence_step(ctx: _Context) -> str:
    spec = ctx.study.options("convergence")
    assert ctx.panel is not None
    var = spec["variable"]
    sec = ctx.section("convergence", "Convergence")
    for kind in spec["kinds"]:
        options: dict[str, Any] = {"tau": spec["tau"]}
        if kind != "sigma":
            options.update(controls=spec.get("controls"), fixed_effects=spec.get("fixed_effects"))
        if kind == "spatial_beta":
            wname = spec.get("weights") or next(iter(ctx.weights))
            options.update(model=spec["model"], w=ctx.weights[wname], draws=spec["draws"], seed=ctx.seed)
            sec.text(f"Spatial beta convergence: {spec['model'].upper()} under weights '{wname}'.")
        res = disparity.convergence(ctx.panel, var, kind, **options)
        summary_tables(ctx, sec, kind, var, res.summary())
        ctx.add_figure(
            sec,
            table_name("convergence", kind, var),
            maps.convergence_plot(res, ctx.panel),
            f"{kind.replace('_', ' ').capitalize()} convergence of {var}",
        )
    return f"{var}: {', '.join(spec['kinds'])}"


# ---------------------------------------------------------------------- [markov]
def markov_step(ctx: _Context) -> str:
    spec = ctx.study.options("markov")
    assert ctx.panel is not None
    var = spec.get("variable") or ctx.study.y
    k, fixed = spec["k"], spec["fixed"]
    sec = ctx.section("markov", "Distribution dynamics: Markov chains")
    classes = "quantiles of the pooled panel" if fixed else "quantiles of each period"
    sec.text(f"{var} in {k} classes ({classes}); giddy (PySAL) estimates the chains.")
    chains: list[tuple[str, Any]] = [("markov", disparity.markov(ctx.panel, var, k=k, fixed=fixed))]
    if "spatial" in spec:
        w = ctx.weights[spec["spatial"]]
        chains.append(("spatial_markov", disparity.spatial_markov(ctx.panel, var, w, k=k, fixed=fixed)))
    if spec["lisa"]:
        wname = spec.get("spatial") or next(iter(ctx.weights))
        chains.append(("lisa_markov", disparity.lisa_markov(ctx.panel, var, ctx.weights[wname])))
    for measure, res in chains:
        summary_tables(ctx, sec, measure, var, res.summary())
        title = measure.replace("_", " ").replace("lisa", "LISA").capitalize().replace("Lisa", "LISA")
        ctx.add_figure(
            sec, table_name(measure, "", var), maps.markov_heatmap(res), f"{title} of {var}: transitions"
        )
    return f"{var}: {', '.join(m for m, _ in chains)}"


# ---------------------------------------------------------------------- threshold panel models
def threshold_entry(ctx: _Context, sec: Section, name: str, e: dict[str, Any], y: str) -> Any:
    """One ``[panel_models.<name>]`` of type threshold: its tables and LR figure; returns the result."""
    from spillover import panel_models as pm

    assert ctx.panel is not None
    regime: str | Sequence[str] = e["regime"]
    res = pm.threshold(
        ctx.panel,
        y,
        e.get("x"),
        e["q"],
        regime,
        n_thresholds=e["n_thresholds"],
        trim=e["trim"],
        draws=e["draws"],
        seed=ctx.seed,
        fixed_effects=e["fixed_effects"],
    )
    summary = res.summary()
    title = f"{name} (threshold on {e['q']}) of {y}"
    ctx.add_table(sec, f"panel_{name}", res.to_frame(), title, display=replace(summary, title=title))
    ctx.add_table(sec, f"panel_{name}_thresholds", res.thresholds, f"{name}: thresholds and intervals")
    ctx.add_table(sec, f"panel_{name}_tests", res.tests, f"{name}: threshold effect tests (bootstrap F)")
    ctx.add_figure(
        sec, f"threshold_{name}", maps.threshold_plot(res), f"{name}: likelihood ratio of each threshold"
    )
    return res
