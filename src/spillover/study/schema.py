"""What a study file may contain: sections, keys, their types, choices and defaults.

The schema is data, not code: :mod:`spillover.study.validate` walks it to report every mistake at once.
Each section is a mapping ``key -> Field``.  Sections of named entries (``[weights.queen]``,
``[indicators.ami]``) choose their extra keys by their ``kind``/``type``; ``[[models]]`` is an array of
tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spillover.options import (
    BiasCorrection,
    ConleyKernel,
    Effects,
    FixedEffects,
    Frontier,
    Kind,
    Language,
    Orientation,
    ResampleBackend,
    StandardErrors,
    choices,
)

__all__ = [
    "Field",
    "Range",
    "SECTIONS",
    "NAMED_SECTIONS",
    "WEIGHT_KINDS",
    "INDICATOR_TYPES",
    "PANEL_MODEL_TYPES",
    "CAUSAL_TYPES",
    "MODEL_KEYS",
    "DATASETS",
    "BOUNDARY_SETS",
    "TFP_VARIABLES",
    "TABLE_FORMATS",
    "MODEL_KINDS",
    "EFFECTS",
    "RENAMED_KEYS",
    "DISPARITY_MEASURES",
    "CONVERGENCE_KINDS",
    "BETA_MODELS",
    "THRESHOLD_EFFECTS",
    "HOTSPOT_STATISTICS",
    "CHOICE_KINDS",
]

DATASETS = ("us_states", "china_simulated")
BOUNDARY_SETS = ("china_provinces", "us_states")
TFP_VARIABLES = ("effch", "techch", "pech", "sech", "tfpch", "tfp")
TABLE_FORMATS = ("csv", "tex", "xlsx", "dta")
# the choices come from the option aliases of spillover.options (one list, shared with the API)
MODEL_KINDS = tuple(choices(Kind))
EFFECTS = tuple(choices(Effects))
_FIXED = tuple(choices(FixedEffects))
# choices of options whose aliases live in the analysis modules (disparity.convergence's kind and model,
# panel_models.threshold's fixed_effects): written out so that validating a study does not import the
# estimators; tests/study/test_study_disparity.py checks they equal the API's aliases.
DISPARITY_MEASURES = ("dagum", "theil", "kde")
CONVERGENCE_KINDS = ("sigma", "beta", "spatial_beta")
BETA_MODELS = ("sar", "sem", "sdm")
THRESHOLD_EFFECTS = ("unit", "twoway")
HOTSPOT_STATISTICS = ("gi_star", "gi", "local_geary", "bivariate")
CHOICE_KINDS = ("slx", "sar", "sem", "sdm", "sdem")  # spatial.model_probabilities's kinds
_CHOICE_EFFECTS = ("none", "unit", "time", "twoway")  # and its fixed_effects (no random effects)

RENAMED_KEYS = {"effects": "fixed_effects"}
"""Keys renamed to the package's vocabulary (docs/conventions.md): the old name still works for one release,
with a FutureWarning."""


def _or(items: tuple[str, ...]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1]


@dataclass(frozen=True)
class Range:
    """The interval a number must lie in; each bound is closed unless ``*_open`` (``None``: unbounded).

    >>> str(Range(0, 1, low_open=True, high_open=True)), 0.05 in Range(0, 1, low_open=True, high_open=True)
    ('strictly between 0 and 1', True)
    >>> str(Range(2)), 1 in Range(2)
    ('at least 2', False)
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value: float) -> bool:
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below

    def __str__(self) -> str:
        if self.low is not None and self.high is not None:
            if self.low_open and self.high_open:
                return f"strictly between {self.low:g} and {self.high:g}"
            lo, hi = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"in {lo}{self.low:g}, {self.high:g}{hi}"
        if self.low is not None:
            return f"{'greater than' if self.low_open else 'at least'} {self.low:g}"
        assert self.high is not None
        return f"{'less than' if self.high_open else 'at most'} {self.high:g}"


@dataclass(frozen=True)
class Field:
    """One key: its type (``str``, ``int``, ``number``, ``bool``, ``strs`` (list of text), ``str|strs``,
    ``numbers`` (list of numbers), ``mapping``, ``int|str``, ``period|last``, ``periods``, ``pair``), allowed values, whether it is required,
    its default, a one-line help text (used in messages and by ``spillover init``) and, for numbers, the
    :class:`Range` of allowed values (every number must also be finite)."""

    type: str
    choices: tuple[Any, ...] = ()
    required: bool = False
    default: Any = None
    help: str = ""
    range: Range | None = None


