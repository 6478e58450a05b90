"""The documentation site (mkdocs.yml, docs/): a reference entry for every public name, and no broken link.

* Every public module has a page ``docs/api/<module>.md`` whose ``::: spillover.<module>`` directive renders
  the module's ``__all__`` (mkdocs.yml's ``filters: public``), and the page is in the site's navigation.
* In the built site, every name of every public module's ``__all__`` has its anchor
  ``id="spillover.<module>.<name>"`` on that page: a new public name that the reference does not render
  (a broken docstring, a name griffe cannot resolve) fails here.
* Every internal ``href`` and ``src`` of every built HTML page resolves to a file of the site, and its
  ``#fragment`` to an id on the target page (no network: external URLs are not followed).

The built site is ``$SPILLOVER_DOCS_SITE`` when set (CI's docs stage sets it after ``make docs``);
otherwise the test builds one into a temporary folder with the gallery scripts skipped (slow; skipped where
mkdocs is not installed, as in the ``test`` extra's environment: ``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = [
    "errors",
    "regions",
    "io",
    "panel",
    "options",
    "summary",
    "weights",
    "indicators",
    "datasets",
    "esda",
    "spatial",
    "panel_models",
    "productivity",
    "disparity",
    "causal",
    "tables",
    "maps",
    "study",
    "qgis",
]
# spillover's lazily imported submodules that have no API page, and why
NOT_IN_REFERENCE = {"cli": "the command line is documented command by command in docs/cli.md"}


def public_names(module: str) -> list[str]:
    """The names of ``spillover.<module>.__all__`` that the reference shows (a leading ``_`` is private)."""
    names = importlib.import_module(f"spillover.{module}").__all__
    return [name for name in names if not name.startswith("_")]


def anchors(module: str, name: str) -> set[str]:
    """The ids under which the reference may show ``spillover.<module>.<name>``: the exported path, or the
    defining module's path, where the page renders the object itself (a name loaded on first use, or a
    function that shares its name with its submodule: griffe sees the submodule there)."""
    obj = getattr(importlib.import_module(f"spillover.{module}"), name)
    ids = {f"spillover.{module}.{name}"}
    if hasattr(obj, "__qualname__") and isinstance(getattr(obj, "__module__", None), str):
        ids.add(f"{obj.__module__}.{obj.__qualname__}")
    return ids


def test_every_public_module_has_a_reference_page_in_the_navigation():
    import spillover

    assert set(spillover._SUBMODULES) - set(NOT_IN_REFERENCE) <= set(PUBLIC_MODULES)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+filters: public\b", config, flags=re.MULTILINE)  # members = __all__
    for module in PUBLIC_MODULES:
        page = ROOT / "docs" / "api" / f"{module}.md"
        assert page.is_file(), f"no reference page for spillover.{module}: add {page.relative_to(ROOT)}"
        directives = re.findall(r"^::: (\S+)", page.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert directives[:1] == [f"spillover.{module}"], f"{page.name}: {directives}"
        assert all(d.startswith(f"spillover.{module}.") for d in directives[1:]), f"{page.name}: {directives}"
        assert f"api/{module}.md" in config, f"mkdocs.yml's nav does not list api/{module}.md"


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_function_and_class_has_a_docstring(module):
    """The reference shows a name even without a docstring (``show_if_no_docstring``): its text must exist."""
    mod = importlib.import_module(f"spillover.{module}")
    undocumented = []
    for name in public_names(module):
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            # a class's own docstring (inspect.getdoc would inherit its base's)
            doc = ((obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__) or "").strip()
            if not doc or doc.startswith(f"{obj.__name__}("):  # a dataclass's generated signature
                undocumented.append(name)
    assert not undocumented, f"spillover.{module}: public names without a docstring: {undocumented}"


class _Refs(HTMLParser):
    """The ids of a page and the (attribute, value) of its href and src attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src"):
                self.refs.append(value)


def _parse(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8", errors="replace"))
    return refs


def broken_links(site: Path) -> list[str]:
    """Every internal href/src of the HTML pages under ``site`` that does not resolve: ``page: target``."""
    site = site.resolve()
    parsed: dict[Path, _Refs] = {}

    def page(path: Path) -> _Refs:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    broken = []
    for html in sorted(site.rglob("*.html")):
        if html == site / "404.html":
            continue  # served at any depth, so its links are absolute from the site's root
        for ref in page(html).refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "data:", "javascript:")):
                continue  # external: not followed
            target = html if not parts.path else (html.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{html.relative_to(site)}: {ref}"
            if not target.is_relative_to(site) or not target.is_file():
                broken.append(where)
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in page(target).ids
            ):
                broken.append(f"{where} (no id {parts.fragment!r})")
    return broken


def test_the_link_check_finds_missing_files_and_anchors(tmp_path):
    """The checker follows relative paths, directory URLs and fragments, and skips external URLs."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="x">x</h2><img src="../pic.png">', encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(b"png")
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a><a href="a/#x">ok</a><a href="#top" id="top">ok</a>'
        '<a href="https://example.org/missing">external</a><a href="mailto:x@y.z">mail</a>'
        '<a href="b/">missing page</a><a href="a/#y">missing anchor</a><img src="nope.png">'
        '<a href="../outside.html">outside</a>',
        encoding="utf-8",
    )
    (tmp_path.parent / "outside.html").write_text("", encoding="utf-8")
    assert broken_links(tmp_path) == [
        "index.html: b/",
        "index.html: a/#y (no id 'y')",
        "index.html: nope.png",
        "index.html: ../outside.html",
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if os.environ.get("SPILLOVER_DOCS_SITE"):
        return Path(os.environ["SPILLOVER_DOCS_SITE"])
    pytest.importorskip("mkdocs", reason='the site needs the docs extra: pip install -e ".[docs]"')
    pytest.importorskip("mkdocstrings_handlers.python")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "SPILLOVER_DOCS_NO_GALLERY": "1", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr[-4000:]}"
    return out


@pytest.mark.slow
@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_the_built_reference_shows_every_public_name(site, module):
    html = (site / "api" / module / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', html))
    missing = [name for name in public_names(module) if not anchors(module, name) & ids]
    assert not missing, f"spillover.{module}: public names without an entry in the reference: {missing}"


@pytest.mark.slow
def test_every_internal_link_of_the_built_site_resolves(site):
    assert (site / "index.html").is_file()
    assert not broken_links(site)


def test_the_sphinx_markup_of_docstrings_is_shown_as_sphinx_shows_it():
    """docs/hooks/sphinx_roles.py: roles become code (``~`` keeps the last name), ``.. math::`` a formula."""
    spec = importlib.util.spec_from_file_location("sphinx_roles", ROOT / "docs" / "hooks" / "sphinx_roles.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    html = (
        "<p>See :func:<code>lm_tests</code> and :class:<code>~spillover.summary.Summary</code>.</p>\n"
        "<p>.. math:: y = \\beta x\n    + e</p>\n<p>with :math:<code>x &lt; 1</code></p>\n"
        '<p>.. math::</p>\n<div class="highlight"><pre><span></span><code>a = b\n\nc &lt; d\n</code></pre></div>'
    )
    assert hook.on_page_content(html, None, None, None) == (
        "<p>See <code>lm_tests</code> and <code>Summary</code>.</p>\n"
        '<div class="arithmatex">\\[y = \\beta x + e\\]</div>\n'
        '<p>with <span class="arithmatex">\\(x &lt; 1\\)</span></p>\n'
        '<div class="arithmatex">\\[a = b\\]</div><div class="arithmatex">\\[c &lt; d\\]</div>'
    )
