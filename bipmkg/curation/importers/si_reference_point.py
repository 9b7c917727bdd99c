"""Importer of the SI Reference Point's responsible bodies: the meetings of the CGPM, the CIPM
and the CCTF and the outcomes adopted at them (TheBIPM/SI_Digital_Framework, CC BY 3.0 IGO).

One file per body. A meeting keeps the BIPM's labels (English and French), its number and the
one date the data gives (`rb:hasEventDate`), which is the meeting's last day where a meeting
lasted several (the 9th CGPM: 12–21 October 1948, given as 21 October; the 26th: 13–16 November
2018, given as 16 November): it is written as `schema:endDate`, never as a start. The data gives
no place: `bkg:locationStatus bkg:LocationUnknown`. An outcome keeps its titles, DOIs, number and
texts (considerations and actions, AsciiDoc and HTML markup removed), which the licence allows
with its attribution (in each file's header and on the snapshot's description).

Some French titles are tagged `@en` in the data (`CGPM9-Res4`, "Concernant un accord avec
l'Unesco"@en): such a title is taken as French (`looks_french`), and an outcome without a
genuine English title is labelled in English from its facts ("Resolution 4 of the 9th meeting of
the CGPM"), never by a translation.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from rdflib import DCTERMS, RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from bipmkg.curation.importers import keys
from bipmkg.curation.importers.output import GeneratedFile
from bipmkg.curation.importers.run import ImportContext
from bipmkg.curation.importers.snapshot import Snapshot, cite
from bipmkg.errors import DataLoadError, ImportRefused
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG, SCHEMA

RB: Final = Namespace("https://si-digital-framework.org/bodies#")

SNAPSHOT: Final = Snapshot(
    name="si-reference-point",
    title="SI Reference Point: responsible bodies, their meetings and outcomes (version 1.0.0)",
    repository="TheBIPM/SI_Digital_Framework",
    # The snapshot's README names the version (1.0.0), not a commit: the four files are
    # byte-identical (git hash-object) to those this commit added ("SI Reference Point v1.0.0").
    commit="943cc0ebddb48e624a1b50ce43e377191e1ede86",
    commit_date="2026-06-10",
    licence="https://creativecommons.org/licenses/by/3.0/igo/",
    attribution=(
        "© BIPM, SI Reference Point, CC BY 3.0 IGO; based on material provided by Ronald Tse "
        "(Ribose Inc.), originally published in metanorma/bipm-data-outcomes"
    ),
    home="https://github.com/TheBIPM/SI_Digital_Framework",
    folder="knowledge_graphs/supporting_KG",
)

#: The files read, by body code; each gives one generated file of the same name.
FILES: Final = ("cgpm.ttl", "cipm.ttl", "cctf.ttl")

_LABEL = re.compile(r"(CGPM|CIPM|CCTF)(\d+(?:-\d+)?)(?:-(Res|Dec|Rec|Decl)(\d+(?:-\d+)?)?)?")
_TYPE_WORDS: Final = {
    "resolution": "Resolution",
    "decision": "Decision",
    "recommendation": "Recommendation",
    "declaration": "Declaration",
}
_CLASSES: Final[dict[Node, URIRef]] = {
    RB.Resolution: BKG.AdoptedResolution,
    RB.Decision: BKG.Decision,
    RB.Recommendation: BKG.Recommendation,
    RB.Declaration: BKG.Declaration,
}
_FRENCH_WORDS = re.compile(
    r"\b(concernant|relative|relatif|sur|des|du|de la|les|le|la|et|aux|l'|d'|pour|une?)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(r"\b(the|of|on|and|for|to|concerning|with|in)\b", re.IGNORECASE)


def parse_label(label: str) -> tuple[str, str, str | None, str]:
    """(body code, meeting, outcome type or None, number) of a hidden label such as `CGPM9-Res4`
    or `CIPM101-1-Dec101-16`; raises DataLoadError for any other shape."""
    match = _LABEL.fullmatch(label)
    if match is None:
        raise DataLoadError(f"si-reference-point: cannot read the label {label!r}")
    body, meeting, kind, number = match.groups()
    return body.lower(), meeting, keys.outcome_type(kind) if kind else None, number or ""


def plain(text: str) -> str:
    """A text without its AsciiDoc and HTML markup: `*considering*` → considering,
    `stem:[...]` → its content, `<i>g</i><sub>n</sub>` → gn, entities decoded, spaces folded."""
    text = re.sub(r"stem:\[([^\]]*)\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\[type=[^\]]*\]", "", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?m)^\s*\.+\s+", "", text)
    text = text.replace(" +\n", "\n")
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip()


def looks_french(text: str) -> bool:
    """Whether a title tagged @en is French: French function words and no English ones."""
    return bool(_FRENCH_WORDS.search(text)) and not _ENGLISH_WORDS.search(text)


def generate(source: Path, context: ImportContext) -> Iterable[GeneratedFile]:
    del context
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise ImportRefused(
            f"{source}: not the SI Reference Point snapshot (no {', '.join(missing)})"
        )
    for name in FILES:
        data = parse_file(source / name)
        graph = Graph()
        code = name.removesuffix(".ttl")
        meetings = _meetings(data, graph, code, name)
        _outcomes(data, graph, code, name, meetings)
        yield GeneratedFile(
            name,
            graph,
            (
                f"Meetings of the {code.upper()} and the outcomes adopted at them. Generated by",
                "`bipmkg import si-reference-point` from the SI Reference Point",
                f"({SNAPSHOT.repository}, knowledge_graphs/supporting_KG/{name}); do not edit.",
                SNAPSHOT.attribution + ".",
                "",
            ),
            (name,),
        )


def _meetings(data: Graph, graph: Graph, code: str, name: str) -> dict[URIRef, tuple[URIRef, str]]:
    """Add the meetings; their IRIs and English labels by the BIPM's IRI."""
    found: dict[URIRef, tuple[URIRef, str]] = {}
    for event in sorted(data.subjects(RDF.type, RB.Event), key=str):
        assert isinstance(event, URIRef)
        label = str(data.value(event, SKOS.hiddenLabel))
        body, meeting, kind, _ = parse_label(label)
        if kind is not None or body != code:
            raise DataLoadError(f"si-reference-point/{name}: {label!r} is not a {code} meeting")
        iri = keys.meeting_iri(code, meeting)
        graph.add((iri, RDF.type, BKG.Meeting))
        graph.add((iri, BKG.meetingOf, keys.body_iri(code)))
        graph.add((iri, DCTERMS.identifier, Literal(label)))
        graph.add((iri, SKOS.exactMatch, event))
        graph.add((iri, BKG.locationStatus, BKG.LocationUnknown))
        english = ""
        for value in sorted(data.objects(event, SKOS.prefLabel), key=str):
            if isinstance(value, Literal) and value.language in ("en", "fr"):
                graph.add((iri, SKOS.prefLabel, Literal(plain(value), lang=value.language)))
                english = plain(value) if value.language == "en" else english
        day = data.value(event, RB.hasEventDate)
        if day is not None:
            graph.add((iri, SCHEMA.endDate, Literal(str(day), datatype=XSD.date)))
        number = data.value(event, RB.hasEventNr)
        if number is not None and str(number).isdigit():
            graph.add((iri, BKG.ordinal, Literal(int(str(number)))))
        cite(graph, iri, SNAPSHOT, name)
        found[event] = (iri, english or label)
    return found


