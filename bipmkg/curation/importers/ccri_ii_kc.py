"""Importer of the BIPM's radionuclide key comparisons (TheBIPM/CCRI-II-KC, MIT licence).

`NMId.csv` gives the institutes, each `*_FAIR.xml` one key comparison BIPM.RI(II)-K1.<nuclide>
(the SIR, piloted by the BIPM) with its releases (Metrologia DOIs) and one submission per
institute and year. Facts only: who took part in which comparison in which year, and which DOI
reported it; the measured values are not imported. One file for the institutes, their countries
and RMO memberships (`institutes.ttl`), one per comparison (a re-import's diff stays with the
comparison whose data changed).

Institutes the curated graph already describes keep their IRI: `CURATED` is the reviewed table
of which row is which curated body, and a row whose acronym a curated body also uses must be in
`CURATED` or `NOT_CURATED` (else the import stops), so that no near-miss passes unseen. A
curated body only gains facts it does not state yet; a differing name becomes an alternative
label (`run.defer_to_curated`).

Known slips of the snapshot (its README): the LaTeX-escaped accents are decoded
(`decode_latex`); NUCLEAR MALAYSIA's RMO "SIM" is not imported (`SLIPPED_RMO`); CIEMAT's Budapest
address is not used (no address is imported). The "Validity date" column (only KRISS: 1978) has
no documented meaning and is not imported.

XML is read with the standard library's parser after refusing any DOCTYPE or entity declaration,
which is what defusedxml would enforce for these files (it is not a dependency of the project).
"""

from __future__ import annotations

import csv
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, XSD
from rdflib.term import Node

from bipmkg.curation.importers.output import GeneratedFile
from bipmkg.curation.importers.run import ImportContext
from bipmkg.curation.importers.snapshot import Snapshot, cite
from bipmkg.errors import DataLoadError, ImportRefused
from bipmkg.rdf.files import parse_file
from bipmkg.rdf.namespaces import BKG, SCHEMA, instance_iri, slugify

SNAPSHOT: Final = Snapshot(
    name="ccri-ii-kc",
    title="BIPM key comparison data for radionuclide metrology (CCRI-II-KC)",
    repository="TheBIPM/CCRI-II-KC",
    commit="bc0a3979c09893a6ba78cfccdd6d345299f843e0",
    commit_date="2025-04-28",
    licence="https://opensource.org/licenses/MIT",
    attribution="© 2023 Bureau International des Poids et Mesures, MIT licence",
    home="https://github.com/TheBIPM/CCRI-II-KC",
)
LICENCE_LINES: Final = (
    "© 2023 Bureau International des Poids et Mesures; MIT licence,",
    "https://opensource.org/licenses/MIT (the snapshot's LICENSE).",
)
KC: Final = "{KC_Schema}"
CSV_FILE: Final = "NMId.csv"
COLUMNS: Final = ("Accronym", "Full name", "Country", "RMO", "old accronym", "ROR")
ROR: Final = re.compile(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}")
DOI: Final = re.compile(r"10\.\d{4,9}/\S+")

#: Rows that are curated bodies (acronym in NMId.csv → slug of the curated organisation: IRI).
#: JRC is the row of the JRC's Geel institute, "EC-JRC Institute for Reference Materials and
#: Measurements", formerly IRMM and CBNM: the curated organisation:irmm, not the whole JRC.
CURATED: Final = {
    "BIPM": "bipm",
    "IAEA": "iaea",
    "JRC": "irmm",
    "NIST": "nist",
    "NPL": "npl",
}
#: Rows that are not the curated body they might be taken for (acronym → why not), kept so that
#: the review is written down: each is a body of its own, minted here.
NOT_CURATED: Final = {
    "ENEA-INMRI": "not inrim: INRIM is another Italian institute; this is ENEA's",
    "IRA": "not metas: METAS is the Swiss NMI; IRA the Institut de Radiophysique",
    "TENMAK-NUKEN": "not tubitak-ume: TÜBİTAK UME is another Turkish body; this was TAEK",
}  # fmt: skip

