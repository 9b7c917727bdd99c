"""The graph as linked data: entity descriptions and their page sections, search, counts, the
VoID/DCAT description and the dumps.
"""
