"""The plugin zip of ``spillover qgis-plugin --zip``, checked the way plugins.qgis.org checks an upload.

No QGIS needed.  The checks re-implement, independently and in this file, the rules of the official plugin
repository's upload validator (QGIS-Django, ``plugins/validator.py``): a readable zip without path tricks,
``.pyc`` files or ``__pycache__``/``.git``/``__MACOSX`` folders; one top-level folder (taken from the first
entry) named ``[A-Za-z][A-Za-z0-9-_]+`` holding ``__init__.py``, ``metadata.txt`` and ``LICENSE``; a
``[general]`` section with the required keys (name, description, version, qgisMinimumVersion, author,
email, about, tracker, repository); URLs with a scheme and a host; an author without slashes; an icon
that exists in the zip.  On top, the keys the issue asks for and their formats.
"""

from __future__ import annotations

import configparser
import io
import re
import struct
import zipfile
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner

import spillover as so
from spillover.cli import main as cli
from spillover.errors import OverwriteError
from spillover.qgis.plugin import PLUGIN_NAME, write_plugin_zip

EXIT_BAD_INPUT = 2
REQUIRED = (
    "name",
    "description",
    "version",
    "qgisMinimumVersion",
    "author",
    "email",
    "about",
    "tracker",
    "repository",
)
ASKED = ("qgisMaximumVersion", "homepage", "icon", "license", "tags", "category", "experimental")
MAX_UPLOAD = 25_000_000  # bytes, the repository's PLUGIN_MAX_UPLOAD_SIZE


def _validate(path):
    """The repository's checks on an uploaded zip; returns (package name, metadata dict, zip names)."""
    assert path.stat().st_size <= MAX_UPLOAD
    archive = zipfile.ZipFile(path)
    assert archive.testzip() is None  # no CRC errors
    names = archive.namelist()
    for name in names:
        assert ".." not in name and not name.startswith("/"), name
        assert ".pyc" not in name, name
        assert not {"__MACOSX", ".git", "__pycache__"} & set(name.split("/")), name
    assert len({n.split("/")[0] for n in names}) == 1  # one top-level folder
    assert "/" in names[0]
    package = names[0][: names[0].index("/")]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9\-_]+", package)
    for required_file in ("__init__.py", "metadata.txt", "LICENSE"):
        assert f"{package}/{required_file}" in names
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keys are case-sensitive (qgisMinimumVersion)
    parser.read_file(io.StringIO(archive.read(f"{package}/metadata.txt").decode("utf-8")))
    assert parser.has_section("general")
    meta = dict(parser.items("general"))
    return package, meta, archive


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plugin_zip_passes_the_repository_checks(tmp_path):
    path = write_plugin_zip(tmp_path)
    assert path == tmp_path / f"{PLUGIN_NAME}-{so.__version__}.zip"
    package, meta, archive = _validate(path)
    assert package == PLUGIN_NAME
    for key in (*REQUIRED, *ASKED):
        assert meta.get(key, "").strip(), f"metadata.txt lacks {key}"
    assert meta["name"] == "spillover"
    assert meta["version"] == so.__version__
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?([.\-]?[A-Za-z0-9]+)*", meta["version"])
    low, high = (
        tuple(int(p) for p in meta[k].split(".")) for k in ("qgisMinimumVersion", "qgisMaximumVersion")
    )
    assert (3, 22) <= low <= high < (4, 0)
    for key in ("tracker", "repository", "homepage"):
        url = urlparse(meta[key])
        assert url.scheme == "https" and url.netloc, (key, meta[key])
    assert meta["tracker"] != "http://bugs" and meta["repository"] != "http://repo"
    assert "/" not in meta["author"]
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", meta["email"])
    assert meta["experimental"] in ("True", "False") and meta["hasProcessingProvider"] == "yes"
    assert "pip install spillover" in meta["about"]
    width, height = _png_size(archive.read(f"{package}/{meta['icon']}"))
    assert 16 <= width <= 256 and width == height
    assert "MIT License" in archive.read(f"{package}/LICENSE").decode()
    init = archive.read(f"{package}/__init__.py").decode()
    assert "def classFactory(iface)" in init
    compile(archive.read(f"{package}/plugin.py").decode(), "plugin.py", "exec")
    assert not any("spillover-output" in n or "@" in n for n in archive.namelist())
    assert not any(re.search(r"@[A-Z]+@", archive.read(n).decode("latin-1")) for n in archive.namelist())


def test_plugin_zip_is_reproducible_and_never_overwritten_silently(tmp_path):
    first = write_plugin_zip(tmp_path).read_bytes()
    with pytest.raises(OverwriteError):
        write_plugin_zip(tmp_path)
    assert write_plugin_zip(tmp_path, overwrite=True).read_bytes() == first  # same version, same bytes
    assert [p.name for p in tmp_path.iterdir()] == [f"{PLUGIN_NAME}-{so.__version__}.zip"]  # no temporaries


def test_cli_writes_the_zip_and_needs_force_to_replace_it(tmp_path):
    target = tmp_path / f"{PLUGIN_NAME}-{so.__version__}.zip"
    result = CliRunner().invoke(cli, ["qgis-plugin", "--zip", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(target)
    target.write_bytes(b"my own file")
    result = CliRunner().invoke(cli, ["qgis-plugin", "--zip", "--out", str(tmp_path)])
    assert result.exit_code == EXIT_BAD_INPUT and "--force" in result.output, result.output
    assert target.read_bytes() == b"my own file"
    result = CliRunner().invoke(cli, ["qgis-plugin", "--zip", "--out", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert _validate(target)[0] == PLUGIN_NAME