#: The language of each name that is not English (reviewed one by one; all others are English).
#: BEV's name is written "fur" in the snapshot and kept so; LNMRI-IRD's "Radiaçöes" is the
#: snapshot's `\"{o}` decoded as written (the Portuguese word has õ).
LANGUAGES: Final = {
    "ASMW": "de", "BEV": "de", "BIPM": "fr", "CENTIS-DMR": "es", "CIEMAT": "es", "CNEA": "es",
    "ENEA-INMRI": "it", "IFIN-HH": "ro", "ININ": "es", "IRA": "fr", "LNE-LNHB": "fr",
    "LNMRI-IRD": "pt", "PTB": "de", "PTKMR": "id", "SCK.CEN/LNK": "nl", "SMU": "sk",
}  # fmt: skip

#: The RMOs of the table's RMO column, all curated (slug of their organisation: IRI).
RMOS: Final = {
    "AFRIMETS": "afrimets", "APMP": "apmp", "COOMET": "coomet", "EURAMET": "euramet",
    "GULFMET": "gulfmet", "SIM": "sim",
}  # fmt: skip
#: RMO values the snapshot's README lists as slips: not imported (Malaysia is not in SIM).
SLIPPED_RMO: Final = {"NUCLEAR MALAYSIA": "SIM"}

#: The table's country names that are curated places under another slug.
#: (The curated States of member-states.ttl use the BIPM's short names.)
COUNTRY_SLUGS: Final = {
    "Türkiye": "turkey",
    "Czechia": "czech-republic",
    "Republic of Korea": "south-korea",
    "Russian Federation": "russia",
    "Viet Nam": "vietnam",
}
#: Acronyms the table gives a curated body that are another curated body's own: the table writes
#: "JRC" for the JRC's Geel institute (organisation:irmm), whose parent organisation:jrc is the
#: JRC. Kept as an alternative label of the institute, not as its acronym.
PARENT_ACRONYMS: Final = frozenset({"JRC"})
#: Country cells that name no country: the JRC's "European Union" (not a country; no
#: bkg:country). ASMW's "former East Germany" is a country that was: minted as
#: place:east-germany, labelled "East Germany" with the table's words as an alternative label.
#: Every other cell is minted as the schema:Country it names, with the table's English name
#: (bkg:country's range), "Chinese Taipei" too, the name the BIPM gives that economy.
NOT_COUNTRIES: Final = frozenset({"", "European Union"})
FORMER_COUNTRIES: Final = {"former East Germany": "East Germany"}

_LATEX_ACCENTS: Final = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "c": "\u0327",
}  # fmt: skip
_LATEX: Final = re.compile(r"\\([\"'`^~c])\{?([A-Za-z])\}?")


@dataclass(frozen=True)
class Institute:
    """One row of NMId.csv, decoded."""

    acronym: str
    name: str
    country: str
    rmo: str
    former: tuple[str, ...]
    ror: str


def decode_latex(text: str) -> str:
    r"""`Amt f\"{u}r` → `Amt für`, `Me\ss{}wesen` → `Meßwesen`, `\c{c}` → `ç`, `\^o` → `ô`."""
    text = text.replace("\\ss{}", "ß")
    text = _LATEX.sub(
        lambda m: unicodedata.normalize("NFC", m.group(2) + _LATEX_ACCENTS[m.group(1)]), text
    )
    if "\\" in text:
        raise DataLoadError(f"{CSV_FILE}: an undecoded LaTeX escape in {text!r}")
    return " ".join(text.split())


def read_institutes(source: Path) -> list[Institute]:
    path = source / CSV_FILE
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream, delimiter=";"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataLoadError(f"{path}: cannot read: {error}") from error
    if not rows or not set(COLUMNS) <= set(rows[0]):
        raise DataLoadError(f"{path}: expected the columns {', '.join(COLUMNS)}")
    found = []
    for number, row in enumerate(rows, 2):
        if None in row or any(row[k] is None for k in COLUMNS):
            raise DataLoadError(f"{path}, line {number}: wrong number of fields")
        cell = {k: decode_latex(row[k] or "") for k in COLUMNS}
        if not cell["Accronym"] or not cell["Full name"]:
            raise DataLoadError(f"{path}, line {number}: no acronym or name")
        if cell["ROR"] and not ROR.fullmatch(cell["ROR"]):
            raise DataLoadError(f"{path}, line {number}: not a ROR identifier: {cell['ROR']!r}")
        former = tuple(
            o.strip() for o in cell["old accronym"].split(",") if o.strip() not in {"", "-"}
        )
        found.append(
            Institute(
                cell["Accronym"], cell["Full name"], cell["Country"], cell["RMO"], former,
                cell["ROR"],
            )
        )  # fmt: skip
    acronyms = [i.acronym for i in found]
    if len(set(acronyms)) != len(acronyms):
        raise DataLoadError(f"{path}: an acronym is given twice")
    stale = (set(LANGUAGES) | set(CURATED) | set(NOT_CURATED) | set(SLIPPED_RMO)) - set(acronyms)
    if stale:
        raise DataLoadError(f"{path}: the reviewed tables name rows it lacks: {sorted(stale)}")
    return found


