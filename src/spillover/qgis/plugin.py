"""Write spillover's QGIS plugin: a folder that connects QGIS to the installed spillover package.

The plugin (``metadata.txt`` with ``hasProcessingProvider=yes``, a ``classFactory``) registers the Processing
provider of :mod:`spillover.qgis.provider` when QGIS starts, also under ``qgis_process``.  When spillover or
one of its dependencies is missing from the Python that QGIS runs, it says which one and how to install it
(message bar and the "spillover" log tab) instead of failing with a traceback.  The files are in
``spillover/qgis/plugin_files``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from spillover import __version__, io
from spillover.errors import SpilloverError

__all__ = ["write_plugin", "PLUGIN_NAME"]

#: the plugin's folder name; not "spillover", which would shadow the package on QGIS's plugin path
PLUGIN_NAME = "spillover_qgis"
_FILES = ("metadata.txt", "__init__.py", "plugin.py")


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
    ['.spillover-output', '__init__.py', 'metadata.txt', 'plugin.py']
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
        for name in _FILES:
            text = (resources.files("spillover.qgis") / "plugin_files" / f"{name}.in").read_text("utf-8")
            (tmp / name).write_text(text.replace("@VERSION@", __version__), encoding="utf-8")
    return target
