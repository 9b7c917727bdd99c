"""Importer of bipm-data-outcomes: the meetings of the BIPM's bodies and their working groups, and
the outcomes adopted at them (metanorma/bipm-data-outcomes, YAML scraped from bipm.org by Ribose).

One file per body folder of the snapshot (`cgpm`, `cipm`, `jcrb`, `jcgm`, the ten Consultative
Committees), holding the body's meetings, its working groups with their meetings, and the outcomes.
Facts only (the snapshot's README): identifiers, types, dates, titles in English and French, DOIs,
categories and the bipm.org page of each resource; the outcome texts (`considerations`,
`actions`, `x-unparsed`) are not republished. The CGPM's, CIPM's and CCTF's texts come from the
SI Reference Point, whose preferred labels win over these (`DEFERS_TO`); the same meeting or
outcome from both sources is one IRI (`keys`).

What the data says and how it is read:
- A meeting's `date` is its last day (the 26th CGPM, 13–16 November 2018, is given as
  2018-11-16): `schema:endDate`.
- Every one of the 994 meetings gives the same `source`, "BIPM - Pavillon de Breteuil", online
  meetings of 2020 and 2021 included: a default of the scraper, not a place. No place is
  asserted (`bkg:locationStatus bkg:LocationUnknown`).
- `workgroups/<code>/` folders are working groups, task groups and sections
  (`bkg:WorkingGroup`, `committee:<code>`, part of their committee), except those whose code names
  a workshop or webinar series (`-ws`, `-jws`, `webinar`): their meetings are events organised by
  the committee or working group the code begins with. Within a working group, a meeting whose
  title says "Workshop" or "Webinar" is such an event too.
- A working group's name is its acronym as the meeting titles write it (`CCRI(II)`,
  `JCGM-WG1:GUM`); curated files may give the full names, which then win.
- An outcome's `subject` is the body's acronym at the time (`CCDS` for the CCTF before 1997): the
  outcome is adopted by the folder's body, which the curated files describe with its former name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from rdflib import DCTERMS, RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import ORG, XSD
from rdflib.term import Node

from bipmkg import config
from bipmkg.curation.importers import keys
from bipmkg.curation.importers.mentions import Lexicon, Mention, read_lexicon
from bipmkg.curation.importers.output import GeneratedFile
from bipmkg.curation.importers.run import ImportContext
from bipmkg.curation.importers.snapshot import Snapshot, cite
from bipmkg.curation.importers.text import plain
from bipmkg.errors import DataLoadError, ImportRefused
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG, SCHEMA, instance_iri, slugify

SNAPSHOT: Final = Snapshot(
    name="bipm-data-outcomes",
    title="BIPM meetings and outcomes in machine-readable form (bipm-data-outcomes)",
    repository="metanorma/bipm-data-outcomes",
    commit="45746fc891f0a85e43fff5c0f0abd19f2bf3c9d7",
    commit_date="2025-03-20",
    # No open licence: the upstream README's own words, which the README of the snapshot reads
    # as "facts and page links may be used, the texts not republished".
    licence=(
        "https://github.com/metanorma/bipm-data-outcomes/blob/"
        "45746fc891f0a85e43fff5c0f0abd19f2bf3c9d7/README.adoc"
    ),
    attribution=(
        "Copyright BIPM. Conversion performed by Ribose (metanorma/bipm-data-outcomes; not "
        "officially managed by the BIPM): facts and bipm.org page links only, no texts"
    ),
    home="https://github.com/metanorma/bipm-data-outcomes",
)

#: The SI Reference Point is the BIPM's own publication of the CGPM, CIPM and CCTF outcomes.
DEFERS_TO: Final = ("si-reference-point",)

#: The body folders of the snapshot, in the order of keys.BODIES.
FOLDERS: Final = tuple(keys.BODIES)

_SERIES = re.compile(r"(^|-)(ws|jws|webinar)(-|$)")
_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9()\-:/]*")
_TYPE_WORDS: Final = {
    "resolution": "Resolution",
    "decision": "Decision",
    "recommendation": "Recommendation",
    "declaration": "Declaration",
    "action": "Action",
    "statement": "Statement",
}


@dataclass(frozen=True)
class MeetingFile:
    """One meeting as the snapshot gives it: the English file and its French twin (if any)."""

    path: str  #: relative to the snapshot, the English file
    english: dict[str, Any]
    french: dict[str, Any] | None
    french_path: str | None


def generate(source: Path, context: ImportContext) -> Iterable[GeneratedFile]:
    missing = [code for code in FOLDERS if not (source / code / "meetings-en").is_dir()]
    if missing:
        raise ImportRefused(
            f"{source}: not the bipm-data-outcomes snapshot (no meetings-en folder in "
            f"{', '.join(missing)})"
        )
    earlier = Earlier(context.imported("si-reference-point"))
    groups = {code: _group_files(source, code) for code in FOLDERS}
    graphs = {code: Graph() for code in FOLDERS}
    for code in FOLDERS:
        for group, files in groups[code]:
            _group(graphs[code], code, group, files)
    known = context.known(excluding=SNAPSHOT.name)
    for graph in graphs.values():
        known += graph
    lexicon = read_lexicon(known, parse_file(config.ontology_file()))
    for code in FOLDERS:
        graph = graphs[code]
        read: list[str] = []
        for meeting in _files(source, code):
            read.append(meeting.path)
            if meeting.french_path:
                read.append(meeting.french_path)
            _meeting(graph, code, meeting)
            _outcomes(graph, code, meeting, earlier, lexicon)
        names = {name for name, _ in groups[code]}
        for group, files in groups[code]:
            for meeting in files:
                read.append(meeting.path)
                if meeting.french_path:
                    read.append(meeting.french_path)
                _group_meeting(graph, code, group, meeting, names)
        yield GeneratedFile(
            f"{code}.ttl",
            graph,
            (
                f"Meetings of the {code.upper()} and its working groups, and the outcomes adopted",
                "at them. Generated by `bipmkg import bipm-data-outcomes` from",
                f"{SNAPSHOT.repository} at {SNAPSHOT.commit[:12]} ({code}/); do not edit.",
                "Facts and bipm.org page links only: the outcome texts are not republished.",
                "",
            ),
            tuple(read),
        )


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise DataLoadError(f"{path}: not a meeting file (no metadata)")
    return data


def _files(source: Path, folder: str) -> Iterator[MeetingFile]:
    """The meeting files of one folder, in the order of their names."""
    for english in sorted((source / folder / "meetings-en").glob("*.yml")):
        french = source / folder / "meetings-fr" / english.name
        yield MeetingFile(
            f"{folder}/meetings-en/{english.name}",
            _load(english),
            _load(french) if french.is_file() else None,
            f"{folder}/meetings-fr/{english.name}" if french.is_file() else None,
        )


def _group_files(source: Path, code: str) -> list[tuple[str, list[MeetingFile]]]:
    groups = source / code / "workgroups"
    if not groups.is_dir():
        return []
    return [
        (folder.name, list(_files(source, f"{code}/workgroups/{folder.name}")))
        for folder in sorted(groups.iterdir())
        if (folder / "meetings-en").is_dir()
    ]


def _text(value: object) -> str:
    return re.sub(r"\s+", " ", plain(str(value or ""))).strip()


def _day(value: object, where: str) -> Literal:
    text = str(value or "")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise DataLoadError(f"bipm-data-outcomes/{where}: {text!r} is not a date")
    return Literal(text, datatype=XSD.date)


def _urls(english: object, french: object) -> list[URIRef]:
    return [URIRef(str(u)) for u in (english, french) if u and str(u).startswith("https://")]


def _meeting(graph: Graph, code: str, meeting: MeetingFile) -> None:
    md = meeting.english["metadata"]
    fr = (meeting.french or {}).get("metadata", {})
    identifier = str(md["identifier"])
    iri = keys.meeting_iri(code, identifier)
    graph.add((iri, RDF.type, BKG.Meeting))
    graph.add((iri, BKG.meetingOf, keys.body_iri(code)))
    # As the SI Reference Point writes it (CGPM9, CIPM101-1), so that a meeting of both has one.
    graph.add((iri, DCTERMS.identifier, Literal(f"{code.upper()}{identifier}")))
    graph.add((iri, SKOS.prefLabel, Literal(_text(md["title"]), lang="en")))
    if fr.get("title"):
        graph.add((iri, SKOS.prefLabel, Literal(_text(fr["title"]), lang="fr")))
    graph.add((iri, SCHEMA.endDate, _day(md["date"], meeting.path)))
    graph.add((iri, BKG.locationStatus, BKG.LocationUnknown))
    if identifier.isdigit():
        graph.add((iri, BKG.ordinal, Literal(int(identifier))))
    _cite(graph, iri, meeting, md.get("url"), fr.get("url"))


def _cite(
    graph: Graph, iri: URIRef, meeting: MeetingFile, english_url: object, french_url: object
) -> None:
    cite(graph, iri, SNAPSHOT, meeting.path)
    if meeting.french_path:
        cite(graph, iri, SNAPSHOT, meeting.french_path)
    for url in _urls(english_url, french_url):
        graph.add((iri, SCHEMA.url, url))


def _outcomes(
    graph: Graph, code: str, meeting: MeetingFile, earlier: Earlier, lexicon: Lexicon
) -> None:
    md = meeting.english["metadata"]
    identifier = str(md["identifier"])
    held = keys.meeting_iri(code, identifier)
    french = {
        (str(r.get("type")), str(r.get("identifier"))): r
        for r in (meeting.french or {}).get("resolutions") or []
    }
    items = []
    days: dict[URIRef, list[str]] = {}
    for item in meeting.english.get("resolutions") or []:
        kind = keys.outcome_type(str(item["type"]))
        number = str(item["identifier"])
        minted = keys.outcome_iri(code, identifier, kind, number)
        # The snapshot lists a few outcomes twice at their meeting (CIPM 94, JCRB 42): one
        # outcome; the JCRB 42 copies are dated 2020-09-10 and 2020-03-13, both kept.
        if minted not in days:
            items.append((item, kind, number, minted))
        days.setdefault(minted, []).extend(str(d) for d in item.get("dates") or [])
    exact = {minted for *_, minted in items if minted in earlier.known}
    for item, kind, number, minted in items:
        title = _text(item["title"]) or f"{_TYPE_WORDS[kind]} {number}"
        iri = earlier.outcome(minted, held, number, title, exact)
        twin = french.get((str(item["type"]), number), {})
        graph.add((iri, RDF.type, keys.OUTCOME_CLASSES[kind]))
        earlier.compare_types(graph, iri, keys.OUTCOME_CLASSES[kind], meeting.path)
        graph.add((iri, BKG.adoptedAt, held))
        graph.add((iri, BKG.adoptedBy, keys.body_iri(code)))
        graph.add((iri, DCTERMS.identifier, Literal(number)))
        graph.add((iri, SKOS.prefLabel, Literal(title, lang="en")))
        if twin.get("title"):
            graph.add((iri, SKOS.prefLabel, Literal(_text(twin["title"]), lang="fr")))
        dated = sorted(set(days[minted]))
        for day in dated:
            graph.add((iri, DCTERMS.dateAccepted, _day(day, meeting.path)))
        if len(dated) > 1:
            cited = SNAPSHOT.file_iri(meeting.path)
            claims = [(d, DCTERMS.dateAccepted, _day(d, meeting.path), cited) for d in dated]
            add_discrepancy(
                graph,
                iri,
                "date-accepted",
                claims,
                f"{meeting.path} lists this outcome more than once, dated {' and '.join(dated)}.",
            )
        if item.get("doi"):
            doi = str(item["doi"]).removeprefix("https://doi.org/")
            graph.add((iri, BKG.doi, Literal(doi)))
            graph.add((iri, SCHEMA.url, URIRef(f"https://doi.org/{doi}")))
        english = {_text(c) for c in item.get("categories") or []}
        for category in sorted(english):
            graph.add((iri, DCTERMS.subject, Literal(category, lang="en")))
        # The French pages repeat most categories in English: only a translated one is French.
        for category in sorted({_text(c) for c in twin.get("categories") or []} - english):
            graph.add((iri, DCTERMS.subject, Literal(category, lang="fr")))
        _cite(graph, iri, meeting, item.get("url"), twin.get("url"))
        for mention in lexicon.find(outcome_text(item), adopted_by=[keys.body_iri(code)]):
            _mention(graph, iri, mention, meeting.path)


def outcome_text(item: dict[str, Any]) -> str:
    """What an outcome says in English (title, considerations, actions, unparsed paragraphs,
    approvals, notes), markup removed: read for the bodies it names, never written out."""
    parts = [str(item.get("title") or "")]
    for field in ("considerations", "actions", "approvals"):
        for part in item.get(field) or []:
            if isinstance(part, dict) and part.get("message"):
                parts.append(str(part["message"]))
    for field in ("x-unparsed", "notes"):
        value = item.get(field) or []
        parts.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return "\n".join(plain(p) for p in parts if p)


def _mention(graph: Graph, outcome: URIRef, mention: Mention, path: str) -> None:
    """`outcome bkg:mentions body`, and the statement saying which words of which file name it
    (the words only: the text itself is not republished)."""
    graph.add((outcome, BKG.mentions, mention.body))
    slug = str(outcome).rsplit("/", 1)[-1]
    body = str(mention.body).rsplit("/", 1)[-1]
    statement = instance_iri("statement", f"{slug}--mentions--{body}")
    graph.add((statement, RDF.type, RDF.Statement))
    graph.add((statement, RDF.subject, outcome))
    graph.add((statement, RDF.predicate, BKG.mentions))
    graph.add((statement, RDF.object, mention.body))
    graph.add((statement, BKG.excerpt, Literal(mention.words, lang="en")))
    graph.add((statement, DCTERMS.source, SNAPSHOT.file_iri(path)))


class Earlier:
    """The SI Reference Point's outcomes, so that one outcome from both sources is one IRI.

    The two sources sometimes type the same outcome differently: the 3rd CGPM's declaration on
    the litre is a "declaration" there and a "statement" here; the 1st CGPM's sanction of the
    prototypes "Resolution 1" there, a statement numbered 1889 here. Such an outcome keeps the SI
    Reference Point's IRI; it is matched at the same meeting by its English title, else by its
    number, and both types are kept, each a statement of its source, with a Discrepancy.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.known = set(graph.subjects(BKG.adoptedAt, None))
        self.claimed: set[URIRef] = set()
        self.sources = {
            s: graph.value(s, DCTERMS.source) for s in self.known if isinstance(s, URIRef)
        }

    def outcome(
        self, minted: URIRef, held: URIRef, number: str, title: str, exact: set[URIRef]
    ) -> URIRef:
        """The IRI of an outcome: the one minted from its keys, unless the SI Reference Point
        has it under another type at the same meeting (`exact`: the meeting's outcomes that
        both sources key alike, never taken by another)."""
        if minted in exact or not self.known:
            return minted
        candidates = [
            o
            for o in self.graph.subjects(BKG.adoptedAt, held)
            if isinstance(o, URIRef) and o not in self.claimed and o not in exact
        ]
        wanted = _fold(title)
        for other in sorted(candidates):
            labels = self.graph.objects(other, SKOS.prefLabel | SKOS.altLabel)
            if any(_fold(str(label)) == wanted for label in labels):
                self.claimed.add(other)
                return other
        by_number = [o for o in candidates if str(o).endswith(f"-{slugify(number)}")]
        if len(by_number) == 1:
            self.claimed.add(by_number[0])
            return by_number[0]
        return minted

    def compare_types(self, graph: Graph, iri: URIRef, kind: URIRef, path: str) -> None:
        theirs = sorted(c for c in self.graph.objects(iri, RDF.type) if isinstance(c, URIRef))
        if not theirs or kind in theirs:
            return
        theirs_cited = self.sources.get(iri)
        add_discrepancy(
            graph,
            iri,
            "type",
            [
                ("bipm-data-outcomes", RDF.type, kind, SNAPSHOT.file_iri(path)),
                ("si-reference-point", RDF.type, theirs[0], theirs_cited),
            ],
            f"The SI Reference Point types this outcome {_local(theirs[0])}, "
            f"bipm-data-outcomes {_local(kind)}: both are kept.",
        )


