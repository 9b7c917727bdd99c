# bipmkg — `make serve` and `make test` set everything up on a fresh machine.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install validate stats queries lint format test serve clean

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

validate: install ## Validate the graph with SHACL (exit 0 conforms, 1 not, 2 error)
	$(BIN)/bipmkg validate

stats: install ## Print counts per class and kind, and description shares
	$(BIN)/bipmkg stats

queries: install ## List the example queries (competency questions)
	$(BIN)/bipmkg queries

lint: install ## Run ruff (lint and format check) and mypy
	$(BIN)/ruff check bipmkg webapp tests
	$(BIN)/ruff format --check bipmkg webapp tests
	$(BIN)/mypy

format: install ## Format the Python code with ruff
	$(BIN)/ruff format bipmkg webapp tests
	$(BIN)/ruff check --fix bipmkg webapp tests

test: install lint ## Set up, lint, then run the whole test suite
	$(BIN)/python -m pytest

serve: install ## Set up, validate and show the graph (the web app arrives with the SPARQL issue)
	$(BIN)/bipmkg validate --no-warnings
	$(BIN)/bipmkg stats

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