_SEED = Range(0)  # numpy.random.default_rng refuses negative seeds
_COUNT = Range(1)
_DRAWS = Range(2)  # a standard deviation needs two draws
_NON_NEGATIVE = Range(0)
_POSITIVE = Range(0, low_open=True)
_SHARE = Range(0, 1)
_LEVEL = Range(0, 1, low_open=True, high_open=True)


def _str(
    help: str = "", *, required: bool = False, choices: tuple[Any, ...] = (), default: Any = None
) -> Field:
    return Field("str", choices, required, default, help)


SECTIONS: dict[str, dict[str, Field]] = {
    "study": {
        "title": _str("title of the report", required=True),
        "description": _str("a paragraph shown under the title"),
        "seed": Field(
            "int", default=0, help="seed of every random draw (permutations, impact draws)", range=_SEED
        ),
        "simulated": Field("bool", default=False, help="label the whole report as simulated data"),
        "backend": _str(
            "where the [[models]] fits and the LISA periods run: serial, processes or dask (same results)",
            choices=tuple(choices(ResampleBackend)),
            default="serial",
        ),
        "n_jobs": Field(
            "int", help="worker processes for backend processes or dask (default: every core)", range=_COUNT
        ),
    },
    "data": {
        "dataset": _str("a shipped panel instead of a file", choices=DATASETS),
        "file": _str("panel file: .csv, .xlsx or .dta, one row per region and period"),
        "id": _str("region column"),
        "time": _str("period column"),
        "encoding": _str("text encoding of a CSV file (default UTF-8), e.g. 'gbk' for yearbook exports"),
        "sheet": Field(
            "int|str", help="Excel sheet (name or 0-based position), needed for a workbook of several"
        ),
        "normalize_regions": Field(
            "bool", default=False, help="map Chinese province names in any alias to canonical English names"
        ),
        "interpolate": Field("bool", default=False, help="fill interior gaps by linear interpolation"),
        "seed": Field("int", help="seed of a simulated dataset (default: the shipped seed)", range=_SEED),
        "units": Field(
            "mapping",
            help='units of variables for legends and tables, e.g. { gdp_pc = "10,000 yuan", unemp = "%" }',
        ),
    },
    "boundaries": {
        "dataset": _str("shipped boundaries", choices=BOUNDARY_SETS),
        "file": _str("boundary file: .gpkg, .shp, .geojson or .parquet (GeoParquet)"),
        "id": _str("column of the boundary file holding the region ids"),
        "layer": _str("layer of a GeoPackage"),
    },
    "variables": {
        "y": _str("dependent variable", required=True),
        "x": Field("strs", required=True, help="regressors"),
    },
    "tfp": {
        "inputs": Field("strs", required=True, help="DEA inputs"),
        "outputs": Field("strs", required=True, help="DEA outputs"),
        "orientation": _str("DEA orientation", choices=tuple(choices(Orientation)), default="input"),
        "frontier": _str("Malmquist frontier", choices=tuple(choices(Frontier)), default="adjacent"),
    },
    "moran": {
        "variables": Field("strs", help="variables tested (default: the dependent variable)"),
        "weights": _str("weights used for Moran's I and LISA (default: the first defined)"),
        "permutations": Field(
            "int", default=999, help="permutations of the pseudo p-values (LISA needs one)", range=_COUNT
        ),
        "alpha": Field("number", default=0.05, help="significance level of the LISA clusters", range=_LEVEL),
        "lisa_periods": Field("periods", help="periods shown as LISA maps (default: first and last)"),
    },
    "lm": {
        "fixed_effects": _str("fixed effects of the LM tests", choices=_FIXED, default="twoway"),
        "weights": Field("strs", help="weights tested (default: all)"),
    },
    "tests": {
        "wald": Field("bool", default=True, help="Wald tests of each SDM against SAR and SEM"),
        "lr": Field("bool", default=True, help="LR tests of each SDM against the SAR and SEM it nests"),
        "hausman": Field("bool", default=False, help="Hausman test (fixed vs random effects), per weights"),
        "lr_fixed_effects": Field("bool", default=False, help="LR tests of the unit and time fixed effects"),
        "specification": Field(
            "bool", default=False, help="Elhorst's specification search (LM, LR, Wald, Hausman) per weights"
        ),
    },
    "impacts": {
        "draws": Field(
            "int", default=1000, help="parameter draws behind the effects' standard errors", range=_DRAWS
        ),
    },
    "maps": {
        "model": _str("model whose spillovers are mapped and written to the GeoPackage (default: first)"),
        "lisa": Field("bool", default=True, help="LISA cluster maps"),
        "spillover": Field("strs", help="regressors whose emitted/received spillovers are mapped"),
        "choropleth": Field("strs", help="variables mapped (last period)"),
        "small_multiples": Field("strs", help="variables mapped for every period"),
        "links": Field("bool", default=False, help="a map of each weights matrix's links"),
        "scheme": _str(
            "classification scheme of the choropleths",
            default="quantiles",
            choices=("quantiles", "natural_breaks", "equal_interval"),
        ),
        "k": Field("int", default=5, help="number of classes", range=Range(2)),
    },
    "disparity": {
        "variables": Field("strs", help="variables measured (default: the dependent variable)"),
        "by": _str("grouping column of the data or boundaries (default: region4 with China's boundaries)"),
        "weights": _str("population column weighting the regions (Dagum, Theil; default: unweighted)"),
        "draws": Field(
            "int",
            default=0,
            help="bootstrap draws of the Dagum intervals (0: none; seeded)",
            range=_NON_NEGATIVE,
        ),
        "measures": Field(
            "strs",
            default=list(DISPARITY_MEASURES),
            choices=DISPARITY_MEASURES,
            help="dagum (Gini decomposition), theil (T and L) and/or kde (kernel density evolution)",
        ),
        "relative": Field("bool", default=False, help="kernel densities of value / cross-section mean"),
    },
    "convergence": {
        "variable": _str("the variable in levels (e.g. GDP per capita; positive)", required=True),
        "kinds": Field(
            "strs",
            default=["sigma", "beta"],
            choices=CONVERGENCE_KINDS,
            help="sigma, beta and/or spatial_beta",
        ),
        "controls": Field("strs", help="further regressors of the growth equation (conditional beta)"),
        "fixed_effects": _str(
            "fixed effects of the beta kinds (default: none for absolute beta, twoway otherwise)",
            choices=EFFECTS,
        ),
        "weights": _str("weights of spatial_beta (default: the first defined)"),
        "model": _str("spatial model of spatial_beta", choices=BETA_MODELS, default="sar"),
        "tau": Field("number", default=1.0, help="time between consecutive periods", range=_POSITIVE),
        "draws": Field(
            "int", default=1000, help="draws of spatial_beta's direct/indirect/total effects", range=_DRAWS
        ),
    },
    "markov": {
        "variable": _str("the variable classified (default: the dependent variable)"),
        "k": Field("int", default=4, help="number of quantile classes", range=Range(2)),
        "fixed": Field(
            "bool", default=True, help="classes from the pooled panel (false: quantiles of each period)"
        ),
        "spatial": _str("weights of a spatial Markov chain (a [weights.<name>] entry; default: none)"),
        "lisa": Field(
            "bool", default=False, help="LISA Markov chain (weights: spatial, else the first defined)"
        ),
    },
    "hotspots": {
        "variables": Field("strs", help="variables analysed (default: the dependent variable)"),
        "weights": _str("weights of the local statistics (default: the first defined)"),
        "statistic": _str(
            "gi_star (Getis-Ord Gi*), gi, local_geary or bivariate (local Moran of x against the neighbours)",
            choices=HOTSPOT_STATISTICS,
            default="gi_star",
        ),
        "x": _str("the variable set against the neighbours' values (statistic = 'bivariate' only)"),
        "permutations": Field(
            "int",
            default=999,
            help="permutations of the pseudo p-values (0: normal p-values, Getis-Ord only)",
            range=_NON_NEGATIVE,
        ),
        "alpha": Field("number", default=0.05, help="significance level of the classes", range=_LEVEL),
        "fdr": Field("bool", default=False, help="Benjamini-Hochberg cut-off instead of alpha"),
        "periods": Field("periods", help="periods mapped (default: the last)"),
        "emerging": Field(
            "bool", default=False, help="emerging hot-spot analysis (Gi* trend over all periods, 3 or more)"
        ),
    },
    "model_choice": {
        "kinds": Field(
            "strs",
            default=list(CHOICE_KINDS),
            choices=CHOICE_KINDS,
            help="kinds compared: slx, sar, sem, sdm and/or sdem",
        ),
        "weights": Field("strs", help="candidate W: [weights.*] entries (default: all defined)"),
        "fixed_effects": _str(
            f"fixed effects: {_or(_CHOICE_EFFECTS)}", choices=_CHOICE_EFFECTS, default="twoway"
        ),
        "y": _str("dependent variable (default: [variables].y)"),
        "x": Field("strs", help="regressors, interactions 'a:b' allowed (default: [variables].x)"),
    },
    "truth": {
        "model": _str("model the true parameters belong to", required=True),
        "params": Field("mapping", required=True, help="true value of each parameter (rho, x, W*x)"),
        "note": _str("how the data were simulated"),
    },
    "report": {
        "language": _str(
            "language of the report's headings, table headers and notes: en or zh (variables keep their names)",
            choices=tuple(choices(Language)),
            default="en",
        ),
    },
    "output": {
        "folder": _str("output folder (default: '<study file name>-results' beside the study file)"),
        "report": Field("bool", default=True, help="write report.html"),
        "geopackage": Field("bool", default=True, help="write regions.gpkg (GeoPackage 1.2)"),
        "tables": Field("strs", default=list(TABLE_FORMATS), choices=TABLE_FORMATS, help="table formats"),
        "figure_format": _str(
            "format of the figures embedded in the report", choices=("png", "svg"), default="png"
        ),
        "dpi": Field("int", default=110, help="resolution of PNG figures", range=_COUNT),
    },
}

