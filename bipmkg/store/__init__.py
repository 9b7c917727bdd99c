"""Where the graph is kept and how it is queried: the manifest, the backends (embedded, memory,
remote), the query worker processes and their sandbox, kept answers, and the `Selector`
adapters over a store or an engine. Never imports the network analysis.
"""
