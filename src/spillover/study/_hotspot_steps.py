"""The study step of ``[hotspots]``: local hot-spot statistics (spillover.esda) mapped per period.

For each variable and each period of ``periods`` (default: the last) the step computes the chosen local
statistic and adds its map (``maps.hotspot_map`` for Gi*/Gi, ``maps.local_cluster_map`` otherwise) and one
table per region (``hotspots_<var>_<period>``: the result's ``to_frame()``); the counts of regions per class
over the periods form one more table (``hotspots_<var>``).  ``emerging = true`` adds the emerging hot-spot
analysis over all periods (``emerging_<var>`` and its counts ``emerging_counts_<var>``, and its map).

Seeds come from ``[study].seed``: period number ``k`` of the panel (0 for the first) uses ``seed + k``, as the
LISA of ``[moran]``; the emerging analysis uses ``seed`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from spillover import esda, maps

if TYPE_CHECKING:
    from spillover.study.runner import _Context

__all__ = ["hotspots_step", "local_statistic", "STATISTIC_TITLES"]

STATISTIC_TITLES = {
    "gi_star": "Getis-Ord Gi*",
    "gi": "Getis-Ord Gi",
    "local_geary": "Local Geary's c",
    "bivariate": "Bivariate local Moran",
}


def local_statistic(
    panel: Any,
    var: str,
    w: Any,
    period: Any,
    statistic: str,
    *,
    x: str | None = None,
    permutations: int,
    seed: int,
    alpha: float,
    fdr: bool,
) -> Any:
    """One local statistic of ``var`` in ``period``: the spillover.esda function ``statistic`` names
    (``bivariate``: ``x`` against the neighbours' ``var``).  Shared by the study step and the CLI."""
    options: dict[str, Any] = {"permutations": permutations, "seed": seed, "alpha": alpha, "fdr": fdr}
    if statistic in ("gi_star", "gi"):
        return esda.getis_ord(panel, var, w, period, star=statistic == "gi_star", **options)
    if statistic == "local_geary":
        return esda.local_geary(panel, var, w, period, **options)
    assert x is not None
    return esda.bivariate_lisa(panel, x, var, w, period, **options)


def hotspot_figure(res: Any, title: str) -> Any:
    """The map of one local result: the hot/cold palette for Getis-Ord, the cluster palette otherwise."""
    if isinstance(res, esda.GetisOrdResult):
        return maps.hotspot_map(res, title=title)
    return maps.local_cluster_map(res, title=title)


def hotspots_step(ctx: _Context) -> str:
    spec = ctx.study.options("hotspots")
    panel = ctx.panel
    assert panel is not None
    wname = spec.get("weights") or next(iter(ctx.weights))
    w = ctx.weights[wname]
    statistic = spec["statistic"]
    x = spec.get("x")
    periods = spec.get("periods") or [panel.periods[-1]]
    variables = spec.get("variables") or [ctx.study.y]
    label = STATISTIC_TITLES[statistic] + (f" of {x} against the neighbours' values" if x else "")
    sec = ctx.section("hotspots", "Hot spots and local clusters")
    cut = "Benjamini-Hochberg (FDR) cut-off at" if spec["fdr"] else "p <="
    inference = (
        f"{spec['permutations']} permutations, seed {ctx.seed} + the period's position"
        if spec["permutations"]
        else "normal p-values, no permutations"
    )
    sec.text(f"{label} under weights '{wname}' ({inference}); classes at {cut} {spec['alpha']:g}.")
    for var in variables:
        counts = {}
        for period in periods:
            k = list(panel.periods).index(period) if period in panel.periods else 0
            res = local_statistic(
                panel,
                var,
                w,
                period,
                statistic,
                x=x,
                permutations=spec["permutations"],
                seed=ctx.seed + k,
                alpha=spec["alpha"],
                fdr=spec["fdr"],
            )
            counts[period] = res.counts()
            name = f"hotspots_{var}_{period}"
            ctx.add_table(sec, name, res.to_frame(), f"{label}: {var}, {period}, per region")
            ctx.add_figure(
                sec, name, hotspot_figure(res, f"{label}: {var}, {period}"), f"{label}: {var}, {period}"
            )
        table = pd.DataFrame(counts)
        table.columns.name = "period"
        ctx.add_table(sec, f"hotspots_{var}", table, f"{label}: regions per class of {var}", digits=0)
        if spec["emerging"]:
            em = esda.emerging_hotspots(
                panel, var, w, permutations=spec["permutations"], seed=ctx.seed, alpha=spec["alpha"]
            )
            title = f"Emerging hot spots of {var} ({panel.periods[0]}-{panel.periods[-1]})"
            ctx.add_table(sec, f"emerging_{var}", em.to_frame(), f"{title}, per region")
            ctx.add_table(
                sec,
                f"emerging_counts_{var}",
                em.counts().to_frame(),
                f"{title}: regions per category",
                digits=0,
            )
            ctx.add_figure(sec, f"emerging_{var}", maps.emerging_hotspot_map(em, title=title), title)
    return f"{len(variables)} variable(s) x {len(periods)} period(s): {statistic}" + (
        " + emerging" if spec["emerging"] else ""
    )
