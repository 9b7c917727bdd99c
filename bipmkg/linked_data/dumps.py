"""Export the whole graph: dumps in every RDF format, with checksums, and JSON-LD compaction.

Last step of the data flow: the built store → files people download (`/download/`, `bipmkg
export`). Turtle, N-Triples, RDF/XML and JSON-LD hold the union of the named graphs; TriG keeps
them apart. JSON-LD is compacted with the project's published context (ontology/context.jsonld),
passed as data so that nothing is ever fetched.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from bipmkg import config
from bipmkg.rdf.formats import Format, format_named
from bipmkg.rdf.namespaces import PREFIXES
from bipmkg.store.backends import open_store
from bipmkg.store.manifest import read_manifest
from bipmkg.store.union import built_quads

#: The formats of the downloads, in the order the download page lists them.
DUMP_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "trig")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Dump:
    format: Format
    path: Path
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def load_context(path: Path | None = None) -> dict[str, Any]:
    """The JSON-LD context; from the store folder when serving, so the server reads no sources."""
    chosen = path or config.ontology_dir() / "context.jsonld"
    loaded = json.loads(chosen.read_text(encoding="utf-8"))
    context = loaded["@context"]
    assert isinstance(context, dict)
    return context


def compact_jsonld(graph: Graph, context: dict[str, Any] | None = None) -> Any:
    """JSON-LD of a graph, compacted with the project's context (given as data, never fetched),
    in one order whatever the run: the same graph gives the same bytes (`json.dumps`)."""
    chosen = context if context is not None else load_context()
    text = graph.serialize(format="json-ld", context=chosen, auto_compact=True)
    return _in_order(json.loads(text))


def _in_order(value: Any) -> Any:
    """Keys and unordered arrays sorted; an `@list` keeps its order (an RDF collection's).

    rdflib writes nodes and values in the order of its in-memory indexes, which follows Python's
    string hashing and so changes from one process to the next.
    """
    if isinstance(value, dict):
        ordered: dict[str, Any] = {}
        for key in sorted(value):
            item = value[key]
            if key == "@list" and isinstance(item, list):
                ordered[key] = [_in_order(member) for member in item]
            else:
                ordered[key] = _in_order(item)
        return ordered
    if isinstance(value, list):
        items = [_in_order(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False))
    return value


def dataset_from_store(store: ox.Store) -> Dataset:
    """The store's named graphs as an rdflib Dataset (through N-Quads, which keeps every term)."""
    data = ox.serialize(built_quads(store), format=ox.RdfFormat.N_QUADS)
    dataset = Dataset()
    dataset.parse(data=data, format="nquads")
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset


def serialise(dataset: Dataset, fmt: Format, context: dict[str, Any] | None = None) -> bytes:
    """The whole graph in one format: named graphs kept for dataset formats, merged otherwise."""
    assert fmt.rdflib is not None
    if "dataset" in fmt.kinds:
        return dataset.serialize(format=fmt.rdflib, encoding="utf-8")
    union = Graph()
    for quad in dataset.quads((None, None, None, None)):
        union.add(quad[:3])
    bind_prefixes(union)
    if fmt.name == "jsonld":
        return json.dumps(compact_jsonld(union, context), ensure_ascii=False, indent=1).encode()
    return union.serialize(format=fmt.rdflib, encoding="utf-8")


def serialise_store(store: ox.Store, fmt: Format, context: dict[str, Any] | None = None) -> bytes:
    """`serialise` of the store, by Oxigraph's own writers where they do the job: 50 s of
    rdflib for the five downloads of the grown graph became a few seconds. JSON-LD, compacted
    with the project's context, still goes through rdflib."""
    if fmt.name == "jsonld" or fmt.oxigraph is None:
        return serialise(dataset_from_store(store), fmt, context)
    quads = built_quads(store)
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    if "dataset" in fmt.kinds:
        return ox.serialize(quads, format=fmt.oxigraph, prefixes=prefixes) or b""
    # One graph: the union, each triple once, in the store's (stable) order.
    triples = dict.fromkeys(q.triple for q in quads)
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""


def write_dump(
    store: ox.Store, fmt: Format, output: Path, context: dict[str, Any] | None = None
) -> Dump:
    """Write one dump file (beside, then renamed into place) and return its checksum."""
    data = serialise_store(store, fmt, context)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, output)
    return Dump(fmt, output, len(data), hashlib.sha256(data).hexdigest())


def dumps_dir(store_dir: Path) -> Path:
    """Where the dumps of a built store live; named by the build's fingerprint."""
    manifest = read_manifest(store_dir) or {}
    fingerprint = str(manifest.get("fingerprint", "unbuilt"))[:16]
    return store_dir.parent / f"{store_dir.name}-dumps" / fingerprint


def ensure_dumps(
    store_dir: Path | None = None, context: dict[str, Any] | None = None
) -> list[Dump]:
    """Every download of the current build, written once and then reused."""
    target_store = Path(store_dir or config.store_dir())
    folder = dumps_dir(target_store)
    sums = folder / "SHA256SUMS"
    with _LOCK:
        if not sums.is_file():
            store = open_store(target_store)
            lines = []
            folder.mkdir(parents=True, exist_ok=True)
            for name in DUMP_FORMATS:
                fmt = format_named(name)
                data = serialise_store(store, fmt, context)
                path = folder / f"bipmkg.{fmt.extension}"
                path.write_bytes(data)
                lines.append(f"{hashlib.sha256(data).hexdigest()}  {path.name}")
            sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dumps = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        dumps.append(Dump(format_named(path.suffix[1:]), path, path.stat().st_size, digest))
    return dumps
