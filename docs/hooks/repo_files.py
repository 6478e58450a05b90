"""MkDocs hook: files that live at the repository's top level, published with the site.

* ``examples/*.ipynb`` -> ``notebooks/<name>.ipynb``: the notebooks page links them for download (they stay
  in examples/, where CI executes them, rather than as copies in docs/ that could drift).  The Markdown links
  ``../examples/<name>.ipynb`` (right on GitHub, checked by tests/foundation/test_docs_blocks.py) are pointed
  at the published copies.
* ``CHANGELOG.md`` -> the ``changelog.md`` page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    root = Path(config["config_file_path"]).parent
    for notebook in sorted((root / "examples").glob("*.ipynb")):
        files.append(File.generated(config, f"notebooks/{notebook.name}", content=notebook.read_bytes()))
    files.append(File.generated(config, "changelog.md", content=(root / "CHANGELOG.md").read_text("utf-8")))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return re.sub(r"\]\(\.\./examples/([\w-]+\.ipynb)\)", r"](notebooks/\1)", markdown)
