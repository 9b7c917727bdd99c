"""RDF itself: the one prefix table (`namespaces`), the one format table (`formats`), reading the
curated and imported files as one named graph each (`files`), writing SPARQL results
(`results`), spreadsheet-safe cells, and synthetic graphs for scale tests (`synth`).
Imports only `errors` and `config`.
"""
