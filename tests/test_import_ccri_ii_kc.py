"""`bipmkg import ccri-ii-kc` on the real snapshot (../shared/reference/ccri-ii-kc).

Counts are read from the snapshot's own text here (regular expressions over the XML and the CSV),
independently of the importer; the generated files are checked to conform with the curated
graph, to be found by the site's search, and to come out byte-identical on re-runs under two hash
seeds.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import ORG, SKOS
from snapshots import snapshot_dir

from bipmkg.curation.importers.ccri_ii_kc import (
    CURATED,
    LANGUAGES,
    NOT_CURATED,
    PARENT_ACRONYMS,
    decode_latex,
    doi_of,
)
from bipmkg.linked_data.describe import Term, describe
from bipmkg.linked_data.search import SearchIndex
from bipmkg.linked_data.sections import read_sections
from bipmkg.query.selector import GraphSelector
from bipmkg.rdf.namespaces import BKG
from bipmkg.validation.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = snapshot_dir("ccri-ii-kc")
COMMITTED = ROOT / "graph_data" / "imported" / "ccri-ii-kc"
ID = "https://w3id.org/bipmkg/id/"

pytestmark = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason="snapshot not on this machine")


def _data_dir(base: Path) -> Path:
    """A data folder holding the curated files (the importer reconciles with them)."""
    data = base / "data"
    data.mkdir()
    for path in sorted((ROOT / "graph_data").glob("*.ttl")):
        shutil.copy(path, data / path.name)
    return data


def _import(data: Path, seed: str) -> Path:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "import", "ccri-ii-kc", str(SNAPSHOT),
         "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return data / "imported" / "ccri-ii-kc"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _import(_data_dir(tmp_path_factory.mktemp("ccri")), "1")


@pytest.fixture(scope="module")
def graph(imported: Path) -> Graph:
    graph = Graph()
    for path in sorted(imported.glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def union(graph: Graph) -> Graph:
    whole = Graph()
    for path in sorted((ROOT / "graph_data").glob("*.ttl")):
        whole.parse(path)
    return whole + graph


def _rows() -> list[dict[str, str]]:
    with (SNAPSHOT / "NMId.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter=";"))


def _xml() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SNAPSHOT.glob("*_FAIR.xml"))}


def _iri(kind: str, slug: str) -> URIRef:
    return URIRef(f"{ID}{kind}/{slug}")


def test_every_institute_comparison_and_submission_is_imported(graph: Graph) -> None:
    rows = _rows()
    assert len(rows) == 41
    bodies = set(graph.subjects(BKG.acronym, None)) | {
        _iri("organisation", slug) for slug in CURATED.values()
    }
    # One body per row: the curated ones reused, the others minted.
    assert len(bodies) == len(rows) == 41
    minted = set(graph.subjects(RDF.type, BKG.NationalMetrologyInstitute))
    assert len(minted) == len(rows) - len(CURATED) == 36
    files = _xml()
    codes = {
        m
        for text in files.values()
        for m in re.findall(r"<kc:generalInformation>\s*<kc:comparisonCode>([^<]+)<", text)
    }
    assert len(files) == len(codes) == 22
    assert len(set(graph.subjects(RDF.type, BKG.KeyComparison))) == 22
    submissions = sum(text.count("<kc:submission>") for text in files.values())
    assert submissions == 501
    assert len(set(graph.subjects(RDF.type, BKG.Submission))) == 501
    # "501 submissions from 40 institutes" (the README): 40 laboratories are named in the files,
    # 37 of them in submissions; ININ, SCK.CEN/LNK and TENMAK-NUKEN only in the degrees of
    # equivalence of a release (from a linked RMO comparison): not submissions to the K1.
    pattern = r"<kc:laboratory>\s*<kc:acronym>([^<]+)<"
    named = {m for text in files.values() for m in re.findall(pattern, text)}
    submitting = {
        m
        for text in files.values()
        for part in re.findall(r"<kc:submission>(.*?)</kc:submission>", text, re.S)
        for m in re.findall(r"^\s*" + pattern, part)
    }
    assert len(named) == 40 and len(submitting) == 37
    assert len(set(graph.objects(None, BKG.participant))) == 37


def test_the_releases_give_their_metrologia_reports(graph: Graph) -> None:
    links = [
        link.strip()
        for text in _xml().values()
        for release in re.findall(r"<kc:release>(.*?)</kc:release>", text, re.S)
        for link in re.findall(r"<kc:doi>([^<]*)</kc:doi>", release.split("<kc:kcrv>")[0])
    ]
    dois = {link.removeprefix("https://doi.org/") for link in links if "/10." in link}
    # 11 releases have no DOI yet (10 empty, one "https://doi.org/?"); no two share one.
    assert len(links) == 79 and len(dois) == 68
    assert {str(d) for d in graph.objects(None, BKG.doi)} == dois
    co60 = _iri("comparison", "bipm-ri-ii-k1-co-60")
    report = _iri("publication", "10-1088-0026-1394-40-1a-06007")
    assert (co60, BKG.reportedIn, report) in graph
    assert str(graph.value(report, URIRef("https://schema.org/datePublished"))) == "2003"
    assert {(str(v), v.language) for v in graph.objects(co60, SKOS.prefLabel)} == {
        ("BIPM.RI(II)-K1.Co-60", "en"),
        ("BIPM.RI(II)-K1.Co-60", "fr"),
    }
    assert graph.value(co60, BKG.pilot) == _iri("organisation", "bipm")
    assert doi_of("https://doi.org/?") is None and doi_of("") is None
    assert doi_of("https://doi.org/10.1088/0026-1394/52/1A/06022 ") == (
        "10.1088/0026-1394/52/1A/06022"
    )


def test_a_submission_is_one_body_in_one_comparison_in_one_year(graph: Graph) -> None:
    nist = _iri("submission", "bipm-ri-ii-k1-co-60--aecl--1980")
    assert graph.value(nist, BKG.participant) == _iri("organisation", "aecl")
    assert graph.value(nist, BKG.comparison) == _iri("comparison", "bipm-ri-ii-k1-co-60")
    assert str(graph.value(nist, BKG.submissionYear)) == "1980"
    # The JRC's row is its Geel institute, the curated IRMM.
    assert set(graph.subjects(BKG.participant, _iri("organisation", "irmm")))
    assert not set(graph.subjects(BKG.participant, _iri("organisation", "jrc")))


def test_every_participant_is_a_labelled_body(graph: Graph, union: Graph) -> None:
    bodies = {
        s
        for cls in (
            BKG.NationalMetrologyInstitute, BKG.IntergovernmentalOrganisation, BKG.UNAgency,
            BKG.ResearchInstitute,
        )
        for s in union.subjects(RDF.type, cls)
    }  # fmt: skip
    for participant in set(graph.objects(None, BKG.participant)):
        assert participant in bodies, participant
        assert list(union.objects(participant, SKOS.prefLabel)), participant


def _alt_labels(graph: Graph, body: URIRef) -> set[str]:
    return {str(n) for n in graph.objects(body, SKOS.altLabel)}


def test_reconciliation_table(union: Graph) -> None:
    for acronym, slug in CURATED.items():
        body = _iri("organisation", slug)
        assert (body, RDF.type, None) in union, body
        names = {str(n) for n in union.objects(body, BKG.acronym)}
        if acronym in PARENT_ACRONYMS:
            # The table's "JRC" for the Geel institute is the JRC's own acronym: an alias.
            assert acronym not in names and acronym in _alt_labels(union, body)
            assert "JRC" in {
                str(n) for n in union.objects(_iri("organisation", "jrc"), BKG.acronym)
            }
        else:
            assert acronym in names, (acronym, names)
    assert (
        _iri("organisation", "nist"),
        SKOS.exactMatch,
        URIRef("https://ror.org/05xpvk416"),
    ) in union
    # The near-misses stay bodies of their own.
    for acronym, why in NOT_CURATED.items():
        body = _iri("organisation", acronym.lower())
        assert (body, RDF.type, BKG.NationalMetrologyInstitute) in union, why
    assert str(union.value(_iri("organisation", "tenmak-nuken"), BKG.country)).endswith("/turkey")
    # Curated names win: the snapshot's differing JRC name is an alias.
    irmm = _iri("organisation", "irmm")
    assert Literal("Institute for Reference Materials and Measurements", lang="en") in set(
        union.objects(irmm, SKOS.prefLabel)
    )
    assert Literal("EC-JRC Institute for Reference Materials and Measurements", lang="en") in set(
        union.objects(irmm, SKOS.altLabel)
    )


def test_names_languages_and_accents(graph: Graph) -> None:
    assert decode_latex(r"Amt f\"{u}r Standardisierung, Me\ss{}wesen") == (
        "Amt für Standardisierung, Meßwesen"
    )
    assert decode_latex(r"Ho\`{a}ng Qu\^oc Vi\^{e}t") == "Hoàng Quôc Viêt"
    labels = {
        (str(v), v.language) for v in graph.objects(_iri("organisation", "asmw"), SKOS.prefLabel)
    }
    assert labels == {("Amt für Standardisierung, Meßwesen und Warenprüfung", "de")}
    assert LANGUAGES["BEV"] == "de"
    ptb = _iri("organisation", "ptb")
    assert [v.language for v in graph.objects(ptb, SKOS.prefLabel)] == ["de"]
    nrc = _iri("organisation", "nrc")
    assert [v.language for v in graph.objects(nrc, SKOS.prefLabel)] == ["en"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(COMMITTED.glob("*.ttl")))
    assert "\\" not in text.replace('\\"', "")  # no LaTeX left


def test_the_slips_are_not_imported(graph: Graph) -> None:
    malaysia = _iri("organisation", "nuclear-malaysia")
    assert (malaysia, RDF.type, BKG.NationalMetrologyInstitute) in graph
    assert not list(graph.subjects(ORG.member, malaysia))  # its "SIM" is a slip
    assert (_iri("membership", "sim--nist"), ORG.organization, _iri("organisation", "sim")) in graph
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(COMMITTED.glob("*.ttl")))
    assert "H-1124" not in text  # no address, so not CIEMAT's wrong one
    ciemat = _iri("organisation", "ciemat")
    assert str(graph.value(ciemat, BKG.country)).endswith("/spain")


def test_former_acronyms_are_found_by_the_search(union: Graph) -> None:
    index = SearchIndex.build(GraphSelector(union))
    for former, body in (
        ("NBS", "nist"),
        ("LMRI", "lne-lnhb"),
        ("CBNM", "irmm"),
        ("TAEK", "tenmak-nuken"),
    ):
        hits = index.search(former)
        assert hits and hits[0].iri == f"{ID}organisation/{body}", (former, hits[:3])
    # A body named only in its own language is shown by that name.
    hit = index.search("PTB")[0]
    assert hit.iri == f"{ID}organisation/ptb"
    assert hit.label_en == "Physikalisch-Technische Bundesanstalt"


def test_reruns_give_the_same_bytes_and_the_committed_files_are_current(
    imported: Path, tmp_path: Path
) -> None:
    again = _import(_data_dir(tmp_path), "2")
    names = sorted(p.name for p in imported.glob("*.ttl"))
    assert names == sorted(p.name for p in again.glob("*.ttl"))
    assert names == sorted(p.name for p in COMMITTED.glob("*.ttl"))
    assert len(names) == 23
    for name in names:
        fresh = (again / name).read_bytes()
        assert fresh == (imported / name).read_bytes(), name
        assert (COMMITTED / name).read_bytes() == fresh, f"re-run the import: {name}"
        assert "© 2023 Bureau International des Poids et Mesures; MIT licence" in fresh.decode()


def test_the_generated_files_conform_with_the_curated_graph(imported: Path) -> None:
    curated = sorted((ROOT / "graph_data").glob("*.ttl"))
    # The other imports too: curated files cite their snapshot files (a working group's name).
    others = [
        p for p in sorted((ROOT / "graph_data" / "imported").glob("*/*.ttl"))
        if p.parent.name != "ccri-ii-kc"
    ]  # fmt: skip
    report = validate([*curated, *others, *sorted(imported.glob("*.ttl"))], include_warnings=False)
    assert report.conforms, report.as_text()


def test_a_folder_that_is_not_the_snapshot_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "import", "ccri-ii-kc", str(tmp_path),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not the CCRI-II-KC snapshot (no NMId.csv)" in done.stderr
    assert not (tmp_path / "data").exists()


def test_pages_fall_back_from_english_to_french_to_the_body_s_own_language(union: Graph) -> None:
    selector = GraphSelector(union)
    ptb = describe(selector, f"{ID}organisation/ptb")
    assert ptb.label.label("en") == ("Physikalisch-Technische Bundesanstalt", "de")
    assert ptb.label.label("fr") == ("Physikalisch-Technische Bundesanstalt", "de")
    bipm = describe(selector, f"{ID}organisation/bipm")
    # The curated French name, as the BIPM writes it; the snapshot's capitals are an alias.
    assert bipm.label.label("fr") == ("Bureau international des poids et mesures", "")
    # A linked body shows its own-language name too, not its IRI's last segment.
    submission = describe(selector, f"{ID}submission/bipm-ri-ii-k1-co-60--ptb--1977")
    participant = next(f.value for f in submission.facts if f.predicate == str(BKG.participant))
    assert participant.label("en") == ("Physikalisch-Technische Bundesanstalt", "de")
    french_only = Term(f"{ID}organisation/x", True, "", "Nom", "Name")
    assert french_only.label("en") == ("Nom", "fr")
    # A native name comes before English on a French page, and says its language.
    cmi = describe(selector, f"{ID}organisation/cmi")
    assert cmi.label.label("fr") == ("Český metrologický institut", "cs")
    assert cmi.label.label("en") == ("Czech Metrological Institute", "")


def test_a_members_section_names_a_member_in_its_own_language() -> None:
    mini = Graph()
    committee, member = _iri("committee", "k"), _iri("organisation", "m")
    membership = _iri("membership", "k--m")
    mini.add((membership, ORG.organization, committee))
    mini.add((membership, ORG.member, member))
    mini.add((membership, ORG.role, BKG.MemberRole))
    mini.add((member, SKOS.prefLabel, Literal("Bundesamt", lang="de")))
    (section,) = read_sections(GraphSelector(mini), "committee", str(committee))
    cell = section.rows[0][0]
    assert cell is not None and cell.label("en") == ("Bundesamt", "de")
