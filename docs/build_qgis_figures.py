"""Run the Python blocks of docs/qgis.md headless in QGIS; they write the figures docs/img/qgis_*.png.

Usage (with the QGIS environment of docs/qgis.md, section 1)::

    QT_QPA_PLATFORM=offscreen .qgis-venv/bin/python docs/build_qgis_figures.py            # into docs/img
    QT_QPA_PLATFORM=offscreen .qgis-venv/bin/python docs/build_qgis_figures.py --out DIR  # elsewhere

The blocks run in order in one namespace, in a temporary folder (the panel CSV and the GeoPackage they write
stay there); the PNGs they draw are copied to the output folder.  The page's code is exactly what made its
figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "qgis.md"
PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"  # Debian's location of QGIS's Processing framework


def blocks(page: Path = PAGE) -> list[str]:
    """The page's ```python blocks, in order."""
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)


def run(out: Path) -> None:
    """Run every block inside an initialised QGIS with Processing; copy the PNGs they draw into ``out``."""
    from qgis.core import QgsApplication, QgsProject

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append(PROCESSING_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    cwd = Path.cwd()
    work = Path(tempfile.mkdtemp(prefix="qgis-docs-"))
    os.chdir(work)
    try:
        namespace: dict[str, object] = {"__name__": "__qgis_console__"}
        for code in blocks():
            exec(compile(code, str(PAGE), "exec"), namespace)
        namespace.clear()  # QGIS objects must go before exitQgis()
        for png in sorted(work.glob("*.png")):
            shutil.copyfile(png, out / png.name)
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
        QgsProject.instance().clear()
        app.exitQgis()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PAGE.parent / "img", help="folder (default: docs/img)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.out.mkdir(parents=True, exist_ok=True)
    run(args.out.resolve())


if __name__ == "__main__":
    main()
