# make demo / make test work on a fresh machine: they create .venv if it is missing and install the package.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck imports install bench docs-blocks docs dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/spillover demo --force

# `make test` is CI's test command: the quick checks first (lint, types, the import contract), then the whole
# suite with coverage. `make check` runs only the quick checks; `pytest -m "not slow"` skips the long tests.
test: check
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules --cov=spillover --cov-report=term:skip-covered \
		src/spillover tests

check: lint typecheck imports

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs examples
	$(BIN)/ruff format --check src tests benchmarks docs examples

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# The documentation site (mkdocs.yml): warnings are errors; the gallery's figures are drawn by
# docs/gallery/*.py during the build. Output in site/ (open site/index.html).
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	MPLBACKEND=Agg NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

# `make dist`: the sdist and the wheel in dist/, checked as the package index checks them (CI's packaging stage
# then installs the wheel into a clean virtual environment outside the repository and runs `spillover demo`)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist site src/*.egg-info