_WEIGHTS_COMMON = {
    "kind": _str("contiguity, distance, economic, nested, file or prebuilt", required=True),
    "transform": _str(
        "r (row-standardised), none or spectral", choices=("r", "none", "spectral"), default="r"
    ),
    "label": _str("name shown in tables (default: the entry's name)"),
}
_COORDS = ("capital", "centroid", "representative")
WEIGHT_KINDS: dict[str, dict[str, Field]] = {
    "contiguity": {
        "criterion": _str("queen or rook", choices=("queen", "rook"), default="queen"),
        "islands": _str("nearest, keep or raise", choices=("nearest", "keep", "raise"), default="nearest"),
    },
    "distance": {
        "power": Field("number", default=1, help="distance decay exponent", range=_NON_NEGATIVE),
        "coords": _str("points the distances are measured between", choices=_COORDS),
        "band": Field("number", help="link only pairs at most this many km apart", range=_POSITIVE),
        "k": Field("int", help="link each region to its k nearest", range=_COUNT),
    },
    "economic": {
        "var": _str("variable whose regional means define the economic distance", required=True),
        "window": Field("pair", help="[first, last] period averaged"),
        "by_period": Field(
            "bool",
            default=False,
            help="one W per period from that period's data (weights.by_period): time-varying W for [[models]]",
        ),
        "span": Field(
            "int", default=1, help="periods averaged for each period's W with by_period", range=_COUNT
        ),
    },
    "nested": {
        "var": _str("variable whose regional means weight the distances", required=True),
        "form": _str(
            "multiplicative or weighted", choices=("multiplicative", "weighted"), default="multiplicative"
        ),
        "phi": Field("number", default=0.5, help="weight of geography in the weighted form", range=_SHARE),
        "power": Field("number", default=1, help="distance decay exponent", range=_NON_NEGATIVE),
        "window": Field("pair", help="[first, last] period averaged"),
        "coords": _str("points the distances are measured between", choices=_COORDS),
        "by_period": Field(
            "bool",
            default=False,
            help="one W per period from that period's data (weights.by_period): time-varying W for [[models]]",
        ),
        "span": Field(
            "int", default=1, help="periods averaged for each period's W with by_period", range=_COUNT
        ),
    },
    "file": {"path": _str("weights file: .gal, .gwt, .csv, .dta or .mat", required=True)},
    "prebuilt": {
        "name": _str(
            "shipped weights",
            required=True,
            choices=("china_provinces_queen", "china_provinces_invdist1", "china_provinces_invdist2"),
        ),
    },
}

