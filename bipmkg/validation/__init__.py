"""SHACL validation of the graph (`validate`), of a change by its neighbourhood
(`neighbourhood`, `validate_change`), and the SHACL engines behind it (pyshacl, pyrudof).
"""
