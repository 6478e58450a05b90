"""The study's ``[causal.<name>]`` step: spatial DiD, SDM-DiD and event studies, with their placebo tests.

Each entry calls :mod:`spillover.causal` with the entry's keys (the API's option names; ``weights`` names a
``[weights.*]`` entry and is passed as ``w``) and adds its tables and figures to the report section
"Causal designs".  The tables written (CSV, LaTeX, Stata, Excel) are the results' ``to_frame()``; the report
shows their ``summary()``.  Placebo draws and effect draws are seeded from ``[study].seed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spillover import maps
from spillover.errors import SpilloverError

if TYPE_CHECKING:
    from spillover.study.results import Section
    from spillover.study.runner import _Context

__all__ = ["causal_step", "fit_causal"]

_TYPE_TITLES = {
    "spatial_did": "spatial difference-in-differences",
    "sdm_did": "SDM difference-in-differences",
    "event_study": "event study",
}


def fit_causal(panel: Any, entry: dict[str, Any], y: str, w: Any, seed: int) -> Any:
    """The result of one validated ``[causal.*]`` entry (``y``: the outcome, ``w``: its weights or None)."""
    from spillover import causal

    controls = list(entry.get("controls", []))
    kind = entry["type"]
    if kind == "spatial_did":
        return causal.spatial_did(
            panel,
            y,
            entry["treat"],
            w=w,
            rings_km=entry.get("rings_km"),
            controls=controls,
            fixed_effects=entry["fixed_effects"],
            cluster=None if entry["cluster"] == "none" else entry["cluster"],
        )
    if kind == "sdm_did":
        return causal.sdm_did(
            panel,
            y,
            entry["treat"],
            w,
            controls=controls,
            fixed_effects=entry["fixed_effects"],
            bias_correction=entry["bias_correction"],
            draws=entry["draws"],
            seed=seed,
        )
    lo, hi = entry["window"]
    return causal.event_study(
        panel,
        y,
        entry["treat_time"],
        w=w,
        window=(lo, hi),
        method=entry["method"],
        controls=controls,
        cluster=None if entry["cluster"] == "none" else entry["cluster"],
        control=entry["control"],
    )


def causal_step(ctx: _Context) -> str:
    """Fit every ``[causal.*]`` entry; its tables, figures and placebo test go to one report section."""
    from spillover import causal

    assert ctx.panel is not None
    sec = ctx.section("causal", "Causal designs")
    for name, e in ctx.study.causal.items():
        y = e.get("y", ctx.study.y)
        w = ctx.weights[e["weights"]] if "weights" in e else None
        try:
            res = fit_causal(ctx.panel, e, y, w, ctx.seed)
        except SpilloverError as exc:
            raise type(exc)(f"[causal.{name}]: {exc}") from exc
        title = f"{name}: {_TYPE_TITLES[e['type']]} of {y}"
        ctx.add_table(sec, f"causal_{name}", res.to_frame(), title, display=res.summary())
        if e["type"] == "spatial_did":
            sec.text(
                f"{name}: direct ATT {res.att:.4f}, naive TWFE {res.naive_att:.4f} "
                f"(bias of the naive estimate {res.bias:+.4f}); {res.n_clean} clean-control region-periods."
            )
        elif e["type"] == "event_study":
            _event_text(sec, name, res)
            ctx.add_figure(
                sec, f"causal_{name}", maps.event_study_plot(res), f"{name}: event-time coefficients of {y}"
            )
        if e.get("placebo_draws", 0) > 0:
            pl = causal.placebo(res, draws=e["placebo_draws"], seed=ctx.seed, scheme=e["scheme"])
            ctx.add_table(
                sec,
                f"causal_{name}_placebo",
                pl.to_frame(),
                f"{name}: placebo test ({e['placebo_draws']} draws, seed {ctx.seed})",
                display=pl.summary(),
            )
            ctx.add_figure(
                sec,
                f"causal_{name}_placebo",
                maps.placebo_plot(pl),
                f"{name}: placebo distribution against the estimate",
            )
    return f"{len(ctx.study.causal)} design(s)"


def _event_text(sec: Section, name: str, res: Any) -> None:
    pre = res.pretrend
    test = (
        f"pre-trend test (all leads zero): chi2({pre.df}) = {pre.statistic:.3f}, p = {pre.pvalue:.4f}"
        if pre is not None
        else "no leads to test for a pre-trend"
    )
    sec.text(f"{name}: average post-period effect {res.att:.4f}; {test}.")
