"""The plugin folder written by ``spillover qgis-plugin``, loaded the way QGIS loads plugins."""

from __future__ import annotations

import importlib
import sys

import pytest

qgis_core = pytest.importorskip("qgis.core")

from spillover.qgis import provider  # noqa: E402
from spillover.qgis.plugin import PLUGIN_NAME, write_plugin  # noqa: E402


@pytest.fixture
def plugin_module(qgis_app, tmp_path):
    write_plugin(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(PLUGIN_NAME)
        yield module
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PLUGIN_NAME or m.startswith(PLUGIN_NAME + ".")]:
            del sys.modules[name]
        provider.register()  # leave the provider registered for the other tests


def test_class_factory_registers_the_provider(plugin_module):
    provider.unregister()
    registry = qgis_core.QgsApplication.processingRegistry()
    assert registry.providerById("spillover") is None
    plugin = plugin_module.classFactory(None)
    plugin.initProcessing()
    assert plugin.problem is None
    assert registry.algorithmById("spillover:lisa") is not None
    plugin.unload()
    assert registry.providerById("spillover") is None


def test_missing_dependency_is_reported_not_raised(plugin_module, monkeypatch):
    plugin_mod = importlib.import_module(f"{PLUGIN_NAME}.plugin")
    monkeypatch.setattr(plugin_mod, "REQUIRED", ("numpy", "a_package_that_is_not_installed"))
    messages = []
    qgis_core.QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: messages.append((message, tag))
    )
    plugin = plugin_mod.SpilloverPlugin(None)
    plugin.initGui()
    assert plugin.provider is None
    assert "a_package_that_is_not_installed" in plugin.problem and "pip install spillover" in plugin.problem
    assert any(tag == "spillover" and "a_package_that_is_not_installed" in m for m, tag in messages)
    plugin.unload()
