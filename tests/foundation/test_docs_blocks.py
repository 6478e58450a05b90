"""Docs that cannot rot: every ```python block of README.md and docs/*.md runs, and every relative link resolves.

The blocks of one page run in order in one namespace, like the cells of a notebook, in a temporary folder
(so whatever they write lands there) with matplotlib's Agg backend; figures are closed after each block.
Only a fence whose info string is exactly ``python`` is run: output, shell and TOML snippets are fenced as
``text``, ``console``, ``sh`` or ``toml``, so nothing claims to run that does not.  A failure names the page
and the line of the block's opening fence, and the traceback points at the failing line of the page.

docs/qgis.md needs QGIS: its blocks run inside QGIS in the QGIS stage of CI (tests/qgis/test_docs.py through
docs/build_qgis_figures.py); here they are only compiled.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from matplotlib import pyplot as plt

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_ELSEWHERE = {"docs/qgis.md": "needs QGIS: run by tests/qgis/test_docs.py in CI's QGIS stage"}

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
INLINE_CODE = re.compile(r"(`+).*?\1")


def _rel(page: Path) -> str:
    return page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else str(page)


def fenced_blocks(page: Path) -> list[tuple[int, str, str]]:
    """(line of the opening fence, info string, dedented code) of every fenced block, in order."""
    blocks: list[tuple[int, str, str]] = []
    opened: tuple[int, str, str, str] | None = None  # line, indent, fence, info
    body: list[str] = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if opened is None:
            if match:
                opened, body = (number, match.group(1), match.group(2), match.group(3).strip()), []
        elif match and match.group(2).startswith(opened[2]) and not match.group(3).strip():
            blocks.append((opened[0], opened[3], textwrap.dedent("\n".join(body) + "\n")))
            opened = None
        else:
            body.append(line)
    assert opened is None, f"{_rel(page)}: the fence opened at line {opened[0]} is never closed"
    return blocks


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """The blocks fenced exactly ```python, with the line of their opening fence."""
    return [(line, code) for line, info, code in fenced_blocks(page) if info == "python"]


def _run_page(page: Path) -> None:
    plt.switch_backend("Agg")
    namespace: dict[str, object] = {"__name__": "__main__"}
    for line, code in python_blocks(page):
        # Leading blank lines make the traceback's line numbers those of the page.
        compiled = compile("\n" * line + code, str(page), "exec")
        try:
            exec(compiled, namespace)
        except Exception as error:  # re-raised with the page and line named
            raise AssertionError(
                f"{_rel(page)}: the ```python block at line {line} failed: {type(error).__name__}: {error}"
            ) from error
        finally:
            plt.close("all")


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_python_blocks_run_in_order(page, tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    if _rel(page) in RUN_ELSEWHERE:
        for line, code in python_blocks(page):
            compile("\n" * line + code, str(page), "exec")  # at least a syntax check
        pytest.skip(RUN_ELSEWHERE[_rel(page)])
    _run_page(page)


def relative_links(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every Markdown link or image outside code whose target is a relative path."""
    code_lines = set()
    for start, _info, code in fenced_blocks(page):
        code_lines.update(range(start, start + code.count("\n") + 2))
    found = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if number in code_lines:
            continue
        text = INLINE_CODE.sub("", line)
        targets = LINK.findall(text) + REFERENCE.findall(text)
        for target in targets:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^//", target):  # URL, mailto:, anchor in the page
                continue
            found.append((number, target.split("#")[0]))
    return found


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_relative_links_resolve(page):
    broken = [
        f"line {line}: {target}"
        for line, target in relative_links(page)
        if not (page.parent / target).exists()
    ]
    assert not broken, f"{_rel(page)} links to files that do not exist: {broken}"


def test_the_extraction_sees_what_a_reader_sees(tmp_path):
    """The runner runs exactly the ```python fences (indented ones included) and the link check skips code."""
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent("""\
        # Page
        ```python
        a = 1
        ```
        ```text
        a = 2
        ```
        * item

          ```python
          b = a + 1
          ```
        ```python-ish
        c = 3
        ```
        [ok](page.md) [web](https://example.org) [anchor](#page) ![img](missing.png)
        `[code](nope.md)`
        ```
        [in code](nope.md)
        ```
        """),
        encoding="utf-8",
    )
    assert python_blocks(page) == [(2, "a = 1\n"), (10, "b = a + 1\n")]
    assert relative_links(page) == [(16, "page.md"), (16, "missing.png")]


def test_a_failing_block_names_its_page_and_line(tmp_path, monkeypatch):
    """Blocks share one namespace in order; the error names the page, the block's fence line and the cause."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x + 1\nz = undefined\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(
        AssertionError, match=r"page\.md: the ```python block at line 9 failed: NameError"
    ) as info:
        _run_page(page)
    assert info.value.__cause__.__traceback__.tb_next.tb_lineno == 11  # the failing line of the page


def test_the_guide_simulates_green_tfp_data_as_the_example_script_does():
    """guide.md section 8 shows examples/green_tfp.py's simulation and that script's output: one code, not two."""

    def simulate_source(code: str) -> str:
        return re.search(r"^def simulate\(.*?^    return .*?$", code, flags=re.DOTALL | re.MULTILINE).group(0)

    script = (ROOT / "examples" / "green_tfp.py").read_text(encoding="utf-8")
    guide = [code for _line, code in python_blocks(ROOT / "docs" / "guide.md") if "def simulate(" in code]
    assert len(guide) == 1
    assert simulate_source(guide[0]) == simulate_source(script)