INDICATOR_TYPES: dict[str, dict[str, Field]] = {
    "entropy": {
        "directions": Field("mapping", required=True, help="each sub-indicator with '+' or '-'"),
        "dimensions": Field("mapping", help="{dimension = [sub-indicators]}"),
        "pooling": _str("panel or period", choices=("panel", "period"), default="panel"),
        "basis": _str(
            "standardized or proportion", choices=("standardized", "proportion"), default="standardized"
        ),
        "scale": Field("number", default=1.0, help="multiplier of the scores", range=_POSITIVE),
        "shift": Field(
            "number", default=0.0, help="constant added to the standardised values", range=_NON_NEGATIVE
        ),
    },
    "coagglomeration": {
        "sector_a": _str("employment of the first sector", required=True),
        "sector_b": _str("employment of the second sector", required=True),
        "total": _str("total employment", required=True),
    },
    "location_quotient": {
        "sector": _str("employment of the sector", required=True),
        "total": _str("total employment", required=True),
    },
    "ellison_glaeser": {
        "sector_a": _str("employment of the first sector", required=True),
        "sector_b": _str("employment of the second sector", required=True),
    },
    "spatial_gini": {
        "sector": _str("employment (or output) of the sector", required=True),
        "total": _str("reference total"),
        "method": _str("lorenz or krugman", choices=("lorenz", "krugman"), default="lorenz"),
    },
}
# indicators that give a panel variable (the others give one number per period: a table)
PANEL_INDICATORS = ("entropy", "coagglomeration", "location_quotient")

