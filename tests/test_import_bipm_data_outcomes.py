"""`bipmkg import bipm-data-outcomes` on the real snapshot (../shared/reference/bipm-data-outcomes).

Counts and spot checks are read from the snapshot's YAML here, independently of the importer. The
import runs in a copy of graph_data/ (curated files and the SI Reference Point's import, which it
reconciles with), and must come out byte-identical to the committed files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib import DCTERMS, RDF, Graph, Literal, URIRef
from rdflib.namespace import ORG, SKOS
from snapshots import snapshot_dir

from bipmkg.curation.importers.run import run_import
from bipmkg.rdf.namespaces import BKG, SCHEMA
from bipmkg.validation.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = snapshot_dir("bipm-data-outcomes")
COMMITTED = ROOT / "graph_data" / "imported" / "bipm-data-outcomes"
ID = "https://w3id.org/bipmkg/id/"

pytestmark = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason="snapshot not on this machine")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bdo") / "graph_data"
    shutil.copytree(
        ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md", "bipm-data-outcomes")
    )
    run_import("bipm-data-outcomes", SNAPSHOT, data_dir=data)
    return data


@pytest.fixture(scope="module")
def graph(data: Path) -> Graph:
    graph = Graph()
    for path in sorted((data / "imported" / "bipm-data-outcomes").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def meetings() -> list[dict]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(SNAPSHOT.glob("**/meetings-en/*.yml"))
    ]


def _id(kind: str, slug: str) -> URIRef:
    return URIRef(f"{ID}{kind}/{slug}")


def test_every_meeting_and_outcome_of_the_snapshot_has_one_iri(
    graph: Graph, meetings: list[dict]
) -> None:
    cited = {s for s in graph.subjects(DCTERMS.source, None)}
    events = {
        s
        for s in cited
        if str(s).startswith(f"{ID}event/") and graph.value(s, SCHEMA.endDate) is not None
    }
    assert len(events) == len(meetings) == 994
    listed = [
        (m["metadata"]["url"], r["type"], str(r["identifier"]))
        for m in meetings
        for r in m.get("resolutions") or []
    ]
    # 14 outcomes are listed twice at their meeting (CIPM 94, JCRB 42): one IRI each.
    assert (len(listed), len(set(listed))) == (1364, 1350)
    assert len(set(graph.subjects(BKG.adoptedAt, None))) == len(set(listed))
    twice = _id("outcome", "jcrb-42-resolution-42-1")
    assert sorted(str(d) for d in graph.objects(twice, DCTERMS.dateAccepted)) == [
        "2020-03-13",
        "2020-09-10",
    ]
    discrepancy = _id("discrepancy", "jcrb-42-resolution-42-1-date-accepted")
    assert graph.value(discrepancy, BKG.concerns) == twice


def test_a_jcrb_meeting_and_its_actions(graph: Graph) -> None:
    meeting = _id("event", "jcrb-40")
    assert graph.value(meeting, BKG.meetingOf) == _id("committee", "jcrb")
    assert [str(d) for d in graph.objects(meeting, SCHEMA.endDate)] == ["2019-03-14"]
    assert (
        meeting,
        SCHEMA.url,
        URIRef("https://www.bipm.org/en/committees/jc/jcrb/40-2019"),
    ) in graph
    assert {(str(v), v.language) for v in graph.objects(meeting, SKOS.prefLabel)} == {
        ("40th meeting of the JCRB", "en"),
        ("40e réunion du JCRB", "fr"),
    }
    action = _id("outcome", "jcrb-40-action-40-1")
    assert (action, RDF.type, BKG.ActionItem) in graph
    assert graph.value(action, BKG.adoptedAt) == meeting
    assert graph.value(action, BKG.adoptedBy) == _id("committee", "jcrb")
    assert str(graph.value(action, DCTERMS.dateAccepted)) == "2019-03-14"
    assert Literal("QMS", lang="en") in set(graph.objects(action, DCTERMS.subject))
    assert (action, SKOS.prefLabel, Literal("Action JCRB/40-1 (2019)", lang="en")) in graph


def test_facts_only_no_text_and_no_place_the_data_does_not_really_give(
    graph: Graph, meetings: list[dict]
) -> None:
    # The README: the texts are not republished.
    assert not list(graph.triples((None, SCHEMA.text, None)))
    described = set(graph.subjects(DCTERMS.description, None))
    assert described and all((d, RDF.type, BKG.Discrepancy) in graph for d in described)
    # Every meeting gives the same "source", online meetings included: no place is asserted.
    # (A newer snapshot with real places fails here: then read them.)
    assert Counter(m["metadata"]["source"] for m in meetings) == {
        "BIPM - Pavillon de Breteuil": 994
    }
    assert not list(graph.triples((None, SCHEMA.location, None)))
    for event in graph.subjects(SCHEMA.endDate, None):
        assert (event, BKG.locationStatus, BKG.LocationUnknown) in graph


def test_working_groups_and_workshop_series(graph: Graph) -> None:
    section = _id("committee", "ccri-ii")
    assert (section, RDF.type, BKG.WorkingGroup) in graph
    assert (section, ORG.subOrganizationOf, _id("committee", "ccri")) in graph
    assert (section, BKG.acronym, Literal("CCRI(II)", lang="en")) in graph
    joint = _id("committee", "ccl-cctf-wgfs")
    assert set(graph.objects(joint, ORG.subOrganizationOf)) == {
        _id("committee", "cctf"),
        _id("committee", "ccl"),
    }
    meeting = _id("event", "ccauv-kcwg-2019-09-24")
    assert graph.value(meeting, BKG.meetingOf) == _id("committee", "ccauv-kcwg")
    assert (
        meeting,
        SKOS.prefLabel,
        Literal("CCAUV-KCWG meeting of 2019-09-24", lang="en"),
    ) in graph
    # A workshop folder is a series of events, not a body.
    assert (_id("committee", "ccauv-ws-2019"), None, None) not in graph
    workshops = list(graph.subjects(SCHEMA.organizer, _id("committee", "ccpr-wg-cmc")))
    assert workshops and all((w, RDF.type, BKG.Workshop) in graph for w in workshops)
    workshop = _id("event", "ccauv-ws-2019-2019-09-25")
    assert (workshop, RDF.type, BKG.Workshop) in graph
    assert graph.value(workshop, SCHEMA.organizer) == _id("committee", "ccauv")


def test_one_outcome_from_both_sources_is_one_iri_and_both_types_are_kept(
    data: Path, graph: Graph
) -> None:
    earlier = Graph()
    for path in sorted((data / "imported" / "si-reference-point").glob("*.ttl")):
        earlier.parse(path)
    cgpm = _id("organisation", "cgpm")
    assert set(graph.subjects(BKG.adoptedBy, cgpm)) == set(earlier.subjects(BKG.adoptedBy, cgpm))
    litre = _id("outcome", "cgpm-3-declaration-1")
    assert (litre, RDF.type, BKG.PositionStatement) in graph  # "statement" here
    assert (litre, RDF.type, BKG.Declaration) in earlier  # "declaration" there
    discrepancy = _id("discrepancy", "cgpm-3-declaration-1-type")
    assert graph.value(discrepancy, BKG.concerns) == litre
    values = {
        graph.value(s, RDF.object) for s in graph.objects(discrepancy, BKG.conflictingStatement)
    }
    assert values == {BKG.PositionStatement, BKG.Declaration}
    # The SI Reference Point's preferred label wins; this source's differing title is kept.
    sanction = _id("outcome", "cgpm-1-resolution-1")
    english = [v for v in graph.objects(sanction, SKOS.prefLabel) if v.language == "en"]
    theirs = [v for v in earlier.objects(sanction, SKOS.prefLabel) if v.language == "en"]
    assert not english or english == theirs


def test_a_rerun_gives_the_same_bytes_and_the_committed_files_are_current(
    data: Path, tmp_path: Path
) -> None:
    again = tmp_path / "graph_data"
    shutil.copytree(data, again, ignore=shutil.ignore_patterns("bipm-data-outcomes"))
    run_import("bipm-data-outcomes", SNAPSHOT, data_dir=again)
    generated = sorted((data / "imported" / "bipm-data-outcomes").glob("*.ttl"))
    assert [p.name for p in generated] == sorted(p.name for p in COMMITTED.glob("*.ttl"))
    for path in generated:
        fresh = (again / "imported" / "bipm-data-outcomes" / path.name).read_bytes()
        assert fresh == path.read_bytes()
        assert (COMMITTED / path.name).read_bytes() == fresh, f"re-run the import: {path.name}"


def test_the_whole_graph_conforms(data: Path) -> None:
    files = sorted(data.glob("*.ttl")) + sorted((data / "imported").glob("*/*.ttl"))
    report = validate(files, include_warnings=False)
    assert report.conforms, report.as_text()[:5000]


def test_a_folder_that_is_not_the_snapshot_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cgpm" / "meetings-en").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "import", "bipm-data-outcomes", str(tmp_path),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not the bipm-data-outcomes snapshot (no meetings-en folder in cipm, jcrb" in done.stderr
    assert not (tmp_path / "data").exists()
