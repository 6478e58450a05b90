"""Type checkers see the public API through the lazy top package (issue 20, item 8).

``spillover/__init__.py`` loads its names with a module ``__getattr__``, which alone would make every
``so.<name>`` ``Any`` for a type checker; its ``if TYPE_CHECKING:`` block spells the names out, so a wrong
option value is caught before the code runs.  mypy checks a user's snippet against the spillover imported
here (errors inside spillover itself are the business of ``mypy`` on src/, run in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spillover

api = pytest.importorskip("mypy.api")

pytestmark = pytest.mark.slow  # mypy analyses spillover and its typed dependencies (about half a minute)


def _mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str) -> tuple[str, int]:
    monkeypatch.setenv("MYPYPATH", str(Path(spillover.__file__).resolve().parents[1]))
    snippet = tmp_path / "snippet.py"
    snippet.write_text(code, encoding="utf-8")
    out, err, status = api.run(
        [
            str(snippet),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "--python-version",
            "3.11",
            "--follow-imports",
            "silent",
            "--ignore-missing-imports",
            "--no-color-output",
            "--config-file",
            "",
        ]
    )
    return out + err, status


def test_a_wrong_option_value_is_a_type_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = 'import spillover as so\nso.dea(1, 2, rts="bogus")\n'
    out, status = _mypy(tmp_path, monkeypatch, bad)
    assert status == 1, out
    assert 'snippet.py:2: error: Argument "rts" to "dea"' in out and "Literal['crs', 'vrs'" in out, out
    # the same call with a valid value passes, and so do other names the top package loads lazily
    good = (
        'import spillover as so\nso.dea(1, 2, rts="vrs")\n'
        "m = so.SpatialPanelModel\nw = so.weights.contiguity\nreveal_type(so.moran_by_period)\n"
    )
    out, status = _mypy(tmp_path, monkeypatch, good)
    assert status == 0, out
    assert 'Revealed type is "def (panel:' in out, out  # a real signature, not Any