def parse_xml(path: Path) -> ET.Element:
    data = path.read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DataLoadError(f"{path}: a DOCTYPE or entity declaration is refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise DataLoadError(f"{path}: malformed XML: {error}") from error


def existing_graph(data_dir: Path) -> Graph:
    """The curated files and the other sources' imported files."""
    graph = Graph()
    for path in sorted(data_dir.glob("*.ttl")) + sorted(data_dir.glob("imported/*/*.ttl")):
        if path.parent.name != SNAPSHOT.name:
            graph += parse_file(path)
    return graph


def reconcile(existing: Graph, institute: Institute) -> URIRef | None:
    """The curated body that is this institute, by ROR first, then by the reviewed table;
    refuses a row whose acronym an existing body uses and that the table does not settle."""
    if institute.ror:
        for body in sorted(existing.subjects(SKOS.exactMatch, URIRef(institute.ror)), key=str):
            return URIRef(str(body))
    if institute.acronym in CURATED:
        body = instance_iri("organisation", CURATED[institute.acronym])
        if (body, RDF.type, None) not in existing:
            raise DataLoadError(
                f"{CSV_FILE}: {institute.acronym} should be {body}, not in the graph"
            )
        return body
    if institute.acronym not in NOT_CURATED:
        wanted = {a.casefold() for a in (institute.acronym, *institute.former)}
        minted = instance_iri("organisation", slugify(institute.acronym))
        for body, _, acronym in existing.triples((None, BKG.acronym, None)):
            # A curated file that adds facts to this import's own IRI names the same body.
            if str(acronym).casefold() in wanted and body != minted:
                raise DataLoadError(
                    f"{CSV_FILE}: {institute.acronym} may be {body} (acronym {acronym}); "
                    "add it to CURATED or NOT_CURATED"
                )
    return None


def country_iri(name: str) -> URIRef | None:
    if name in NOT_COUNTRIES:
        return None
    return instance_iri(
        "place", COUNTRY_SLUGS.get(name) or slugify(FORMER_COUNTRIES.get(name, name))
    )


def _add(graph: Graph, existing: Graph, s: URIRef, p: URIRef, o: Node) -> None:
    """Add a fact the graph does not state yet; a preferred label in a language the body has a
    preferred label in already becomes an alternative label (one per language)."""
    if (s, p, o) in existing:
        return
    if p == SKOS.prefLabel and isinstance(o, Literal):
        if any(
            isinstance(label, Literal) and label.language == o.language
            for label in existing.objects(s, SKOS.prefLabel)
        ):
            p = SKOS.altLabel
            if (s, p, o) in existing:
                return
    graph.add((s, p, o))


def institutes(source: Path, existing: Graph) -> tuple[Graph, dict[str, URIRef], dict[str, URIRef]]:
    """The institutes' graph, and their IRIs by acronym (former ones too) and by ROR."""
    graph = Graph()
    by_acronym: dict[str, URIRef] = {}
    by_former: dict[str, URIRef] = {}
    by_ror: dict[str, URIRef] = {}
    for row in read_institutes(source):
        found = reconcile(existing, row)
        body = found or instance_iri("organisation", slugify(row.acronym))
        by_acronym[row.acronym] = body
        for old in row.former:
            by_former.setdefault(old, body)
        if row.ror:
            by_ror[row.ror] = body

        def put(p: URIRef, o: Node, s: URIRef = body) -> None:
            _add(graph, existing, s, p, o)

        if found is None:
            # Every minted body is an NMI, the role the table gives it (the laboratory a State
            # sent to the comparison), the nuclear research bodies too (AECL, ANSTO, BARC,
            # KACST…): no source used says they are not designated institutes, so
            # ResearchInstitute would be a guess. The curated bodies keep their curated types.
            put(RDF.type, BKG.NationalMetrologyInstitute)
        name = Literal(row.name, lang=LANGUAGES.get(row.acronym, "en"))
        put(SKOS.prefLabel, name)
        # A reviewed own-language name is the body's native name, unless the body already has
        # another preferred name in that language (the BIPM's own spelling of its French name).
        if row.acronym in LANGUAGES and (
            (body, SKOS.prefLabel, name) in graph or (body, SKOS.prefLabel, name) in existing
        ):
            put(BKG.nativeLabel, name)
        if found is not None and row.acronym in PARENT_ACRONYMS:
            put(SKOS.altLabel, Literal(row.acronym, lang="en"))
        else:
            put(BKG.acronym, Literal(row.acronym, lang="en"))
        for old in row.former:
            put(SKOS.altLabel, Literal(old, lang="en"))
            put(BKG.formerName, Literal(old, lang="en"))
        if row.ror:
            put(SKOS.exactMatch, URIRef(row.ror))
        country = country_iri(row.country)
        if country is not None and not list(existing.objects(body, BKG.country)):
            put(BKG.country, country)
            if (country, RDF.type, SCHEMA.Country) not in existing:
                label = FORMER_COUNTRIES.get(row.country, row.country)
                graph.add((country, RDF.type, SCHEMA.Country))
                graph.add((country, SKOS.prefLabel, Literal(label, lang="en")))
                if label != row.country:
                    graph.add((country, SKOS.altLabel, Literal(row.country, lang="en")))
                cite(graph, country, SNAPSHOT, CSV_FILE)
        if row.rmo in RMOS and SLIPPED_RMO.get(row.acronym) != row.rmo:
            rmo = instance_iri("organisation", RMOS[row.rmo])
            member = instance_iri("membership", f"{RMOS[row.rmo]}--{body.rsplit('/', 1)[-1]}")
            graph.add((member, RDF.type, ORG.Membership))
            graph.add((member, ORG.member, body))
            graph.add((member, ORG.organization, rmo))
            graph.add((member, ORG.role, BKG.MemberRole))
            cite(graph, member, SNAPSHOT, CSV_FILE)
        elif row.rmo not in {"", "-", *RMOS}:
            raise DataLoadError(f"{CSV_FILE}: {row.acronym}: unknown RMO {row.rmo!r}")
        cite(graph, body, SNAPSHOT, CSV_FILE)
    # A current acronym wins over another institute's former one.
    return graph, {**by_former, **by_acronym}, by_ror


def doi_of(link: str) -> str | None:
    """The DOI of a release's link: `https://doi.org/10.1088/…` → `10.1088/…`; None for an
    empty link or the placeholder `https://doi.org/?` (no publication yet)."""
    bare = re.sub(r"^https?:/{1,2}(dx\.)?(doi\.org/)?", "", link.strip())
    return bare if DOI.fullmatch(bare) else None


def comparisons(
    source: Path, by_acronym: dict[str, URIRef], by_ror: dict[str, URIRef]
) -> Iterable[GeneratedFile]:
    files = sorted(source.glob("*_FAIR.xml"))
    if not files:
        raise ImportRefused(f"{source}: not the CCRI-II-KC snapshot (no *_FAIR.xml file)")
    for path in files:
        root = parse_xml(path)
        code = (root.findtext(f"{KC}generalInformation/{KC}comparisonCode") or "").strip()
        if not code.startswith("BIPM.RI(II)-K1."):
            raise DataLoadError(f"{path.name}: no BIPM.RI(II)-K1 kc:comparisonCode")
        graph = Graph()
        kc = instance_iri("comparison", slugify(code))
        graph.add((kc, RDF.type, BKG.KeyComparison))
        graph.add((kc, SKOS.prefLabel, Literal(code, lang="en")))
        graph.add((kc, SKOS.prefLabel, Literal(code, lang="fr")))
        graph.add((kc, DCTERMS.identifier, Literal(code)))
        pilot = root.find(f"{KC}generalInformation/{KC}pilot")
        if pilot is not None:
            graph.add((kc, BKG.pilot, _lab(pilot, path, by_acronym, by_ror)))
        cite(graph, kc, SNAPSHOT, path.name)
        for release in root.iterfind(f"{KC}comparisonData/{KC}release"):
            doi = doi_of(release.findtext(f"{KC}doi") or "")
            if doi is None:
                continue
            year = (release.findtext(f"{KC}year") or "").strip()
            publication = instance_iri("publication", slugify(doi))
            graph.add((publication, RDF.type, BKG.Publication))
            # A description the importer writes (the snapshot gives no title), so in both of the
            # site's languages, as the comparison's code is.
            title = f"{code}: report in Metrologia ({doi})"
            graph.add((publication, SKOS.prefLabel, Literal(title, lang="en")))
            titre = f"{code} : rapport dans Metrologia ({doi})"
            graph.add((publication, SKOS.prefLabel, Literal(titre, lang="fr")))
            graph.add((publication, BKG.doi, Literal(doi)))
            graph.add((publication, SCHEMA.url, URIRef(f"https://doi.org/{doi}")))
            if re.fullmatch(r"\d{4}", year):
                graph.add((publication, SCHEMA.datePublished, Literal(year, datatype=XSD.gYear)))
            graph.add((kc, BKG.reportedIn, publication))
            cite(graph, publication, SNAPSHOT, path.name)
        seen: dict[str, int] = {}
        for submission in root.iterfind(f"{KC}comparisonMetadata/{KC}submission"):
            laboratory = submission.find(f"{KC}laboratory")
            if laboratory is None:
                raise DataLoadError(f"{path.name}: a submission without kc:laboratory")
            body = _lab(laboratory, path, by_acronym, by_ror)
            acronym = (laboratory.findtext(f"{KC}acronym") or "").strip()
            year = (submission.findtext(f"{KC}year") or "").strip()
            if not re.fullmatch(r"\d{4}", year):
                raise DataLoadError(f"{path.name}: {acronym}'s submission has no year")
            key = f"{slugify(code)}--{body.rsplit('/', 1)[-1]}--{year}"
            seen[key] = seen.get(key, 0) + 1
            iri = instance_iri("submission", key if seen[key] == 1 else f"{key}-{seen[key]}")
            graph.add((iri, RDF.type, BKG.Submission))
            graph.add((iri, BKG.comparison, kc))
            graph.add((iri, BKG.participant, body))
            graph.add((iri, BKG.submissionYear, Literal(year, datatype=XSD.gYear)))
            graph.add((iri, SKOS.prefLabel, Literal(f"{acronym} in {code}, {year}", lang="en")))
            cite(graph, iri, SNAPSHOT, path.name)
        yield GeneratedFile(
            f"{slugify(code)}.ttl",
            graph,
            (
                f"Key comparison {code}: its reports and submissions (who took part, which year).",
                "Generated by `bipmkg import ccri-ii-kc` from TheBIPM/CCRI-II-KC at commit",
                f"{SNAPSHOT.commit}, {path.name}; do not edit.",
                *LICENCE_LINES,
                "",
            ),
            (path.name,),
        )


def _lab(
    element: ET.Element, path: Path, by_acronym: dict[str, URIRef], by_ror: dict[str, URIRef]
) -> URIRef:
    """The institute a kc:laboratory or kc:pilot names: by ROR, else by acronym (former too)."""
    acronym = (element.findtext(f"{KC}acronym") or "").strip()
    ror = (element.findtext(f"{KC}ror") or "").strip()
    body = by_ror.get(ror) or by_acronym.get(acronym)
    if body is None:
        raise DataLoadError(f"{path.name}: the laboratory {acronym!r} ({ror}) is not in {CSV_FILE}")
    return body


def generate(source: Path, context: ImportContext) -> Iterable[GeneratedFile]:
    if not (source / CSV_FILE).is_file():
        raise ImportRefused(f"{source}: not the CCRI-II-KC snapshot (no {CSV_FILE})")
    existing = existing_graph(context.data_dir)
    graph, by_acronym, by_ror = institutes(source, existing)
    yield GeneratedFile(
        "institutes.ttl",
        graph,
        (
            "Institutes of the BIPM's radionuclide key comparisons: names, acronyms, former",
            "acronyms, ROR identifiers, countries and RMO memberships. Generated by",
            "`bipmkg import ccri-ii-kc` from TheBIPM/CCRI-II-KC at commit",
            f"{SNAPSHOT.commit}, {CSV_FILE}; do not edit.",
            *LICENCE_LINES,
            "",
        ),
        (CSV_FILE,),
    )
    yield from comparisons(source, by_acronym, by_ror)
