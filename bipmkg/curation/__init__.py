"""Changing the curated data: curators' SPARQL updates (evaluated in a confined worker process)
and uploads, validated on a copy and written back all-or-nothing.
"""
