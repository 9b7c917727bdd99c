"""bipmkg: the knowledge graph of the BIPM's international cooperation.

Data flows one way: authored Turtle (`ontology/`, `graph_data/`) → load (`rdf.files`) →
validate (`validation`) → store (`store`, joined with the network metrics by `build`) → query,
analyse (`network`), describe and export (`linked_data`); `curation` changes the data, `cli`
is the command. Each room imports only the rooms below it (`make lint`, import-linter):

    cli → curation → build → linked_data → store | network → query | validation → rdf
        → config → errors

The CLI, the tests and the web app (`webapp`, on top) call the same functions.
"""

from __future__ import annotations

# Nothing is imported here: a query worker or `bipmkg serve` must start without loading rdflib
# and pyshacl (most of a cold start). Import what you need: `from bipmkg.validation.validate import
# validate`.
__version__ = "0.1.0"
