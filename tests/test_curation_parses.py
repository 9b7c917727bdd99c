"""A curator's change parses each curated file once in the server process, not four times.

`apply_change` parses the files into its copy, keeps their prefixes for the write-back and hands
their triple counts to the rebuild; before, the write-back parsed each changed file again for its
prefixes and `build_store` parsed every file again to count its triples. (The update worker, a
confined process of its own, reads the files itself: it cannot be handed the parent's graphs.)
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from bipmkg import config
from bipmkg.build import build_store
from bipmkg.curation.update import apply_change
from bipmkg.store.manifest import read_manifest

ROOT = Path(__file__).resolve().parent.parent
BETA = URIRef("https://w3id.org/bipmkg/id/organisation/beta")
NOTES = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix body: <https://w3id.org/bipmkg/id/organisation/> .

body:beta rdfs:comment "Notes kept in a second curated file."@en .
"""


def test_each_file_is_parsed_once_and_the_counts_and_prefixes_are_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(ROOT / "tests" / "data" / "minimal.ttl", data / "minimal.ttl")
    (data / "notes.ttl").write_text(NOTES, encoding="utf-8")
    files = sorted(data.glob("*.ttl"))
    store = tmp_path / "store"
    build_store(store, files, backend="embedded")

    parsed: Counter[str] = Counter()
    original = Graph.parse

    def counting(self: Graph, source: Any = None, *args: Any, **kwargs: Any) -> Graph:
        if isinstance(source, (str, Path)) and str(source).endswith(".ttl"):
            parsed[Path(source).name] += 1
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(Graph, "parse", counting)

    def edit(copy: Dataset, by_graph: dict[str, Path]) -> None:
        (notes,) = (iri for iri, path in by_graph.items() if path.name == "notes.ttl")
        copy.graph(URIRef(notes)).add((BETA, RDFS.label, Literal("Beta, noted", lang="en")))

    result = apply_change(edit, data_dir=data, store_dir=store)
    monkeypatch.undo()

    assert result.changed_files == ("notes.ttl",) and result.added == 1
    ontology = config.ontology_file().name
    assert parsed == {"minimal.ttl": 1, "notes.ttl": 1, ontology: 1}, parsed
    # The written file keeps the prefixes it declared, and the manifest's counts are what a fresh
    # parse of each written file finds.
    written = (data / "notes.ttl").read_text(encoding="utf-8")
    assert "@prefix body: <https://w3id.org/bipmkg/id/organisation/>" in written
    assert "body:beta" in written
    assert '"Beta, noted"@en' in written
    manifest = read_manifest(store) or {}
    counts = {Path(g["path"]).name: g["triples"] for g in manifest["graphs"]}
    for path in files:
        assert counts[path.name] == len(Graph().parse(path, format="turtle")), path.name
