"""Write the cooperation network as GraphML, GEXF or CSV node and edge lists.

A branch of the data flow (store → network → **files**) for desktop tools: Gephi and Cytoscape
open GraphML and GEXF; the CSV pair follows Gephi's spreadsheet import (`Id`/`Label` for nodes,
`Source`/`Target`/`Type` for edges). Every format carries the body IRIs, English and French labels,
kinds and acronyms, and per link its kind, dates, fact and sources (and the metrics, when an
analysis is given). The link's sources are called `fact_source` in files because Gephi reserves
the column names Source and Target for a link's two ends. The formats' names, media types and
suffixes are rows of the one format table (bipmkg.rdf.formats, kind "network").
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import networkx as nx  # type: ignore[import-untyped]

from bipmkg.network.analysis import Analysis, body_ref
from bipmkg.network.projection import period_end, period_start
from bipmkg.rdf.spreadsheet import cell

NODE_FIELDS: Final = ("iri", "label", "label_en", "label_fr", "acronym", "kind")
METRIC_FIELDS: Final = (
    "rank",
    "degree",
    "weighted_degree",
    "betweenness",
    "closeness",
    "pagerank",
    "community",
)
EDGE_FIELDS: Final = (
    "kind",
    "start",
    "end",
    "fact",
    "fact_label",
    "fact_source",
    "role",
    "subject",
    "explanation",
)


def file_graph(network: nx.MultiGraph, analysis: Analysis | None = None) -> nx.MultiGraph:
    """The network as written to files: no empty attributes, plain edge ids, metrics added."""
    metrics = {m.iri: m for m in analysis.metrics} if analysis else {}
    out = nx.MultiGraph()
    for iri in sorted(network):
        data: dict[str, object] = {"iri": iri, "label": body_ref(network, iri).name}
        for field in NODE_FIELDS[2:]:
            data[field] = network.nodes[iri].get(field)
        if iri in metrics:
            for field in METRIC_FIELDS:
                data[field] = getattr(metrics[iri], field)
        out.add_node(iri, **_present(data))
    edges = sorted((*sorted((u, v)), key) for u, v, key in network.edges(keys=True))
    for number, (u, v, key) in enumerate(edges):
        data = dict(network[u][v][key])
        data["fact_source"] = data.pop("source", None)
        out.add_edge(u, v, key=f"e{number}", **_present({f: data.get(f) for f in EDGE_FIELDS}))
    return out


def _present(data: Mapping[str, object]) -> dict[str, object]:
    # GraphML and GEXF writers refuse None; an absent attribute reads back as absent.
    return {k: v for k, v in data.items() if v is not None}


def to_graphml(network: nx.MultiGraph, analysis: Analysis | None = None) -> bytes:
    """GraphML: dates as written in the graph ("2019", "2019-04", "2019-10-17")."""
    buffer = io.BytesIO()
    nx.write_graphml(file_graph(network, analysis), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_gexf(network: nx.MultiGraph, analysis: Analysis | None = None) -> bytes:
    """GEXF 1.2 with each link's period as its time interval, so Gephi's timeline can play it.

    GEXF dates must be whole days: a partial start counts from its first day and a partial end to
    its last; the dates as written are kept in `start_given` and `end_given`.
    """
    graph = file_graph(network, analysis)
    for _, _, data in graph.edges(data=True):
        for field, whole in (("start", period_start), ("end", period_end)):
            given = data.pop(field, None)
            day = whole(given) if isinstance(given, str) else None
            if day is not None:
                data[field] = day.isoformat()
                data[f"{field}_given"] = given
    buffer = io.BytesIO()
    nx.write_gexf(graph, buffer, encoding="utf-8", version="1.2draft")
    return buffer.getvalue()


def nodes_csv(network: nx.MultiGraph, analysis: Analysis | None = None) -> str:
    """One row per body: Id (the IRI), Label, then the node attributes and metrics."""
    graph = file_graph(network, analysis)
    fields = [*NODE_FIELDS, *(METRIC_FIELDS if analysis else ())]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Id", "Label", *fields[2:], "iri"])
    for iri, data in graph.nodes(data=True):
        row = [iri, data["label"], *(data.get(f) for f in fields[2:]), iri]
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def edges_csv(network: nx.MultiGraph) -> str:
    """One row per link: Source, Target, Type (Undirected), Id, then the link attributes."""
    graph = file_graph(network)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Source", "Target", "Type", "Id", *EDGE_FIELDS])
    for u, v, key, data in graph.edges(keys=True, data=True):
        row = [u, v, "Undirected", key, *(data.get(f) for f in EDGE_FIELDS)]
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def write_csv(
    network: nx.MultiGraph, output: Path, analysis: Analysis | None = None
) -> tuple[Path, ...]:
    """nodes.csv and edges.csv into a folder, or into a zip archive if `output` ends in .zip."""
    files = {"nodes.csv": nodes_csv(network, analysis), "edges.csv": edges_csv(network)}
    if output.suffix.lower() == ".zip":
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        return (output,)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        (output / name).write_text(text, encoding="utf-8")
        written.append(output / name)
    return tuple(written)
