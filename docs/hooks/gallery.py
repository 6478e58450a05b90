"""MkDocs hook: the gallery's figures are drawn by code when the site is built.

Each ``docs/gallery/*.py`` is a small script whose docstring's first line is its title and whose next
paragraph is its caption; it draws one or more matplotlib figures and leaves them open.  ``on_files`` runs
the scripts in one interpreter (the imports are paid once), saves every figure each script left open as
``gallery/<script>.png`` (``<script>_2.png``, ... for more) and adds the PNGs to the site's files, so
strict mode validates the links to them.  ``on_page_markdown`` replaces the ``<!-- gallery -->`` marker of
``gallery.md`` with one section per script: title, figure, caption and the script itself.

``SPILLOVER_DOCS_NO_GALLERY=1`` skips the scripts (the page then says so): the reference test of
tests/foundation/test_docs_site.py builds the site that way, in a third of the time.

A script that raises fails the build (the error names the script); a warning a script emits is logged as a
build warning, so ``mkdocs build --strict`` fails on it too: a gallery figure that warns is a bug to fix.
"""

from __future__ import annotations

import ast
import io
import logging
import os
import runpy
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.gallery")

MARKER = "<!-- gallery -->"
DPI = 90


@dataclass
class Example:
    stem: str
    title: str
    caption: str
    code: str
    images: list[str]
    seconds: float


_EXAMPLES: list[Example] = []


def _split_docstring(source: str, path: Path) -> tuple[str, str, str]:
    """(title, caption, code without the docstring) of a gallery script."""
    module = ast.parse(source, filename=str(path))
    doc = ast.get_docstring(module)
    if not doc:
        raise ValueError(f"{path}: a gallery script starts with a docstring (title, blank line, caption)")
    title, _, caption = doc.partition("\n")
    body_start = module.body[0].end_lineno or 1
    code = "\n".join(source.splitlines()[body_start:]).strip("\n")
    return title.strip().rstrip("."), " ".join(caption.split()), code


def _run(path: Path, out: Path) -> tuple[list[Path], list[str]]:
    """Run one script; save the figures it left open into ``out``; return their paths and its warnings."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.close("all")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            runpy.run_path(str(path), run_name="__main__")
        except Exception as error:
            raise RuntimeError(f"gallery script {path} failed: {type(error).__name__}: {error}") from error
    saved = []
    for number, fig_id in enumerate(plt.get_fignums(), start=1):
        name = path.stem if number == 1 else f"{path.stem}_{number}"
        target = out / f"{name}.png"
        plt.figure(fig_id).savefig(target, dpi=DPI, bbox_inches="tight")
        saved.append(target)
    plt.close("all")
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return saved, messages


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    gallery = Path(config["docs_dir"]) / "gallery"
    _EXAMPLES.clear()
    if os.environ.get("SPILLOVER_DOCS_NO_GALLERY"):
        log.info("gallery: skipped (SPILLOVER_DOCS_NO_GALLERY is set)")
        return files
    os.environ.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="spillover-gallery-") as tmp:
        for path in sorted(gallery.glob("*.py")):
            source = path.read_text(encoding="utf-8")
            title, caption, code = _split_docstring(source, path)
            start = time.perf_counter()
            cwd = os.getcwd()
            os.chdir(tmp)  # whatever a script writes lands in the temporary folder
            try:
                images, messages = _run(path, Path(tmp))
            finally:
                os.chdir(cwd)
            seconds = time.perf_counter() - start
            for message in messages:
                log.warning("gallery script %s warned: %s", path.name, message)
            if not images:
                log.warning("gallery script %s drew no figure", path.name)
            uris = []
            for image in images:
                uri = f"gallery/{image.name}"
                files.append(File.generated(config, uri, content=image.read_bytes()))
                uris.append(uri)
            log.info("gallery: %s (%.1f s, %d figure(s))", path.name, seconds, len(images))
            _EXAMPLES.append(Example(path.stem, title, caption, code, uris, seconds))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != "gallery.md" or MARKER not in markdown:
        return markdown
    text = io.StringIO()
    if not _EXAMPLES:
        text.write("*The gallery scripts were not run for this build (SPILLOVER_DOCS_NO_GALLERY).*\n")
    for example in _EXAMPLES:
        text.write(f"## {example.title}\n\n{example.caption}\n\n")
        for uri in example.images:
            text.write(f"![{example.title}]({uri})\n\n")
        text.write(f"```python\n{example.code}\n```\n\n")
        text.write(
            f"*`docs/gallery/{example.stem}.py`, run in {example.seconds:.1f} s when the site was built.*\n\n"
        )
    return markdown.replace(MARKER, text.getvalue())
