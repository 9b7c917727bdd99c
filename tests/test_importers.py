"""The importers' frame: `bipmkg import`, its generated files and what curators may do to them.

A stand-in importer (tests/fake_importer.py) drives the real `run_import`; the real importers
have their own tests (tests/test_import_*.py). Updates and uploads run for real on a copy of
tests/data/minimal.ttl with one generated file beside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from bipmkg.curation import importers
from bipmkg.curation.importers.run import run_import
from bipmkg.curation.update import UpdateLimits, apply_update
from bipmkg.curation.upload import apply_upload
from bipmkg.errors import DataLoadError, ImportRefused, QueryError, UploadRefused
from bipmkg.rdf.files import graph_iri
from bipmkg.store.manifest import read_manifest

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/bipmkg/id/"
GRAPH = "https://w3id.org/bipmkg/graph/"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setitem(importers.IMPORTERS, "fake", "fake_importer")
    source = tmp_path / "snapshot"
    source.mkdir()
    (source / "bodies.txt").write_text("alpha-wg;Alpha working group\nbeta-wg;Beta WG\n")
    return source


def test_an_import_writes_one_cited_file_per_theme_and_a_rerun_the_same_bytes(
    fake: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = run_import("fake", fake, data_dir=data)
    assert first.written == ("alpha-wg.ttl", "beta-wg.ttl") and first.removed == ()
    folder = data / "imported" / "fake"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    text = (folder / "alpha-wg.ttl").read_text()
    assert text.startswith("# A fake body.\n#\n\n@prefix bkg:")
    graph = Graph().parse(data=text, format="turtle")
    body = URIRef(f"{ID}committee/alpha-wg")
    file_source = URIRef(f"{ID}source/snapshot-fake--bodies-txt")
    assert (body, URIRef("http://purl.org/dc/terms/source"), file_source) in graph
    assert (body, URIRef("https://schema.org/url"), URIRef("https://example.org/alpha-wg")) in graph
    commit = URIRef("https://w3id.org/bipmkg/ontology#commit")
    assert str(graph.value(URIRef(f"{ID}source/snapshot-fake"), commit)) == (
        "0123456789abcdef0123456789abcdef01234567"
    )
    again = run_import("fake", fake, data_dir=data)
    assert again.written == () and again.unchanged == ("alpha-wg.ttl", "beta-wg.ttl")
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before  # same bytes, files not even rewritten


def test_a_file_the_snapshot_no_longer_gives_is_removed(fake: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_import("fake", fake, data_dir=data)
    (fake / "bodies.txt").write_text("alpha-wg;Alpha working group\n")
    result = run_import("fake", fake, data_dir=data)
    assert result.removed == ("beta-wg.ttl",)
    assert sorted(p.name for p in (data / "imported" / "fake").iterdir()) == ["alpha-wg.ttl"]


def test_blank_nodes_are_refused_and_nothing_is_written(fake: Path, tmp_path: Path) -> None:
    (fake / "bodies.txt").write_text("blank;x\n")
    with pytest.raises(DataLoadError, match="blank nodes"):
        run_import("fake", fake, data_dir=tmp_path / "data")
    assert not (tmp_path / "data" / "imported" / "fake" / "blank.ttl").exists()


def test_unknown_sources_and_missing_folders_are_refused(fake: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="unknown source 'nope'"):
        run_import("nope", fake, data_dir=tmp_path)
    with pytest.raises(ImportRefused, match="not a folder"):
        run_import("fake", tmp_path / "missing", data_dir=tmp_path)


def test_the_command_says_what_is_wrong_and_exits_2(tmp_path: Path) -> None:
    for argv, said in (
        (["import", "nope", str(tmp_path)], "invalid choice: 'nope'"),
        (["import", "si-reference-point", str(tmp_path / "missing")], "not a folder"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bipmkg", *argv], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2, done.stderr
        assert said in done.stderr
    assert not (tmp_path / "imported").exists()


def test_generated_graphs_are_named_by_source_and_stem() -> None:
    path = Path("graph_data/imported/ccri-ii-kc/institutes.ttl")
    assert graph_iri(path) == URIRef(f"{GRAPH}imported/ccri-ii-kc/institutes")
    assert graph_iri(Path("graph_data/events.ttl")) == URIRef(f"{GRAPH}events")


@pytest.fixture
def curated(fake: Path, tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(ROOT / "tests" / "data" / "minimal.ttl", data / "minimal.ttl")
    run_import("fake", fake, data_dir=data)
    store = tmp_path / "store"
    from bipmkg.build import build_store

    build_store(store, [*sorted(data.glob("*.ttl")), *sorted(data.glob("imported/*/*.ttl"))])
    return data, store


def _graphs(store: Path) -> set[str]:
    manifest = read_manifest(store)
    assert manifest is not None
    return {str(g["iri"]) for g in manifest["graphs"]}


def test_an_update_keeps_the_generated_graphs_and_cannot_write_to_them(
    curated: tuple[Path, Path],
) -> None:
    data, store = curated
    generated = data / "imported" / "fake" / "alpha-wg.ttl"
    before = generated.read_bytes()
    limits = UpdateLimits(sandbox=False)
    with pytest.raises(QueryError, match="not curated files"):
        apply_update(
            f"INSERT DATA {{ GRAPH <{GRAPH}imported/fake/alpha-wg> {{ "
            f"<{ID}committee/alpha-wg> <http://www.w3.org/2000/01/rdf-schema#comment> 'x' }} }}",
            data_dir=data,
            store_dir=store,
            limits=limits,
        )
    apply_update(
        f"INSERT DATA {{ GRAPH <{GRAPH}minimal> {{ <{ID}organisation/alpha> "
        "<http://www.w3.org/2000/01/rdf-schema#comment> 'kept'@en } }",
        data_dir=data,
        store_dir=store,
        limits=limits,
    )
    assert generated.read_bytes() == before
    assert f"{GRAPH}imported/fake/alpha-wg" in _graphs(store)  # the rebuild loaded it again


def test_an_upload_to_a_generated_graph_is_refused_with_the_reason(
    curated: tuple[Path, Path],
) -> None:
    data, store = curated
    with pytest.raises(UploadRefused, match="generated by `bipmkg import fake`"):
        apply_upload(
            b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .",
            "application/n-triples",
            graph=f"{GRAPH}imported/fake/beta-wg",
            replace=False,
            data_dir=data,
            store_dir=store,
        )


def test_a_curated_label_wins_and_the_imported_one_becomes_an_alias(
    fake: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "extra.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f'<{ID}committee/alpha-wg> skos:prefLabel "Alpha WG (curated)"@en .\n'
    )
    run_import("fake", fake, data_dir=data)
    graph = Graph().parse(data / "imported" / "fake" / "alpha-wg.ttl")
    alpha = URIRef(f"{ID}committee/alpha-wg")
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert list(graph.objects(alpha, URIRef(skos + "prefLabel"))) == []
    assert [str(o) for o in graph.objects(alpha, URIRef(skos + "altLabel"))] == [
        "Alpha working group"
    ]
    beta = Graph().parse(data / "imported" / "fake" / "beta-wg.ttl")
    beta_wg = URIRef(f"{ID}committee/beta-wg")
    assert [str(o) for o in beta.objects(beta_wg, URIRef(skos + "prefLabel"))] == ["Beta WG"]


def test_every_registered_importer_exists_and_follows_the_contract() -> None:
    from bipmkg.curation.importers.run import load_importer

    for name in importers.IMPORTERS:
        module = load_importer(name)
        assert module.SNAPSHOT.name == name
        assert callable(module.generate)
        assert len(module.SNAPSHOT.commit) == 40, f"{name}: pin the snapshot's commit"
