"""Which bodies link to which: the projection of the graph into a network (reading through a
`Selector`), centrality, the analyses, the metrics graph, and the network files
(GraphML, GEXF, CSV).
"""