def add_discrepancy(
    graph: Graph,
    about: URIRef,
    topic: str,
    claims: Sequence[tuple[str, URIRef, Node, Node | None]],
    description: str,
) -> None:
    """Keep claims that disagree: each an `rdf:Statement` (`statement:<slug>--<topic>--<tag>`)
    citing its source, linked by `discrepancy:<slug>-<topic>` (as the curated files do)."""
    slug = str(about).rsplit("/", 1)[-1]
    discrepancy = instance_iri("discrepancy", f"{slug}-{topic}")
    graph.add((discrepancy, RDF.type, BKG.Discrepancy))
    graph.add((discrepancy, BKG.concerns, about))
    graph.add((discrepancy, DCTERMS.description, Literal(description, lang="en")))
    for tag, predicate, value, source in claims:
        statement = instance_iri("statement", f"{slug}--{topic}--{tag}")
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.subject, about))
        graph.add((statement, RDF.predicate, predicate))
        graph.add((statement, RDF.object, value))
        graph.add((discrepancy, BKG.conflictingStatement, statement))
        if source is not None:
            graph.add((statement, DCTERMS.source, source))
            graph.add((discrepancy, DCTERMS.source, source))


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", plain(text).lower()).strip()


def _is_series(group: str) -> bool:
    return bool(_SERIES.search(group))