def _outcomes(
    data: Graph, graph: Graph, code: str, name: str, meetings: dict[URIRef, tuple[URIRef, str]]
) -> None:
    for outcome in sorted(data.subjects(RB.isOutcomeOf, None), key=str):
        assert isinstance(outcome, URIRef)
        label = str(data.value(outcome, SKOS.hiddenLabel))
        body, meeting, kind, number = parse_label(label)
        if kind is None or body != code:
            raise DataLoadError(f"si-reference-point/{name}: {label!r} is not a {code} outcome")
        held = data.value(outcome, RB.isOutcomeOf)
        if held not in meetings:
            raise DataLoadError(f"si-reference-point/{name}: {label} was adopted at no meeting")
        meeting_iri, meeting_label = meetings[URIRef(str(held))]
        iri = keys.outcome_iri(code, meeting, kind, number)
        classes = [c for c in data.objects(outcome, RDF.type) if c in _CLASSES]
        graph.add((iri, RDF.type, _CLASSES[classes[0]] if classes else keys.OUTCOME_CLASSES[kind]))
        graph.add((iri, BKG.adoptedAt, meeting_iri))
        graph.add((iri, BKG.adoptedBy, keys.body_iri(code)))
        graph.add((iri, DCTERMS.identifier, Literal(label)))
        graph.add((iri, SKOS.exactMatch, outcome))
        _titles(data, graph, outcome, iri, f"{_TYPE_WORDS[kind]} {number} of the {meeting_label}")
        for doi in sorted(str(d) for d in data.objects(outcome, RB.hasDOI)):
            bare = doi.removeprefix("https://doi.org/")
            graph.add((iri, BKG.doi, Literal(bare)))
            graph.add((iri, SCHEMA.url, URIRef(f"https://doi.org/{bare}")))
        for part, text_property in ((RB.hasConsidering, RB.hasConsideringText),
                                    (RB.hasAction, RB.hasActionText)):  # fmt: skip
            for node in data.objects(outcome, part):
                for text in data.objects(node, text_property):
                    if isinstance(text, Literal) and text.language in ("en", "fr"):
                        lang = (
                            "fr" if text.language == "en" and looks_french(text) else text.language
                        )
                        graph.add((iri, SCHEMA.text, Literal(plain(text), lang=lang)))
        cite(graph, iri, SNAPSHOT, name)


def _titles(data: Graph, graph: Graph, outcome: URIRef, iri: URIRef, from_facts: str) -> None:
    titles = {"en": "", "fr": ""}
    # A title tagged @fr first, so that it wins over a French title tagged @en; sorted, so that
    # the choice does not follow rdflib's (hash-seeded) order.
    values = [v for v in data.objects(outcome, RB.hasOutcomeTitle) if isinstance(v, Literal)]
    for value in sorted(values, key=lambda v: (v.language != "fr", str(v))):
        if value.language not in titles:
            continue
        text = plain(value).strip()
        lang = "fr" if value.language == "en" and looks_french(text) else str(value.language)
        if text and not titles[lang]:
            titles[lang] = text
    graph.add((iri, SKOS.prefLabel, Literal(titles["en"] or from_facts, lang="en")))
    if titles["fr"]:
        graph.add((iri, SKOS.prefLabel, Literal(titles["fr"], lang="fr")))
