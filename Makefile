# eegstate: the two commands of the README.
#   make demo   create .venv, install, run the workflow on the simulated cohort, print the report
#   make test   create .venv if needed, install, lint, run the test suite
#   make bench  install the bench extra, print the throughput figures (10-20 min; not in test)
#   make docs   build the documentation site into site/ (strict); open site/index.html
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.eegstate-installed
BENCH_STAMP := $(VENV)/.eegstate-bench-installed
CORES ?= 2
PYTEST_ARGS ?=
# Test modules run on this many pytest-xdist workers, each module on one worker (its
# module-scoped workflow runs are shared by its tests); 0 runs them in this process.
PYTEST_WORKERS ?= 2
# EEGBCI recordings of `make bench` (MNE's cache layout; nothing is downloaded) and its options,
# e.g. make bench BENCH_ARGS='--only bandpower,memory'
BENCH_DATA ?= $(or $(EEGSTATE_TEST_DATA),../shared/data)
BENCH_ARGS ?=
# Strict: any warning (broken link or anchor, undocumented config option, unparsable docstring)
# fails the build. NO_MKDOCS_2_WARNING silences mkdocs-material's banner about MkDocs 2.
MKDOCS_BUILD := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

.PHONY: all install demo test lint docs format clean benchmark bench

all: test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/eegstate run --cores $(CORES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakemake --lint --cores 1 > /dev/null
	$(MKDOCS_BUILD)

docs: $(STAMP)
	$(MKDOCS_BUILD)
	@echo "Documentation: $(CURDIR)/site/index.html"

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

benchmark: $(STAMP)
	$(BIN)/python benchmarks/connectivity.py

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,docs,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py --data-dir $(BENCH_DATA) $(BENCH_ARGS)

clean:
	rm -rf results .snakemake .pytest_cache .ruff_cache site