def _acronym(group: str, files: list[MeetingFile]) -> str:
    """The working group's acronym as its meeting titles write it: the most frequent title
    that is one word (`CCRI(II)`), else the code in capitals as the folder names it."""
    titles = Counter(_text(f.english["metadata"]["title"]) for f in files)
    for title, _ in sorted(titles.items(), key=lambda t: (-t[1], t[0])):
        if _ACRONYM.fullmatch(title):
            return title
    return group.rstrip("-").upper()


def _parents(code: str, group: str) -> list[URIRef]:
    """The bodies a group's code says it belongs to: its folder's body, and the other committee
    a joint group names first (`ccl-cctf-wgfs`: the CCL and the CCTF)."""
    parents = [keys.body_iri(code)]
    first = group.split("-", 1)[0]
    if first != code and first in keys.BODIES:
        parents.append(keys.body_iri(first))
    return parents


def _organiser(code: str, group: str, groups: set[str]) -> URIRef:
    """Who organises a series' events: the longest working group its code begins with, else the
    folder's committee (`ccpr-wg-cmc-ws` → CCPR-WG-CMC, `ccri-cc-ws` → CCRI)."""
    parts = group.rstrip("-").split("-")
    for end in range(len(parts) - 1, 0, -1):
        prefix = "-".join(parts[:end])
        if prefix in groups and not _is_series(prefix):
            return instance_iri("committee", slugify(prefix))
    return keys.body_iri(code)


