"""The Processing algorithms of spillover, described in plain Python (no QGIS needed to read or test them).

Each :class:`Algorithm` lists its parameters (:class:`Param`) and a ``run`` function that takes the
parameters' values, with every source already read into a (Geo)DataFrame, and returns the frames to write
into its output sinks plus any number of scalar results.  :mod:`spillover.qgis.provider` turns these
descriptions into ``QgsProcessingAlgorithm`` classes.  Parameter names follow QGIS conventions (``INPUT``,
``FIELD``, ``WEIGHTS``, ``OUTPUT``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import geopandas as gpd
import pandas as pd

from spillover.errors import SpilloverError
from spillover.qgis import analysis as an

__all__ = ["Param", "Algorithm", "Feedback", "Cancelled", "ALGORITHMS", "WEIGHTS_LABELS"]

ParamKind = Literal[
    "source", "table", "field", "fields", "enum", "int", "float", "string", "sink", "table_sink"
]


@dataclass(frozen=True)
class Param:
    """One parameter of an algorithm.

    ``kind``: ``"source"`` (a vector layer with geometry), ``"table"`` (any vector layer, tables included),
    ``"field"``/``"fields"`` (one or several fields of the source named by ``parent``; numeric only if
    ``numeric``), ``"enum"`` (one of ``options``; its value is the option text), ``"int"``, ``"float"``,
    ``"string"``, ``"sink"`` (an output layer with geometry) or ``"table_sink"`` (an output table).
    """

    name: str
    label: str
    kind: ParamKind
    default: Any = None
    optional: bool = False
    parent: str | None = None
    numeric: bool = False
    options: tuple[str, ...] = ()
    minimum: float | None = None


class Feedback(Protocol):
    """What ``run`` functions report to: progress in percent, the cancel flag, messages."""

    def progress(self, percent: float) -> None: ...

    def cancelled(self) -> bool: ...

    def info(self, message: str) -> None: ...


class Cancelled(Exception):
    """Raised inside ``run`` when the user cancels; the provider returns no outputs."""


def step(feedback: Feedback, percent: float) -> None:
    """Report progress, and stop here if the user has cancelled."""
    if feedback.cancelled():
        raise Cancelled
    feedback.progress(percent)


@dataclass(frozen=True)
class Algorithm:
    """A Processing algorithm: its id (``spillover:<name>``), texts, parameters and computation."""

    name: str
    display_name: str
    help: str
    params: tuple[Param, ...]
    run: Callable[[dict[str, Any], Feedback], dict[str, Any]]

    def param(self, name: str) -> Param:
        """The parameter called ``name``."""
        return next(p for p in self.params if p.name == name)


# ---------------------------------------------------------------------------------------------- parameters
#: Processing's labels for the weights choices, in dialog order
WEIGHTS_LABELS: dict[str, an.WeightsChoice] = {
    "Queen contiguity": "queen",
    "Rook contiguity": "rook",
    "k nearest neighbours": "knn",
    "Inverse distance": "inverse_distance",
}

_INPUT = Param("INPUT", "Regions (any vector layer)", "source")
_ID = Param("ID_FIELD", "Region id field (default: the feature ids)", "field", optional=True, parent="INPUT")
_TIME = Param(
    "TIME_FIELD",
    "Period field (layer with one feature per region and period)",
    "field",
    optional=True,
    parent="INPUT",
)
_WEIGHTS_PARAMS = (
    Param("WEIGHTS", "Spatial weights (row-standardised)", "enum", default=0, options=tuple(WEIGHTS_LABELS)),
    Param("K", "Number of neighbours (k nearest neighbours)", "int", default=4, minimum=1),
    Param("POWER", "Distance decay power (inverse distance)", "float", default=1.0, minimum=0.0),
)
_SEED = Param("SEED", "Random seed", "int", default=0, minimum=0)
_PERIOD = Param("PERIOD", "Period (default: the last)", "string", optional=True)
_ALPHA = Param("ALPHA", "Significance level", "float", default=0.05, minimum=0.0)


def _weights(values: dict[str, Any], geo: gpd.GeoDataFrame) -> Any:
    return an.build_weights(geo, WEIGHTS_LABELS[values["WEIGHTS"]], k=values["K"], power=values["POWER"])


def _layer_panel(values: dict[str, Any], feedback: Feedback) -> tuple[Any, Any]:
    panel = an.layer_panel(values["INPUT"], id_field=values["ID_FIELD"], time_field=values["TIME_FIELD"])
    step(feedback, 45)
    w = _weights(values, panel.geometry)
    step(feedback, 55)
    return panel, w


# ---------------------------------------------------------------------------------------------- run functions
def _run_weights(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    from spillover.weights import describe

    geo = an.regions(values["INPUT"], values["ID_FIELD"])
    w = _weights(values, geo)
    step(feedback, 70)
    summary = describe(w)
    links = an.links_frame(w)
    links[["focal", "neighbor"]] = links[["focal", "neighbor"]].astype(str)
    return {
        "OUTPUT": links,
        "N_REGIONS": summary.n_regions,
        "N_LINKS": summary.n_links,
        "ISLANDS": ", ".join(map(str, summary.islands)),
    }


def _run_moran(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    from spillover.esda import moran_by_period

    panel, w = _layer_panel(values, feedback)
    fields = values["FIELD"]
    table = moran_by_period(
        panel,
        fields if len(fields) > 1 else fields[0],
        w,
        permutations=values["PERMUTATIONS"],
        seed=values["SEED"],
    )
    out = an.moran_frame(table)
    if "variable" not in out.columns:
        out.insert(0, "variable", fields[0])
    out[panel.time_name] = out[panel.time_name].astype(str)
    return {"OUTPUT": out.rename(columns={panel.time_name: "period"})}


def _run_lisa(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    frame = values["INPUT"]
    an.check_new_fields(frame, an.LISA_FIELDS)
    panel, w = _layer_panel(values, feedback)
    period = an.resolve_period(panel, values["PERIOD"])
    stats = an.lisa_frame(
        panel,
        values["FIELD"],
        w,
        period=period,
        permutations=values["PERMUTATIONS"],
        seed=values["SEED"],
        alpha=values["ALPHA"],
    )
    rows = an.period_rows(frame, values["TIME_FIELD"], period)
    keys = rows.index if values["ID_FIELD"] is None else rows[values["ID_FIELD"]]
    out = rows.assign(**{c: stats[c].reindex(keys).to_numpy() for c in an.LISA_FIELDS})
    counts = stats["lisa_cluster"].value_counts()
    return {"OUTPUT": out, **{_result_name(k): int(v) for k, v in counts.items()}}


def _run_hotspots(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    frame = values["INPUT"]
    an.check_new_fields(frame, an.HOTSPOT_FIELDS)
    panel, w = _layer_panel(values, feedback)
    period = an.resolve_period(panel, values["PERIOD"])
    stats = an.hotspot_frame(
        panel,
        values["FIELD"],
        w,
        statistic=values["STATISTIC"],
        period=period,
        permutations=values["PERMUTATIONS"],
        seed=values["SEED"],
        alpha=values["ALPHA"],
    )
    step(feedback, 85)
    rows = an.period_rows(frame, values["TIME_FIELD"], period)
    keys = rows.index if values["ID_FIELD"] is None else rows[values["ID_FIELD"]]
    out = rows.assign(**{c: stats[c].reindex(keys).to_numpy() for c in an.HOTSPOT_FIELDS})
    counts = stats["hs_class"].value_counts()
    return {"OUTPUT": out, **{_result_name(k): int(v) for k, v in counts.items()}}


def _run_dagum(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    step(feedback, 45)
    out = an.dagum_frame(
        values["INPUT"],
        id_field=_required(values, "ID_FIELD"),
        time_field=_required(values, "TIME_FIELD"),
        field=values["FIELD"],
        group_field=values["GROUP_FIELD"],
        weights_field=values["WEIGHTS_FIELD"],
        draws=values["DRAWS"],
        seed=values["SEED"],
    )
    step(feedback, 85)
    return {"OUTPUT": out, "G_LAST": float(out["G"].iloc[-1])}


def _result_name(label: str) -> str:
    return label.upper().replace("-", "_").replace(" ", "_")


def _run_sdm(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    from spillover.spatial import SpatialPanelModel

    table = values["TABLE"]
    if isinstance(table, gpd.GeoDataFrame):
        table = pd.DataFrame(table.drop(columns=table.geometry.name))
    panel = an.joined_panel(
        values["INPUT"],
        table,
        id_field=_required(values, "ID_FIELD"),
        time_field=_required(values, "TIME_FIELD"),
        table_id_field=values["TABLE_ID_FIELD"],
    )
    step(feedback, 45)
    w = _weights(values, panel.geometry)
    step(feedback, 55)
    model = SpatialPanelModel(
        panel,
        values["Y"],
        values["X"],
        w,
        kind="sdm",
        fixed_effects=values["FIXED_EFFECTS"],
        bias_correction=values.get("BIAS_CORRECTION") or "none",
    )
    result = model.fit()
    step(feedback, 75)
    out = an.estimates_frame(result, draws=values["DRAWS"], seed=values["SEED"])
    return {"OUTPUT": out, "RHO": float(result.params["rho"]), "LOGLIK": float(result.loglik)}


def _required(values: dict[str, Any], name: str) -> str:
    if not values[name]:
        raise SpilloverError(f"{name} is required.")
    return values[name]


def _run_malmquist(values: dict[str, Any], feedback: Feedback) -> dict[str, Any]:
    from spillover.productivity import malmquist

    frame = values["INPUT"]
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    id_field, time_field = _required(values, "ID_FIELD"), _required(values, "TIME_FIELD")
    step(feedback, 45)
    res = malmquist(
        frame,
        id=id_field,
        time=time_field,
        inputs=values["INPUT_FIELDS"],
        outputs=values["OUTPUT_FIELDS"],
        orientation=values["ORIENTATION"],
        frontier=values["FRONTIER"],
    )
    step(feedback, 80)
    out = res.to_panel_frame().reset_index()
    return {"OUTPUT": out, "TFPCH_MEAN": float(res.mean["tfpch"])}


# ---------------------------------------------------------------------------------------------- the algorithms
_NUMERIC: dict[str, Any] = {"numeric": True}  # keyword arguments of Param
ALGORITHMS: tuple[Algorithm, ...] = (
    Algorithm(
        "weights",
        "Spatial weights",
        "Builds row-standardised spatial weights between the regions of a layer and writes them as a table "
        "of links (focal, neighbor, weight). Islands of contiguity weights are attached to their nearest "
        "region; distances are great-circle kilometres.",
        (_INPUT, _ID, *_WEIGHTS_PARAMS, Param("OUTPUT", "Weights (links)", "table_sink")),
        _run_weights,
    ),
    Algorithm(
        "moran",
        "Global Moran's I (per period)",
        "Global Moran's I of one or more numeric fields, per period for a layer with one feature per region "
        "and period, with normal and randomisation inference and a seeded permutation pseudo p-value.",
        (
            _INPUT,
            Param("FIELD", "Numeric field(s)", "fields", parent="INPUT", **_NUMERIC),
            _ID,
            _TIME,
            *_WEIGHTS_PARAMS,
            Param("PERMUTATIONS", "Permutations", "int", default=999, minimum=0),
            _SEED,
            Param("OUTPUT", "Moran's I", "table_sink"),
        ),
        _run_moran,
    ),
    Algorithm(
        "lisa",
        "Local Moran's I (LISA clusters)",
        "Local Moran's I of a numeric field: each feature gets Ii, the permutation pseudo p-value p_sim, z, "
        "lag_z, its quadrant and lisa_cluster (the quadrant where p_sim <= alpha, else 'Not significant').",
        (
            _INPUT,
            Param("FIELD", "Numeric field", "field", parent="INPUT", **_NUMERIC),
            _ID,
            _TIME,
            _PERIOD,
            *_WEIGHTS_PARAMS,
            Param("PERMUTATIONS", "Permutations", "int", default=999, minimum=1),
            _SEED,
            _ALPHA,
            Param("OUTPUT", "LISA clusters", "sink"),
        ),
        _run_lisa,
    ),
    Algorithm(
        "hotspots",
        "Hot spots (Getis-Ord Gi*, Gi, local Geary)",
        "Local hot-spot statistic of a numeric field in one period: Getis-Ord Gi* (default) or Gi, or local "
        "Geary's c. Each feature gets hs_stat (the statistic), hs_z (Gi: its z-value; local Geary: the "
        "standardised field), hs_p_norm (Gi's two-sided normal p-value), hs_p_sim (the permutation pseudo "
        "p-value) and hs_class (Gi: hot_99/95/90, cold_99/95/90 or not_significant; local Geary: GeoDa's "
        "cluster labels). Style: spillover.qgis.style.hotspot_renderer. Same numbers as spillover.esda.",
        (
            _INPUT,
            Param("FIELD", "Numeric field (positive for Gi)", "field", parent="INPUT", **_NUMERIC),
            _ID,
            _TIME,
            _PERIOD,
            *_WEIGHTS_PARAMS,
            Param("STATISTIC", "Statistic", "enum", default=0, options=an.HOTSPOT_STATISTICS),
            Param(
                "PERMUTATIONS", "Permutations (0: normal p-values, Gi only)", "int", default=999, minimum=0
            ),
            _SEED,
            _ALPHA,
            Param("OUTPUT", "Hot spots", "sink"),
        ),
        _run_hotspots,
    ),
    Algorithm(
        "dagum",
        "Dagum Gini decomposition",
        "Dagum (1997) decomposition of the Gini coefficient of a numeric field by group, per period: overall "
        "G = G_w (within) + G_nb (net between) + G_t (transvariation), their shares, each group's G_jj and "
        "each pair's G_jh, with bootstrap intervals when draws > 0. Input: a table or layer with one row per "
        "region and period. Same numbers as spillover.disparity.dagum_gini.",
        (
            Param("INPUT", "Panel (any vector layer or table, one row per region and period)", "table"),
            Param("ID_FIELD", "Region id field", "field", parent="INPUT"),
            Param("TIME_FIELD", "Period field", "field", parent="INPUT"),
            Param("FIELD", "Numeric field", "field", parent="INPUT", **_NUMERIC),
            Param("GROUP_FIELD", "Group field (e.g. region4)", "field", parent="INPUT"),
            Param(
                "WEIGHTS_FIELD",
                "Population field weighting the regions (default: none)",
                "field",
                optional=True,
                parent="INPUT",
                **_NUMERIC,
            ),
            Param("DRAWS", "Bootstrap draws (0: none)", "int", default=0, minimum=0),
            _SEED,
            Param("OUTPUT", "Dagum decomposition", "table_sink"),
        ),
        _run_dagum,
    ),
    Algorithm(
        "sdm",
        "Spatial Durbin panel model",
        "Fits y = rho W y + X beta + W X theta + fixed effects + e by maximum likelihood on regions joined to "
        "a panel table (one row per region and period) and writes the coefficients with the direct, "
        "indirect and total effects (LeSage and Pace) and their simulated standard errors.",
        (
            _INPUT,
            Param("ID_FIELD", "Region id field", "field", parent="INPUT"),
            Param("TABLE", "Panel table (one row per region and period)", "table"),
            Param(
                "TABLE_ID_FIELD",
                "Region id field of the table (default: as the regions')",
                "field",
                optional=True,
                parent="TABLE",
            ),
            Param("TIME_FIELD", "Period field of the table", "field", parent="TABLE"),
            Param("Y", "Dependent variable", "field", parent="TABLE", **_NUMERIC),
            Param("X", "Regressors", "fields", parent="TABLE", **_NUMERIC),
            *_WEIGHTS_PARAMS,
            Param(
                "FIXED_EFFECTS",
                "Fixed effects",
                "enum",
                default=0,
                options=("twoway", "unit", "time", "none"),
            ),
            Param(
                "BIAS_CORRECTION",
                "Bias correction (Lee-Yu: time or two-way effects with few regions)",
                "enum",
                default=0,
                options=("none", "lee-yu"),
            ),
            Param("DRAWS", "Draws for the effects' standard errors", "int", default=1000, minimum=0),
            _SEED,
            Param("OUTPUT", "Estimates", "table_sink"),
        ),
        _run_sdm,
    ),
    Algorithm(
        "malmquist",
        "Malmquist TFP index (DEA)",
        "Malmquist total factor productivity change and its decomposition (effch, techch, pech, sech, tfpch) "
        "per unit and period, as DEAP 2.1 computes it, with the cumulative TFP index tfp.",
        (
            Param("INPUT", "Panel (any vector layer or table, one row per unit and period)", "table"),
            Param("ID_FIELD", "Unit id field", "field", parent="INPUT"),
            Param("TIME_FIELD", "Period field", "field", parent="INPUT"),
            Param("INPUT_FIELDS", "Inputs", "fields", parent="INPUT", **_NUMERIC),
            Param("OUTPUT_FIELDS", "Outputs", "fields", parent="INPUT", **_NUMERIC),
            Param("ORIENTATION", "Orientation", "enum", default=0, options=("input", "output")),
            Param("FRONTIER", "Frontier", "enum", default=0, options=("adjacent", "sequential", "global")),
            Param("OUTPUT", "Malmquist indices", "table_sink"),
        ),
        _run_malmquist,
    ),
)
