"""Packaging (issue #25): one version, the files an index and a citation need, the extras the README documents.

The wheel itself is built, checked with ``twine check --strict``, installed into a clean virtual environment
and run (``spillover demo``) by CI's packaging stage (.ci/run); these tests keep the metadata it ships honest.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import spillover

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_version_lives_only_in_the_package(project: dict) -> None:
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "spillover.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?", spillover.__version__)
    # the installed metadata is generated from the attribute (an editable install made before a bump is stale:
    # reinstall)
    assert metadata.version("spillover") == spillover.__version__


def test_changelog_and_citation_name_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert first is not None, "CHANGELOG.md has no '## [version] - YYYY-MM-DD' entry"
    assert first["version"] == spillover.__version__

    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+): *\"?([^\"\n]*)\"?$", citation, re.M))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == spillover.__version__
    assert fields["date-released"] == first["date"]
    assert fields["license"] == "MIT"


def test_license_file_is_shipped(project: dict) -> None:
    assert project["project"]["license"] == "MIT"
    assert project["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_readme_documents_every_extra(project: dict) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r'pip install "spillover\[([a-z]+)\]"', readme))
    assert documented == set(project["project"]["optional-dependencies"])


def test_qgis_extra_pins_what_qgis_python_needs(project: dict) -> None:
    # Debian's GDAL bindings are built against numpy 1.x; pyarrow 26 refuses numpy 1.x (docs/qgis.md)
    assert set(project["project"]["optional-dependencies"]["qgis"]) == {"numpy<2", "pyarrow<26"}


def test_qgis_plugin_ships_the_same_license() -> None:
    # the plugin zip carries its own copy (the QGIS plugin repository wants a LICENSE inside the zip)
    shipped = ROOT / "src" / "spillover" / "qgis" / "plugin_files" / "LICENSE"
    assert shipped.read_bytes() == (ROOT / "LICENSE").read_bytes()
