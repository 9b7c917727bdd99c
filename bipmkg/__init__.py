"""bipmkg: the knowledge graph of the BIPM's international cooperation.

Data flows one way: authored Turtle (`ontology/`, `graph_data/`) → load (`dataset`) →
validate (`validate`) → query, count and export. The CLI, the tests and the web app call the
same functions.
"""

from __future__ import annotations

from .validate import ValidationReport, ValidationResult, validate

__all__ = ["ValidationReport", "ValidationResult", "validate"]
__version__ = "0.1.0"
