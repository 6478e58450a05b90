"""Issue 25, item 2: every result, summary, table and weights object displays as HTML in a notebook.

Results show their ``summary()`` through :meth:`spillover._readonly.ReadOnly._repr_html_`, which renders the
:class:`~spillover.summary.Summary` with its one HTML rendering.  The first tests walk the package and check
that every result class can do that (a ``summary()`` callable without arguments); the last build a sample of
real results on the shipped data and check that the HTML holds the numbers the results report (their own
attributes, or esda / libpysal called directly, formatted as the Summary formats them).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from esda.moran import Moran
from libpysal.weights import W

import spillover as so
from spillover._readonly import ReadOnly, ReadOnlyModel
from spillover.study.results import StudyRun, StudyTable
from spillover.summary import Summary
from spillover.weights import WeightsSummary

# spillover.qgis runs inside QGIS; __main__ runs the command line when imported
SKIPPED = ("spillover.qgis", "spillover.__main__")


def _modules() -> list[Any]:
    out = []
    for info in pkgutil.walk_packages(so.__path__, "spillover."):
        if not info.name.startswith(SKIPPED):
            out.append(importlib.import_module(info.name))
    return out


def _result_classes() -> list[type]:
    """Public result classes: frozen dataclasses inheriting ReadOnly (models, ReadOnlyModel, are not results;
    a non-dataclass ReadOnly such as UnitScores is a shared base, never returned)."""
    found = {}
    for mod in _modules():
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and obj.__module__.startswith("spillover.")
                and issubclass(obj, ReadOnly)
                and not issubclass(obj, ReadOnlyModel)
                and dataclasses.is_dataclass(obj)
                and not name.startswith("_")
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


RESULTS = _result_classes()
# what users also meet in a notebook besides the results: the summary/table type, weights, study outputs
OTHERS = [Summary, WeightsSummary, StudyTable, StudyRun]


def test_the_walk_finds_every_result_family() -> None:
    names = {c.__name__ for c in RESULTS}
    expected = {
        "SpatialPanelResults",
        "LMTests",
        "TestResult",
        "LocalMoranResult",
        "MoranScatter",
        "DEAResult",
        "SBMResult",
        "MalmquistResult",
        "BootstrapResult",
        "DagumResult",
        "PanelResults",
        "EventStudyResult",
        "EntropyIndexResult",
    }
    assert expected <= names, expected - names
    assert len(RESULTS) >= 40


@pytest.mark.parametrize("cls", RESULTS + OTHERS, ids=lambda c: c.__name__)
def test_every_class_has_its_own_html_display(cls: type) -> None:
    owner = next(base for base in cls.__mro__ if "_repr_html_" in vars(base))
    assert owner is not object
    if owner is ReadOnly:  # the default renders summary(): it must exist and need no argument
        summary = getattr(cls, "summary", None)
        assert callable(summary), f"{cls.__name__} has no summary() for its notebook display"
        params = list(inspect.signature(summary).parameters.values())[1:]
        required = [p.name for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,)]
        assert not required, f"{cls.__name__}.summary() needs {required}"


def test_an_object_without_summary_falls_back_to_the_plain_repr() -> None:
    @dataclasses.dataclass(frozen=True)
    class Bare(ReadOnly):
        x: int

    assert Bare(1)._repr_html_() is None  # IPython shows repr() instead


# ------------------------------------------------------------------------------- a sample of real results
@functools.cache
def _us() -> Any:
    return so.datasets.us_states()


@functools.cache
def _w() -> Any:
    return so.weights.contiguity(_us(), kind="queen")


@functools.cache
def _rice() -> Any:
    return so.datasets.rice_farms()


@functools.cache
def _sdm() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", so.errors.SmallSampleBiasWarning)
        return so.SpatialPanelModel(_us(), "ln_gsp", ["ln_pcap", "ln_pc"], _w(), kind="sdm").fit()


def _f4(v: float) -> str:
    return f"{v:.4f}"  # how Summary prints a float cell or header value


def _weights() -> tuple[Any, list[str]]:
    # links: non-zeros of libpysal's own sparse matrix of the graph
    return so.weights.describe(_w()), [f"<td>{_w().sparse.nnz}</td>", "48 regions"]


def _moran_scatter() -> tuple[Any, list[str]]:
    # Moran's I from esda directly (row-standardised queen weights, 1986)
    y = _us().cross_section(1986)["ln_gsp"].to_numpy()
    wl = W.from_sparse(so.weights.transform(_w(), "r").sparse)
    return so.esda.moran_scatter_data(_us(), "ln_gsp", _w(), period=1986), [_f4(Moran(y, wl).I)]


def _lisa() -> tuple[Any, list[str]]:
    res = so.local_moran(_us(), "ln_gsp", _w(), period=1986, permutations=99, seed=0)
    n_hh = int((res.to_frame()["cluster"] == "High-High").sum())  # counted from the per-region frame
    return res, [f"<th>High-High</th><td>{n_hh}</td>", "permutations: 99"]


def _sdm_table() -> tuple[Any, list[str]]:
    res = _sdm()
    return res, [f"{res.params['ln_pcap']:.3f}", "Direct", "Indirect"]  # paper table: 3 decimals


def _wald() -> tuple[Any, list[str]]:
    test = _sdm().wald_test("sar")
    return test, [_f4(test.statistic), _f4(test.pvalue)]


def _lm() -> tuple[Any, list[str]]:
    lm = so.lm_tests(_us(), "ln_gsp", ["ln_pcap", "ln_pc"], _w())
    return lm, [_f4(lm.summary().frame.iloc[0, 0])]


def _compare() -> tuple[Any, list[str]]:
    return so.tables.compare([_sdm()], ["SDM"]), ["SDM", f"{_sdm().params['ln_pc']:.3f}"]


def _dea() -> tuple[Any, list[str]]:
    y90 = _rice()[_rice()["year"] == 1990]
    res = so.dea(y90[["area", "labor"]], y90[["prod"]], rts="vrs")
    return res, ["Data envelopment analysis", _f4(float(np.nanmean(res.efficiency)))]


def _sbm() -> tuple[Any, list[str]]:
    y90 = _rice()[_rice()["year"] == 1990]
    res = so.sbm(y90[["area", "labor"]], y90[["prod"]], rts="vrs")
    return res, ["Slacks-based measure", _f4(float(np.nanmean(res.efficiency)))]


def _malmquist() -> tuple[Any, list[str]]:
    res = so.malmquist(_rice(), id="farm", time="year", inputs=["area", "labor"], outputs=["prod"])
    return res, [_f4(res.mean["tfpch"])]


def _bootstrap_dea() -> tuple[Any, list[str]]:
    y90 = _rice()[_rice()["year"] == 1990]
    res = so.productivity.bootstrap_dea(y90[["area", "labor"]], y90[["prod"]], draws=20, seed=0)
    return res, [_f4(float(res.bias_corrected.mean())), "draws: 20"]


def _bootstrap_malmquist() -> tuple[Any, list[str]]:
    two = _rice()[_rice()["year"].isin([1990, 1991])]
    res = so.productivity.bootstrap_malmquist(
        two, id="farm", time="year", inputs=["area", "labor"], outputs=["prod"], draws=10, seed=0
    )
    return res, [_f4(float(res.index("tfpch")["estimate"].mean()))]


def _entropy() -> tuple[Any, list[str]]:
    res = so.indicators.entropy_index(
        so.datasets.china_simulated(), {"internet_rate": "+", "telecom_cost": "-"}
    )
    return res, [_f4(res.weights.loc["internet_rate", "weight"])]


def _theil() -> tuple[Any, list[str]]:
    # the overall Theil T index computed here from its definition: mean of (y / mean) * log(y / mean)
    panel = _us().with_data(
        _us().data["gsp"].gt(_us().data["gsp"].median()).map({True: "big", False: "small"}).rename("size")
    )
    res = so.disparity.theil(panel, "gsp", "size")
    y = panel.cross_section(panel.periods[0])["gsp"].to_numpy()
    s = y / y.mean()
    return res, [_f4(float(np.mean(s * np.log(s))))]


def _panel_fe() -> tuple[Any, list[str]]:
    res = so.panel_models.fixed_effects(_us(), "ln_gsp", ["ln_pcap", "ln_pc"])
    return res, [f"{res.params['ln_pcap']:.3f}"]


def _study_table() -> tuple[Any, list[str]]:
    display = _sdm().summary()
    return StudyTable("sdm", _sdm().to_frame(), display), [display.title]


SAMPLE: dict[str, Callable[[], tuple[Any, list[str]]]] = {
    "weights": _weights,
    "moran_scatter": _moran_scatter,
    "lisa": _lisa,
    "sdm": _sdm_table,
    "wald": _wald,
    "lm_tests": _lm,
    "compare": _compare,
    "dea": _dea,
    "sbm": _sbm,
    "malmquist": _malmquist,
    "bootstrap_dea": _bootstrap_dea,
    "bootstrap_malmquist": _bootstrap_malmquist,
    "entropy": _entropy,
    "theil": _theil,
    "panel_fe": _panel_fe,
    "study_table": _study_table,
}


@pytest.mark.parametrize("name", list(SAMPLE))
def test_a_real_result_renders_its_numbers_as_html(name: str) -> None:
    obj, expected = SAMPLE[name]()
    html = obj._repr_html_()
    assert html.startswith(("<table>", "<pre>")), html[:80]
    for text in expected:
        assert text in html, f"{name}: {text!r} not in {html[:400]}"