_PM_EFFECTS = _str(f"fixed effects: {_or(_FIXED)}", choices=_FIXED, default="twoway")
_PM_SE = {
    "se": _str(
        "standard errors: cluster or conley (spatial HAC)",
        choices=tuple(choices(StandardErrors)),
        default="cluster",
    ),
    "cutoff_km": Field(
        "number", help="Conley cutoff: km beyond which errors are uncorrelated", range=_POSITIVE
    ),
    "kernel": _str(
        "Conley kernel: bartlett or uniform", choices=tuple(choices(ConleyKernel)), default="bartlett"
    ),
    "lag": Field("int", default=0, help="Conley serial lag in periods (0: none)", range=_NON_NEGATIVE),
    "coords": Field("strs", help="[longitude, latitude] columns of Conley's points (default: centroids)"),
}
_PM_CLUSTER = _str(
    "clusters of the standard errors: unit, time, twoway or none (iid)",
    choices=("unit", "time", "twoway", "none"),
    default="unit",
)
PANEL_MODEL_TYPES: dict[str, dict[str, Field]] = {
    "fixed_effects": {
        "y": _str("dependent variable (default: [variables].y)"),
        "x": Field("strs", help="regressors (default: [variables].x)"),
        "fixed_effects": _PM_EFFECTS,
        "cluster": _PM_CLUSTER,
        **_PM_SE,
    },
    "fe_iv": {
        "y": _str("dependent variable (default: [variables].y)"),
        "exog": Field("strs", help="exogenous regressors"),
        "endog": Field("strs", required=True, help="endogenous regressors"),
        "instruments": Field("strs", required=True, help="excluded instruments"),
        "fixed_effects": _PM_EFFECTS,
        "cluster": _PM_CLUSTER,
        **_PM_SE,
    },
    "mediation": {
        "x": _str("treatment variable", required=True),
        "mediator": _str("mediator", required=True),
        "y": _str("outcome (default: [variables].y)"),
        "controls": Field("strs", help="control variables"),
        "fixed_effects": _PM_EFFECTS,
        "cluster": _PM_CLUSTER,
        "draws": Field("int", default=1000, help="bootstrap draws (seeded from [study].seed)", range=_DRAWS),
    },
    "threshold": {
        "y": _str("dependent variable (default: [variables].y)"),
        "x": Field("strs", help="regressors outside the regimes (default: none)"),
        "q": _str("threshold variable", required=True),
        "regime": Field("str|strs", required=True, help="regressor(s) whose slope changes across regimes"),
        "n_thresholds": Field("int", default=1, help="number of thresholds (1 to 3)", range=Range(1, 3)),
        "trim": Field(
            "number",
            default=0.05,
            help="smallest share of observations in a regime",
            range=Range(0, 0.5, True, True),
        ),
        "draws": Field(
            "int",
            default=300,
            help="bootstrap draws of the threshold tests (0: none; seeded)",
            range=_NON_NEGATIVE,
        ),
        "fixed_effects": _str("unit or twoway", choices=THRESHOLD_EFFECTS, default="unit"),
    },
}

