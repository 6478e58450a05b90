"""Write spillover's QGIS plugin: a folder that connects QGIS to the installed spillover package.

The plugin (``metadata.txt`` with ``hasProcessingProvider=yes``, a ``classFactory``) registers the Processing
provider of :mod:`spillover.qgis.provider` when QGIS starts, also under ``qgis_process``.  When spillover or
one of its dependencies is missing from the Python that QGIS runs, it says which one and how to install it
(message bar and the "spillover" log tab) instead of failing with a traceback.  The files are in
``spillover/qgis/plugin_files``.

:func:`write_plugin_zip` packs the same files as the zip that the official plugin repository
(plugins.qgis.org) and *Install from ZIP* take: one top-level folder ``spillover_qgis`` holding
``metadata.txt`` (every key the repository's validator requires, plus icon, license, tags...),
``__init__.py`` with ``classFactory``, ``plugin.py``, ``icon.png`` and ``LICENSE``; nothing compiled.
"""

from __future__ import annotations

import os
import zipfile
from importlib import resources
from pathlib import Path

from spillover import __version__, io
from spillover.errors import SpilloverError

__all__ = ["write_plugin", "write_plugin_zip", "plugin_files", "PLUGIN_NAME", "PROJECT"]

#: the plugin's folder name; not "spillover", which would shadow the package on QGIS's plugin path
PLUGIN_NAME = "spillover_qgis"
#: the project's addresses written into metadata.txt (the repository's validator requires email, repository
#: and tracker, and checks that the URLs answer)
PROJECT = {
    "EMAIL": "spillover-developers@users.noreply.github.com",
    "HOMEPAGE": "https://github.com/spillover-econ/spillover",
    "REPOSITORY": "https://github.com/spillover-econ/spillover",
    "TRACKER": "https://github.com/spillover-econ/spillover/issues",
}
_TEMPLATES = ("metadata.txt", "__init__.py", "plugin.py")  # text files with @VERSION@ and PROJECT's keys
_BINARY = ("icon.png", "LICENSE")  # copied as they are


def plugin_files() -> dict[str, bytes]:
    """The plugin's files, name -> content, with this spillover's version and the project's addresses."""
    source = resources.files("spillover.qgis") / "plugin_files"
    files: dict[str, bytes] = {}
    for name in _TEMPLATES:
        text = (source / f"{name}.in").read_text("utf-8").replace("@VERSION@", __version__)
        for key, value in PROJECT.items():
            text = text.replace(f"@{key}@", value)
        files[name] = text.encode("utf-8")
    for name in _BINARY:
        files[name] = (source / name).read_bytes()
    return files


def write_plugin(out: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the plugin folder ``<out>/spillover_qgis`` and return its path.

    Copy the folder into the profile's ``python/plugins`` folder (or zip it and install the zip from the
    Plugin Manager).  The folder is written under a temporary name and renamed when complete; an existing
    plugin folder is replaced only with ``overwrite=True`` and only if spillover wrote it (it has the
    ``.spillover-output`` marker file, see :func:`spillover.io.atomic_folder`).

    Examples
    --------
    >>> import tempfile
    >>> folder = write_plugin(tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())
    ['.spillover-output', 'LICENSE', '__init__.py', 'icon.png', 'metadata.txt', 'plugin.py']
    >>> "hasProcessingProvider=yes" in (folder / "metadata.txt").read_text()
    True
    """
    parent = Path(out)
    if not parent.is_dir():
        raise SpilloverError(f"cannot write the plugin into {parent}: the folder does not exist.")
    target = parent / PLUGIN_NAME
    with io.atomic_folder(
        target,
        writer="spillover.qgis.write_plugin",
        overwrite=overwrite,
        option="overwrite=True (--overwrite)",
    ) as tmp:
        for name, content in plugin_files().items():
            (tmp / name).write_bytes(content)
    return target


def write_plugin_zip(
    out: str | os.PathLike[str] = ".", *, overwrite: bool = False, option: str = "overwrite=True"
) -> Path:
    """Write ``<out>/spillover_qgis-<version>.zip``, the plugin as QGIS's plugin repository takes it.

    The zip holds one folder, ``spillover_qgis/`` (its first entry), with the files of :func:`write_plugin`
    (no marker file, no ``__pycache__``); install it with *Plugins > Manage and Install Plugins > Install
    from ZIP* or upload it to plugins.qgis.org.  It is written atomically (:func:`spillover.io.atomic_path`);
    an existing zip is replaced only with ``overwrite=True`` (``option`` names that switch in the refusal).

    Examples
    --------
    >>> import tempfile, zipfile
    >>> path = write_plugin_zip(tempfile.mkdtemp())
    >>> zipfile.ZipFile(path).namelist()[:2]
    ['spillover_qgis/', 'spillover_qgis/metadata.txt']
    """
    parent = Path(out)
    if not parent.is_dir():
        raise SpilloverError(f"cannot write the plugin zip into {parent}: the folder does not exist.")
    target = parent / f"{PLUGIN_NAME}-{__version__}.zip"
    with io.atomic_path(target, overwrite=overwrite, option=option) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # the repository's validator takes the package name from the first entry's folder
            folder = zipfile.ZipInfo(f"{PLUGIN_NAME}/", date_time=_DATE)
            folder.external_attr = (0o40755 << 16) | 0x10  # a directory (Unix mode and the MS-DOS flag)
            archive.writestr(folder, b"")
            for name, content in plugin_files().items():
                info = zipfile.ZipInfo(f"{PLUGIN_NAME}/{name}", date_time=_DATE)
                info.external_attr = 0o644 << 16  # rw-r--r-- when unzipped on Linux and macOS
                archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return target


#: one timestamp for every entry, so that the same version always gives the same zip (byte for byte)
_DATE = (2024, 1, 1, 0, 0, 0)
