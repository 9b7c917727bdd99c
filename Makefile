# bipmkg — `make serve` and `make test` set everything up on a fresh machine.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := webapp/static/vendor
ASSETS := $(VENDOR)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
SERVER ?= gunicorn

.PHONY: help install assets browser build validate stats queries lint format test docs bench picture serve clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP) ## Create .venv and install the pinned dependencies
	@true

# Front-end libraries come from npm (package-lock.json) and are served by the app: no CDN.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/yasgui $(VENDOR)/cytoscape
	cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css $(VENDOR)/yasgui/
	cp node_modules/cytoscape/dist/cytoscape.min.js node_modules/cytoscape-svg/cytoscape-svg.js $(VENDOR)/cytoscape/
	touch $@

assets: $(ASSETS) ## Install the front-end libraries from npm into webapp/static/vendor
	@true

browser: ## Install Debian's chromium for the browser tests (apt-get, as root or with sudo)
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

build: install ## Validate the data and load it into the store (var/store), if an input changed
	$(BIN)/bipmkg build

validate: install ## Validate the graph with SHACL (exit 0 conforms, 1 not, 2 error)
	$(BIN)/bipmkg validate

stats: install ## Print counts per class and kind, and description shares
	$(BIN)/bipmkg stats

queries: install ## List the example queries (competency questions)
	$(BIN)/bipmkg queries

lint: install ## Run ruff (lint and format check), mypy and the import-linter layer contracts
	$(BIN)/ruff check bipmkg webapp tests
	$(BIN)/ruff format --check bipmkg webapp tests
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Format the Python code with ruff
	$(BIN)/ruff format bipmkg webapp tests
	$(BIN)/ruff check --fix bipmkg webapp tests

test: install assets browser build lint ## Set up, lint, then run the whole test suite (browser tests included)
	@started=$$(date +%s); \
	$(BIN)/python -m pytest && \
	echo "== The web and API tests again, against a remote store (a real oxigraph serve on 127.0.0.1) ==" && \
	BIPMKG_TEST_BACKEND=remote $(BIN)/python -m pytest -m web && \
	echo "== The web and API tests again, served by granian (bipmkg serve --server granian) ==" && \
	BIPMKG_TEST_SERVER=granian $(BIN)/python -m pytest -m web; \
	status=$$?; echo "== make test: the three passes took $$(( $$(date +%s) - started )) s (exit $$status) =="; \
	exit $$status

# The site is built from docs/ alone, offline (no fonts or scripts from elsewhere), and strictly: a
# broken link, a missing anchor or a page left out of the navigation fails the build.
docs: install ## Build the documentation site into var/site (strict, offline; open var/site/index.html)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	$(BIN)/python tests/docs_site.py var/site

# Benchmarks (docs/operations/benchmarks.md): SIZES="real 1e4 …" chooses the data sets, QUICK=1
# checks the harness in minutes; a full run (not QUICK) also copies its tables into that page.
SIZES ?= real 1e4 graph5k 1e5 1e6
bench: install assets browser ## Benchmarks vs bare Oxigraph and rdflib peers (SIZES=…, QUICK=1): bench/results/
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py --sizes $(SIZES) $(if $(QUICK),--quick,--update-docs) $(BENCH_ARGS)

# The README's picture of the network page (bench/picture.py), after the graph changes.
picture: install assets browser build ## Save the network page's picture of the real graph to docs/img/network.png
	$(BIN)/python bench/picture.py

serve: install assets build ## Set up, validate, build and serve on http://127.0.0.1:5000
	$(BIN)/bipmkg serve --host $(HOST) --port $(PORT) --server $(SERVER)

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info var node_modules $(VENDOR)