_CAUSAL_Y = _str("outcome (default: [variables].y)")
_CAUSAL_CONTROLS = Field("strs", help="control variables")
_CAUSAL_PLACEBO = Field(
    "int",
    default=0,
    help="placebo draws (random reassignment; 0: none; seeded from [study].seed)",
    range=_NON_NEGATIVE,
)
_CAUSAL_SCHEME = _str(
    "placebo reassignment: regions or regions_and_timing",
    choices=("regions", "regions_and_timing"),
    default="regions",
)
# the keys are the options of spillover.causal (weights = a [weights.*] entry, the API's w)
CAUSAL_TYPES: dict[str, dict[str, Field]] = {
    "spatial_did": {
        "y": _CAUSAL_Y,
        "treat": _str("0/1 treatment column", required=True),
        "weights": _str("[weights.*] entry of the exposure to treated neighbours (or rings_km)"),
        "rings_km": Field(
            "numbers", help="edges of the distance rings in km, e.g. [0, 50, 100] (or weights)"
        ),
        "controls": _CAUSAL_CONTROLS,
        "fixed_effects": _PM_EFFECTS,
        "cluster": _PM_CLUSTER,
        "placebo_draws": _CAUSAL_PLACEBO,
        "scheme": _CAUSAL_SCHEME,
    },
    "sdm_did": {
        "y": _CAUSAL_Y,
        "treat": _str("0/1 treatment column", required=True),
        "weights": _str("[weights.*] entry of the SDM", required=True),
        "controls": _CAUSAL_CONTROLS,
        "fixed_effects": _PM_EFFECTS,
        "bias_correction": _str("none or lee-yu", choices=tuple(choices(BiasCorrection)), default="none"),
        "draws": Field(
            "int", default=1000, help="draws behind the effects' standard errors (seeded)", range=_DRAWS
        ),
    },
    "event_study": {
        "y": _CAUSAL_Y,
        "treat_time": _str("column of each region's first treated period (NaN or 0: never)", required=True),
        "weights": _str("[weights.*] entry of an exposure term (optional)"),
        "window": Field("pair", default=[-4, 4], help="[lo, hi] event times, lo <= -2, hi >= 0"),
        "method": _str(
            "sun_abraham, did2s, twfe or callaway_santanna (pip install spillover[causal])",
            choices=("sun_abraham", "did2s", "twfe", "callaway_santanna"),
            default="sun_abraham",
        ),
        "control": _str(
            "callaway_santanna's comparison group: never (never treated) or notyet (not yet treated)",
            choices=("never", "notyet"),
            default="never",
        ),
        "controls": _CAUSAL_CONTROLS,
        "cluster": _str(
            "clusters of the standard errors: unit, time or none (iid)",
            choices=("unit", "time", "none"),
            default="unit",
        ),
        "placebo_draws": _CAUSAL_PLACEBO,
        "scheme": _CAUSAL_SCHEME,
    },
}

MODEL_KEYS: dict[str, Field] = {
    "name": _str("name of the model (a prefix when the entry expands to several)"),
    "kind": Field("str|strs", choices=MODEL_KINDS, default="sdm", help=_or(MODEL_KINDS)),
    "fixed_effects": Field("str|strs", choices=EFFECTS, default="twoway", help=_or(EFFECTS)),
    "weights": Field("str|strs", help="weights (default: all defined)"),
    "bias_correction": _str("none or lee-yu", choices=tuple(choices(BiasCorrection)), default="none"),
    "y": _str("dependent variable (default: [variables].y)"),
    "x": Field("strs", help="regressors (default: [variables].x)"),
    "durbin": Field("strs", help="regressors whose spatial lags enter (default: all)"),
    "w_x": _str("[weights.*] entry of the Durbin terms W x of an sdm, slx or sdem (default: weights)"),
    "impacts_at": Field(
        "mapping",
        help='effects of interactions "x:z" at values of z: { z = 4 }, { z = [4, 8] } or { z = "quantiles" }',
    ),
}

# named sections: section -> (selector key, kinds -> extra keys, common keys)
NAMED_SECTIONS: dict[str, tuple[str, dict[str, dict[str, Field]], dict[str, Field]]] = {
    "weights": ("kind", WEIGHT_KINDS, _WEIGHTS_COMMON),
    "indicators": (
        "type",
        INDICATOR_TYPES,
        {
            "type": _str(
                "entropy, coagglomeration, location_quotient, ellison_glaeser or spatial_gini", required=True
            )
        },
    ),
    "panel_models": (
        "type",
        PANEL_MODEL_TYPES,
        {"type": _str("fixed_effects, fe_iv, mediation or threshold", required=True)},
    ),
    "causal": ("type", CAUSAL_TYPES, {"type": _str(_or(tuple(CAUSAL_TYPES)), required=True)}),
}
