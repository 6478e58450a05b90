"""The option vocabulary of docs/conventions.md holds across the package (issue 20, items 3 and 4)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from typing import get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spillover
from spillover import options
from spillover.study import schema

BANNED = {
    "effects",
    "reps",
    "n_boot",
    "nboot",
    "replications",
    "n_reps",
    "sig",
    "significance",
    "force",
    "random_state",
    "verbose",
    "show_progress",
}
SKIP_MODULES = ("spillover.cli", "spillover.qgis")  # the CLI says --force; QGIS needs qgis to import


def _public_callables():
    for info in pkgutil.walk_packages(spillover.__path__, "spillover."):
        if info.name.startswith(SKIP_MODULES) or ("._" in info.name and not info.name.endswith("__init__")):
            continue
        mod = importlib.import_module(info.name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if inspect.isfunction(obj):
                yield f"{info.name}.{name}", obj
            elif inspect.isclass(obj) and obj.__module__.startswith("spillover"):
                for attr, member in vars(obj).items():
                    if (not attr.startswith("_") or attr == "__init__") and inspect.isfunction(member):
                        yield f"{info.name}.{name}.{attr}", member


def test_no_public_callable_takes_an_old_option_name():
    found = [
        (where, name)
        for where, fn in _public_callables()
        for name, p in inspect.signature(fn).parameters.items()
        if name in BANNED or (name == "B" and "int" in str(p.annotation))
    ]  # B: a count, not a matrix
    assert found == []


def test_the_walk_sees_the_renamed_functions():
    # guard against a walk that silently checks nothing
    names = {where for where, _ in _public_callables()}
    assert {
        "spillover.panel_models.fe.fixed_effects",
        "spillover.productivity.bootstrap.bootstrap_dea",
        "spillover.spatial.specification.specification",
    } <= names


def test_schema_choices_are_the_literals():
    assert get_args(options.Kind) == schema.MODEL_KINDS
    assert {"sac", "gns"} <= set(schema.MODEL_KINDS)
    assert get_args(options.Effects) == schema.EFFECTS
    assert schema.MODEL_KEYS["kind"].choices == get_args(options.Kind)
    assert schema.PANEL_MODEL_TYPES["fixed_effects"]["fixed_effects"].choices == get_args(
        options.FixedEffects
    )


def test_literals_are_defined_once():
    from spillover.panel_models import _data
    from spillover.spatial import model

    dea = importlib.import_module("spillover.productivity.dea")  # the package shadows it with the function
    malmquist = importlib.import_module("spillover.productivity.malmquist")

    assert model.Kind is options.Kind and model.FixedEffects is options.FixedEffects
    assert _data.FixedEffects is options.FixedEffects
    assert dea.RTS is options.RTS and malmquist.Frontier is options.Frontier


def test_one_check_option():
    from spillover import errors

    assert options.check_option is errors.check_option
    with pytest.raises(spillover.errors.DEAError, match=r"'rts' needs to be one of \['crs'"):
        spillover.productivity.dea(np.ones((3, 1)), np.ones((3, 1)), rts="bogus")


def test_old_names_warn_and_still_work(tmp_path):
    x = np.array([[2.0], [3.0], [4.0], [5.0]])
    y = np.array([[1.0], [2.0], [2.0], [4.0]])
    with pytest.warns(FutureWarning, match=r"use draws=\.\.\. instead") as rec:
        old = spillover.productivity.bootstrap_dea(x, y, n_boot=3, seed=0, progress=False)
    assert rec[0].filename == __file__  # points at this line, not inside spillover
    new = spillover.productivity.bootstrap_dea(x, y, draws=3, seed=0, progress=False)
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    with pytest.raises(TypeError, match="pass only draws="):
        spillover.productivity.bootstrap_dea(x, y, n_boot=3, draws=3)


def test_renamed_effects_and_level():
    from spillover.spatial.testresult import TestResult

    t = TestResult("t", 3.0, 1, 0.03, "null")
    with pytest.warns(FutureWarning, match=r"reject\(level=\.\.\.\).*use alpha="):
        assert t.reject(level=0.05) is True  # 0.03 < 0.05 (by hand)
    assert t.reject(alpha=0.01) is False  # 0.03 > 0.01


def test_renamed_helper_and_warn_point_at_the_caller():
    @options.renamed(old="new")
    def f(*, new: int = 0) -> int:
        options.warn("careful", spillover.errors.SpilloverWarning)
        return new

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert f(old=2) == 2
    # test files are outside the spillover package, so both warnings point here
    assert [w.filename for w in rec] == [__file__, __file__]
    assert [w.category for w in rec] == [FutureWarning, spillover.errors.SpilloverWarning]


@pytest.mark.parametrize("value", [0, 1, -3, 2.5, True, "3", None])
def test_check_int_refuses_what_is_not_a_count(value):
    with pytest.raises(spillover.errors.SpilloverError, match="draws must be an integer >= 2"):
        options.check_int(value, "draws", minimum=2)


@pytest.mark.parametrize("value", [0, 1, -0.1, 1.5, float("nan"), True, "0.05"])
def test_check_probability_refuses(value):
    with pytest.raises(spillover.errors.SpilloverError, match="strictly between 0 and 1"):
        options.check_probability(value, "alpha")


def test_check_seed_and_number():
    options.check_seed(None), options.check_seed(0), options.check_seed(np.random.default_rng(1))
    for bad in (-1, 1.5, "a"):
        with pytest.raises(spillover.errors.SpilloverError, match="seed must be"):
            options.check_seed(bad)
    with pytest.raises(spillover.errors.SpilloverError, match=r"band must be a finite number > 0, got inf"):
        options.check_number(float("inf"), "band", minimum=0, strict=True)
    with pytest.raises(
        spillover.errors.SpilloverError, match=r"phi must be a finite number in \[0, 1\], got 2"
    ):
        options.check_number(2, "phi", minimum=0, maximum=1)


def test_progress_bar_calls_the_users_reporter():
    seen = []
    assert list(options.track(range(3), 3, lambda d, t: seen.append((d, t)), "x")) == [0, 1, 2]
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert list(options.track(range(2), 2, False, "x")) == [0, 1]


def test_study_file_old_effects_key_warns(tmp_path):
    from spillover.study import validate

    text = (schema_example := (spillover.study.example_path("us_states"))).read_text()
    assert 'fixed_effects = "twoway"' in text
    # the first panel_models entry's key written the old way
    head, sep, tail = text.partition("[panel_models.")
    tail = tail.replace('\nfixed_effects = "twoway"', '\neffects = "twoway"', 1)
    with pytest.warns(FutureWarning, match="effects = ... is deprecated") as rec:
        study = validate.loads(head + sep + tail, base=schema_example.parent)
    assert rec[0].filename == __file__
    entries = study.section("panel_models") or {}
    assert all(e["fixed_effects"] == "twoway" for e in entries.values())


# ---- every public call that warns points at the user's line (options.warn), not inside spillover ----
def _fired(category, call):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        call()
    fired = [w for w in rec if issubclass(w.category, category)]
    assert fired, f"no {category.__name__}"
    return fired


def test_model_fit_small_sample_warning_points_at_the_caller():
    us = spillover.datasets.us_states()
    w = spillover.weights.contiguity(us.geometry, kind="queen")
    model = spillover.SpatialPanelModel(
        us, "ln_gsp", ["ln_pcap", "ln_pc", "ln_emp", "unemp"], w, kind="sdm", fixed_effects="twoway"
    )
    # fires with two-way effects on the 48 states (tests/foundation/test_hardening_summary.py relies on it too)
    fired = _fired(spillover.errors.SmallSampleBiasWarning, model.fit)
    assert [f.filename for f in fired] == [__file__]


def test_island_warning_points_at_the_caller():
    geo = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], index=["a", "b", "c"], crs="EPSG:3857"
    )
    # "c" touches nobody (by construction), so islands="keep" warns about it
    fired = _fired(spillover.errors.IslandWarning, lambda: spillover.weights.contiguity(geo, islands="keep"))
    assert [f.filename for f in fired] == [__file__]


def test_interpolation_warning_points_at_the_caller():
    geo = gpd.GeoDataFrame(
        {"region": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:3857"
    )
    df = pd.DataFrame(
        {
            "region": ["a", "a", "a", "b", "b", "b"],
            "year": [1, 2, 3] * 2,
            "y": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
        }
    )  # a's 2 lies between two observed years
    fired = _fired(
        spillover.errors.InterpolationWarning,
        lambda: spillover.SpatialPanel(df, geo, id="region", time="year", interpolate=True),
    )
    assert [f.filename for f in fired] == [__file__]


def test_dea_infeasible_warning_points_at_the_caller():
    # VRS input-oriented super-efficiency: "big" has the largest output, no combination of the others
    # produces it (tests/productivity/test_superefficiency.py), so its LP is infeasible and dea warns
    x = pd.DataFrame({"x": [2.0, 3.0, 6.0]}, index=["a", "b", "big"])
    y = pd.DataFrame({"y": [1.0, 2.0, 4.0]}, index=["a", "b", "big"])
    fired = _fired(
        spillover.errors.InfeasibleWarning, lambda: spillover.productivity.dea(x, y, rts="vrs", super=True)
    )
    assert fired and all(f.filename == __file__ for f in fired)


def test_study_progress_takes_the_one_protocol(capsys):
    from spillover.study.progress import StepEvent, silent, steps

    events = [
        StepEvent("data", "Read the data", 1, 2, "start"),
        StepEvent("data", "Read the data", 1, 2, "done"),
        StepEvent("outputs", "Write", 2, 2, "start"),
        StepEvent("outputs", "Write", 2, 2, "done", 0.5, "x"),
    ]
    seen, got = [], []
    assert steps(False) is silent and steps(None) is silent  # the API default shows nothing
    for e in events:
        steps(lambda done, total: seen.append((done, total)))(e)  # update(done, total), as every progress=
        steps(got.append)(e)  # a step callback (QGIS) gets the events themselves
    assert seen == [(1, 2), (2, 2)]  # two finished steps of two (by hand)
    assert got == events
    import io

    stream = io.StringIO()  # not a terminal: progress=True shows plain lines, as `spillover run` in a pipe
    for e in events:
        steps(True, stream)(e)
    assert stream.getvalue().splitlines() == ["[1/2] Read the data (0.0 s)", "[2/2] Write: x (0.5 s)"]
