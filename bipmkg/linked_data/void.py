"""The dataset's own description in VoID and DCAT: what it is, how big, where to get it.

Built from the store's counts and the current dumps; served at /.well-known/void.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import DCTERMS, RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, FOAF, VOID

from bipmkg import __version__
from bipmkg.linked_data.dumps import Dump, bind_prefixes
from bipmkg.query.files import load_query
from bipmkg.query.selector import Selector
from bipmkg.rdf.namespaces import BKG, SPDX

DATASET = URIRef("https://w3id.org/bipmkg/id/dataset")
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
PUBLISHER = URIRef("https://w3id.org/bipmkg/id/organisation/bipm")

_COUNTS = load_query(__file__, "triple-and-subject-counts")
_ENTITIES = load_query(__file__, "entity-count")
_CLASSES = load_query(__file__, "entities-per-class")
_VOCABULARIES = (
    str(BKG._NS),
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2006/time#",
    "https://schema.org/",
)
EXAMPLES = (
    "https://w3id.org/bipmkg/id/organisation/bipm",
    "https://w3id.org/bipmkg/id/agreement/bipm-iupac-mou",
    "https://w3id.org/bipmkg/id/committee/jctlm",
    "https://w3id.org/bipmkg/id/event/kcdb-course-2019",
)


@dataclass(frozen=True)
class DatasetCounts:
    triples: int
    subjects: int
    entities: int
    classes: tuple[tuple[str, int], ...]


def count(selector: Selector) -> DatasetCounts:
    totals = selector.select(_COUNTS)[0]
    entities = selector.select(_ENTITIES)[0]
    classes = tuple((r["class"], int(r["n"])) for r in selector.select(_CLASSES))
    return DatasetCounts(
        int(totals["triples"]), int(totals["subjects"]), int(entities["entities"]), classes
    )


def describe_dataset(
    counts: DatasetCounts,
    dumps: list[Dump],
    *,
    base_url: str,
    modified: str,
    fingerprint: str,
) -> Graph:
    """VoID and DCAT for the whole graph; `base_url` is where this server answers."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("foaf", FOAF)
    graph.bind("spdx", SPDX)
    ds = DATASET
    graph.add((ds, RDF.type, VOID.Dataset))
    graph.add((ds, RDF.type, DCAT.Dataset))
    graph.add(
        (ds, DCTERMS.title, Literal("bipmkg: the BIPM's international cooperation", lang="en"))
    )
    graph.add(
        (ds, DCTERMS.title, Literal("bipmkg : la coopération internationale du BIPM", lang="fr"))
    )
    graph.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Organisations, agreements, joint committees, networks, programmes, publications "
                "and events through which the BIPM cooperates with other bodies; every fact cites "
                "its source.",
                lang="en",
            ),
        )
    )
    graph.add((ds, DCTERMS.license, LICENCE))
    graph.add((ds, DCTERMS.publisher, PUBLISHER))
    graph.add((ds, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    graph.add(
        (
            ds,
            URIRef("http://www.w3.org/2002/07/owl#versionInfo"),
            Literal(f"{__version__}+{fingerprint[:12]}"),
        )
    )
    graph.add((ds, VOID.triples, Literal(counts.triples)))
    graph.add((ds, VOID.distinctSubjects, Literal(counts.subjects)))
    graph.add((ds, VOID.entities, Literal(counts.entities)))
    graph.add((ds, VOID.sparqlEndpoint, URIRef(f"{base_url}/sparql")))
    graph.add((ds, VOID.uriSpace, Literal("https://w3id.org/bipmkg/id/")))
    graph.add((ds, VOID.rootResource, URIRef(EXAMPLES[0])))
    for example in EXAMPLES:
        graph.add((ds, VOID.exampleResource, URIRef(example)))
    for vocabulary in _VOCABULARIES:
        graph.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    for index, (cls, n) in enumerate(counts.classes):
        partition = URIRef(f"{DATASET}#class-{index}")
        graph.add((ds, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(n)))
    service = URIRef(f"{base_url}/sparql")
    graph.add((ds, DCAT.distribution, URIRef(f"{DATASET}#sparql")))
    graph.add((URIRef(f"{DATASET}#sparql"), RDF.type, DCAT.Distribution))
    graph.add((URIRef(f"{DATASET}#sparql"), DCAT.accessURL, service))
    for dump in dumps:
        url = URIRef(f"{base_url}/download/{dump.filename}")
        graph.add((ds, VOID.dataDump, url))
        dist = URIRef(f"{DATASET}#dump-{dump.format.name}")
        graph.add((ds, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCAT.downloadURL, url))
        graph.add(
            (
                dist,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{dump.format.media_type}"),
            )
        )
        graph.add((dist, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{DATASET}#dump-{dump.format.name}-checksum")
        graph.add((dist, SPDX.checksum, checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
    return graph