def _group(graph: Graph, code: str, group: str, files: list[MeetingFile]) -> None:
    if _is_series(group) or not files:
        return
    iri = instance_iri("committee", slugify(group))
    acronym = _acronym(group, files)
    graph.add((iri, RDF.type, BKG.WorkingGroup))
    graph.add((iri, SKOS.prefLabel, Literal(acronym, lang="en")))
    graph.add((iri, SKOS.prefLabel, Literal(acronym, lang="fr")))
    graph.add((iri, BKG.acronym, Literal(acronym, lang="en")))
    graph.add((iri, DCTERMS.identifier, Literal(group)))
    for parent in _parents(code, group):
        graph.add((iri, ORG.subOrganizationOf, parent))
    for meeting in files:
        cite(graph, iri, SNAPSHOT, meeting.path)


def _group_meeting(
    graph: Graph, code: str, group: str, meeting: MeetingFile, groups: set[str]
) -> None:
    md = meeting.english["metadata"]
    fr = (meeting.french or {}).get("metadata", {})
    identifier = str(md["identifier"])
    title = _text(md["title"])
    iri = keys.meeting_iri(group.rstrip("-"), identifier)
    lowered = title.lower()
    series = _is_series(group)
    if "webinar" in lowered:
        kind = BKG.Seminar
    elif "workshop" in lowered or (series and "meeting" not in lowered):
        kind = BKG.Workshop
    elif series:
        kind = BKG.Event
    else:
        kind = BKG.Meeting
    graph.add((iri, RDF.type, kind))
    if series:
        graph.add((iri, SCHEMA.organizer, _organiser(code, group, groups)))
    elif kind == BKG.Meeting:
        graph.add((iri, BKG.meetingOf, instance_iri("committee", slugify(group))))
    else:
        graph.add((iri, SCHEMA.organizer, instance_iri("committee", slugify(group))))
    day = md["date"]
    # A working group's meeting title is its acronym alone: the label says which meeting.
    single = _ACRONYM.fullmatch(title) is not None
    english = f"{title} meeting of {day}" if single else title
    graph.add((iri, SKOS.prefLabel, Literal(english, lang="en")))
    if fr.get("title"):
        french = _text(fr["title"])
        graph.add(
            (iri, SKOS.prefLabel, Literal(f"Réunion du {french} du {day}" if single else french,
                                          lang="fr"))
        )  # fmt: skip
    graph.add((iri, DCTERMS.identifier, Literal(f"{group.rstrip('-').upper()}-{identifier}")))
    graph.add((iri, SCHEMA.endDate, _day(day, meeting.path)))
    graph.add((iri, BKG.locationStatus, BKG.LocationUnknown))
    _cite(graph, iri, meeting, md.get("url"), fr.get("url"))
