"""Asking the graph: the `Engine` and `Selector` interfaces and their answers, the safety checks
every query text passes before any engine sees it, and the example queries (`queries/*.rq`).
No backend here: the store layer implements these interfaces.
"""
