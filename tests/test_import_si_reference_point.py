"""`bipmkg import si-reference-point` on the real snapshot (../shared/reference/si-reference-point).

Counts, spot checks and quirks are read from the snapshot's own text here, independently of the
importer; the generated files are checked to parse, conform with the curated graph and come out
byte-identical on a re-run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS
from snapshots import snapshot_dir

from bipmkg.curation.importers.run import run_import
from bipmkg.curation.importers.si_reference_point import looks_french, parse_label, plain
from bipmkg.errors import DataLoadError
from bipmkg.rdf.namespaces import BKG, SCHEMA
from bipmkg.validation.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = snapshot_dir("si-reference-point")
COMMITTED = ROOT / "graph_data" / "imported" / "si-reference-point"
ID = "https://w3id.org/bipmkg/id/"

pytestmark = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason="snapshot not on this machine")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("sirp") / "data"
    run_import("si-reference-point", SNAPSHOT, data_dir=data)
    return data / "imported" / "si-reference-point"


@pytest.fixture(scope="module")
def graph(imported: Path) -> Graph:
    graph = Graph()
    for path in sorted(imported.glob("*.ttl")):
        graph.parse(path)
    return graph


def _count(pattern: str, name: str) -> int:
    return len(set(re.findall(pattern, (SNAPSHOT / name).read_text(encoding="utf-8"))))


def test_every_meeting_and_outcome_of_the_snapshot_is_imported(graph: Graph) -> None:
    total = 0
    for name, code in (("cgpm.ttl", "cgpm"), ("cipm.ttl", "cipm"), ("cctf.ttl", "cctf")):
        events = _count(r"(?m)^\S+ a rb:Event", name)
        outcomes = _count(r"(?m)^\S+ a rb:(?:Resolution|Decision|Recommendation|Declaration)", name)
        body = URIRef(f"{ID}{'organisation' if code != 'cctf' else 'committee'}/{code}")
        assert len(set(graph.subjects(BKG.meetingOf, body))) == events, name
        assert len(set(graph.subjects(BKG.adoptedBy, body))) == outcomes, name
        total += outcomes
    assert len(set(graph.subjects(BKG.adoptedAt, None))) == total  # no two share an IRI


def test_resolution_4_of_the_9th_cgpm(graph: Graph) -> None:
    res = URIRef(f"{ID}outcome/cgpm-9-resolution-4")
    assert graph.value(res, BKG.adoptedAt) == URIRef(f"{ID}event/cgpm-9")
    assert {str(d) for d in graph.objects(res, BKG.doi)} == {
        "10.59161/cgpm1948res4e",
        "10.59161/cgpm1948res4f",
    }
    bipm = URIRef("https://si-digital-framework.org/bodies/CGPM#CGPM9-Res4")
    assert (res, SKOS.exactMatch, bipm) in graph
    # Its only "English" title is French: taken as French, the English label built from facts.
    labels = {(str(v), v.language) for v in graph.objects(res, SKOS.prefLabel)}
    assert labels == {
        ("Resolution 4 of the 9th meeting of the CGPM", "en"),
        ("(Concernant un accord avec l'Unesco)", "fr"),
    }
    texts = [t for t in graph.objects(res, SCHEMA.text) if isinstance(t, Literal)]
    assert texts and all(t.language == "fr" for t in texts)


def test_a_meeting_keeps_the_one_date_given_as_its_last_day(graph: Graph) -> None:
    meeting = URIRef(f"{ID}event/cgpm-26")
    assert [str(d) for d in graph.objects(meeting, SCHEMA.endDate)] == ["2018-11-16"]
    assert list(graph.objects(meeting, SCHEMA.startDate)) == []
    session = URIRef(f"{ID}event/cipm-101-1")
    assert graph.value(session, BKG.meetingOf) == URIRef(f"{ID}organisation/cipm")


def test_labels_markup_and_language() -> None:
    assert parse_label("CIPM101-1-Dec101-16") == ("cipm", "101-1", "decision", "101-16")
    assert parse_label("CGPM3-Decl") == ("cgpm", "3", "declaration", "")
    with pytest.raises(DataLoadError, match="cannot read the label"):
        parse_label("CGPM9-Motion2")
    assert plain("*considering* stem:[ +- 0,01] <i>g</i><sub>n</sub>") == "considering +- 0,01 gn"
    assert looks_french("Concernant un accord avec l'Unesco")
    assert not looks_french("On the revision of the SI")


def test_a_rerun_gives_the_same_bytes_and_the_committed_files_are_current(
    imported: Path, tmp_path: Path
) -> None:
    again = tmp_path / "data"
    run_import("si-reference-point", SNAPSHOT, data_dir=again)
    for path in sorted(imported.glob("*.ttl")):
        fresh = (again / "imported" / "si-reference-point" / path.name).read_bytes()
        assert fresh == path.read_bytes()
        assert (COMMITTED / path.name).read_bytes() == fresh, f"re-run the import: {path.name}"


def test_the_generated_files_conform_with_the_curated_graph(imported: Path) -> None:
    curated = sorted((ROOT / "graph_data").glob("*.ttl"))
    # The other imports too: curated files name their bodies (the RMO members' PTB, minted by
    # ccri-ii-kc) and cite their snapshot files.
    others = [
        p for p in sorted((ROOT / "graph_data" / "imported").glob("*/*.ttl"))
        if p.parent.name != "si-reference-point"
    ]  # fmt: skip
    report = validate([*curated, *others, *sorted(imported.glob("*.ttl"))], include_warnings=False)
    assert report.conforms, report.as_text()


def test_a_folder_that_is_not_the_snapshot_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cgpm.ttl").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "import", "si-reference-point", str(tmp_path),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not the SI Reference Point snapshot (no cipm.ttl, cctf.ttl)" in done.stderr
    assert not (tmp_path / "data").exists()
