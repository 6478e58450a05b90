"""The plugin started in a QGIS whose Python has no spillover: install instructions, not a traceback.

The plugin folder is written here; a separate QGIS process loads it the way QGIS does (``classFactory``,
``initProcessing``, ``initGui``) with a fake ``iface`` whose message bar records what it is given, while an
import hook on ``sys.meta_path`` makes ``spillover`` unimportable in that process (as in a QGIS where it was
never installed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("qgis.core")

from spillover.qgis.plugin import PLUGIN_NAME, write_plugin

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, json, os, sys

    class NoSpillover(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "spillover" or name.startswith("spillover."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoSpillover())
    try:
        import spillover  # noqa: F401
        sys.exit("spillover is still importable")
    except ModuleNotFoundError:
        pass
    sys.path.insert(0, sys.argv[1])

    from qgis.core import Qgis, QgsApplication, QgsProject

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()

    class Bar:
        def __init__(self):
            self.messages = []

        def pushMessage(self, *args):
            self.messages.append(args)

    class Iface:
        def __init__(self):
            self.bar = Bar()

        def messageBar(self):
            return self.bar

    iface = Iface()
    module = __import__(sys.argv[2])
    plugin = module.classFactory(iface)
    plugin.initProcessing()  # QGIS calls it at start-up for plugins with hasProcessingProvider=yes
    plugin.initGui()
    plugin.unload()
    out = [
        {"title": m[0], "text": m[1], "warning": int(m[2]) == int(Qgis.Warning), "duration": m[3]}
        for m in iface.bar.messages
    ]
    print("RESULT " + json.dumps({"messages": out, "provider": plugin.provider is not None}))
    sys.stdout.flush()
    QgsProject.instance().clear()
    app.exitQgis()
    os._exit(0)
    """
)


def test_plugin_without_spillover_shows_install_instructions(tmp_path):
    write_plugin(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), PLUGIN_NAME],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    result = json.loads(next(line[7:] for line in proc.stdout.splitlines() if line.startswith("RESULT ")))
    assert result["provider"] is False
    [message] = result["messages"]  # once, although initProcessing ran twice
    assert message["title"] == "spillover" and message["warning"] and message["duration"] == 0
    assert "pip install spillover" in message["text"] and "'spillover'" in message["text"]
    assert "restart QGIS" in message["text"]
