"""pip install prints no setuptools warnings of our making (checked statically: building takes minutes).

The two warnings issue 13 saw: ``project.license`` as a TOML table (deprecated: an SPDX string is wanted) and
"Package would be ignored" for a folder under ``src/spillover`` that is not in the explicit packages list.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_license_is_an_spdx_string_and_every_folder_is_a_listed_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(config["project"]["license"], str)
    listed = set(config["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    folders = {
        ".".join(d.relative_to(src).parts)
        for d in (src / "spillover").rglob("*")
        if d.is_dir() and d.name != "__pycache__" and any(f.is_file() for f in d.iterdir())
    }
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
