"""A real QGIS for the tests in this folder (CI's QGIS stage; see .ci/run).

Run them with Debian's python3-qgis (QGIS 3.22, Python 3.11) from a virtual environment created with
``--system-site-packages``::

    QT_QPA_PLATFORM=offscreen .qgis-venv/bin/python -m pytest tests/qgis

Every test module starts with ``pytest.importorskip("qgis.core")``, so where QGIS is not installed the
modules are skipped (and the main suite never imports QGIS).  QGIS objects live inside fixtures and tests
only; the session fixture clears the project before ``exitQgis()``, without which the process can crash at
exit.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

CROSS_SECTION = "cross-section"  # spillover.qgis.analysis.CROSS_SECTION, the period of a one-period layer

PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"  # Debian's location of QGIS's Processing framework

_QGIS_STARTED: list[bool] = []  # set once the session's QgsApplication exists
_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without the interpreter's teardown once QGIS has run.

    Headless QGIS 3.22 can segfault while Python destroys its last Qt/SIP wrappers at interpreter exit, after
    every test has passed and ``exitQgis()`` has returned (seen on a clean clone in CI: 23 passed, then
    SIGSEGV, so the stage failed on a crash outside any test).  pytest's report is complete by now, so the
    process ends here with pytest's own exit status; nothing of QGIS runs after this point.
    """
    if _QGIS_STARTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1] if _EXIT_STATUS else 1)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Drop the test's fixture values before its fixtures are torn down.

    pytest keeps every test's fixture values (``item.funcargs``) until the session ends, so a layer made by
    a function-scoped fixture would outlive ``exitQgis()`` and crash the process when Python frees it.
    """
    getattr(item, "funcargs", {}).clear()
    yield


@pytest.fixture(scope="session")
def qgis_app() -> Iterator[Any]:
    """An initialised QgsApplication with Processing and spillover's provider registered."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsProject

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    if PROCESSING_PLUGINS not in sys.path:
        sys.path.append(PROCESSING_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    from spillover.qgis import register

    register()
    _QGIS_STARTED.append(True)
    yield app
    gc.collect()  # QGIS objects held in reference cycles (e.g. by an exception's traceback) go first
    QgsProject.instance().clear()
    app.exitQgis()


@pytest.fixture(scope="session")
def gpkg_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped China provinces GeoPackage (QGIS opens GeoPackages for update, and SQLite then
    rewrites header bytes of the file even when nothing changes: the shipped file is never opened)."""
    copy = tmp_path_factory.mktemp("shapes") / "china_provinces.gpkg"
    with resources.as_file(resources.files("spillover._shapes") / "china_provinces.gpkg") as path:
        shutil.copyfile(path, copy)
    return copy


@pytest.fixture
def provinces(qgis_app: Any, gpkg_path: Path) -> Any:
    """The shipped provinces layer (34 units) through QGIS's ogr provider."""
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"{gpkg_path}|layername=provinces", "provinces", "ogr")
    assert layer.isValid()
    return layer


@pytest.fixture(scope="session")
def frame(gpkg_path: Path) -> Any:
    """The same layer read by pyogrio (GDAL) without QGIS: the source of the expected values."""
    import geopandas as gpd

    return gpd.read_file(gpkg_path, layer="provinces", engine="pyogrio")


@pytest.fixture(scope="session")
def cross_section() -> Any:
    """``cross_section(frame, field)``: the one-period SpatialPanel of a field, built without spillover.qgis."""
    import pandas as pd

    from spillover.panel import SpatialPanel

    def build(frame: Any, field: str) -> SpatialPanel:
        data = pd.DataFrame({"province": frame["province"], "period": CROSS_SECTION, field: frame[field]})
        return SpatialPanel(data, frame[["province", "geometry"]], id="province", time="period")

    return build
