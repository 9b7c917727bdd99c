"""bipmkg: the knowledge graph of the BIPM's international cooperation.

Data flows one way: authored Turtle (`ontology/`, `graph_data/`) → load (`dataset`) →
validate (`validate`) → query, count and export. The CLI, the tests and the web app call the
same functions.
"""

from __future__ import annotations

# Nothing is imported here: a query worker or `bipmkg serve` must start without loading rdflib
# and pyshacl (most of a cold start). Import what you need: `from bipmkg.validate import validate`.
__version__ = "0.1.0"
