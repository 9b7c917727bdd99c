"""Shared fixtures: the real curated graph, parsed once per test session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from bipmkg.dataset import load_graph
from bipmkg.validate import ValidationReport, validate


@pytest.fixture(scope="session")
def graph() -> Graph:
    """The ontology and every file of graph_data/, merged."""
    return load_graph()


@pytest.fixture(scope="session")
def report(graph: Graph) -> ValidationReport:
    """The validation report of the real graph, violations and warnings."""
    return validate(graph)
