"""Curators' uploads of RDF (Turtle, N-Triples, RDF/XML, JSON-LD) into one curated file's graph.

Sits in front of `bipmkg.curation.update`: an upload is parsed here into a graph, then applied to a
copy
of the curated files, validated and written back exactly like a SPARQL Update. Nothing in an
upload may make the server open a connection or a file:

- RDF/XML with a DOCTYPE or ENTITY declaration is refused before any XML parser sees it (entity
  bombs, external entities); the body must be UTF-8 and free of the control characters XML
  forbids, so no other encoding can hide a declaration from the scan;
- JSON-LD may name no context by IRI but the project's own (`CONTEXT_IRI`), which is replaced
  by the local copy; every other string context (remote, `file:`, relative) and every
  `@import`, at any depth, is refused before rdflib sees the document;
- `owl:imports` is data like any other triple: nothing here, in rdflib or in pyshacl (run
  without `do_owl_imports`) follows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from bipmkg import config
from bipmkg.curation.update import UpdateResult, apply_change
from bipmkg.errors import DataLoadError, UploadRefused
from bipmkg.linked_data.dumps import load_context
from bipmkg.rdf.files import CONTROL_CHARACTERS, check_literals, graph_iri
from bipmkg.rdf.formats import Format, formats_for

#: The IRI under which the project publishes its JSON-LD context (ontology/context.jsonld).
CONTEXT_IRI = "https://w3id.org/bipmkg/context.jsonld"


#: Markup declarations: only a DTD can hold them, and a DTD is what entity attacks need.
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


_XML_ENCODING = re.compile(r"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")


_XML_ALLOWED = CONTROL_CHARACTERS - {"\x7f"}  # XML 1.0 forbids C0 controls, allows U+007F


def upload_formats() -> dict[str, Format]:
    """Media type (and aliases) → the graph format an upload may be sent in."""
    return {
        media_type: fmt
        for fmt in formats_for("graph")
        for media_type in (fmt.media_type, *fmt.aliases)
    }


def parse_upload(
    body: bytes,
    media_type: str,
    *,
    base: str,
    context: Mapping[str, Any] | None = None,
) -> Graph:
    """Parse an uploaded graph without fetching anything; raise UploadRefused otherwise.

    `base` resolves relative IRIs; `context` is the project's JSON-LD context (default: the
    local ontology/context.jsonld), put in place of `CONTEXT_IRI`.
    """
    fmt = upload_formats().get(media_type)
    if fmt is None or fmt.rdflib is None:
        known = ", ".join(sorted(upload_formats()))
        raise UploadRefused(f"cannot read {media_type or 'no content type'}; send one of {known}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(f"the upload is not valid UTF-8: {exc}") from exc
    text = text.removeprefix("\ufeff")
    if fmt.name == "rdfxml":
        check_xml(text)
    if fmt.name == "jsonld":
        text = _local_contexts(text, context)
    parsed = Dataset()
    try:
        parsed.parse(data=text, format=fmt.rdflib, publicID=base)
    except Exception as exc:  # every rdflib parser raises its own types
        raise UploadRefused(f"not valid {fmt.name}: {exc}") from exc
    named = sorted(
        str(g.identifier)
        for g in parsed.graphs()
        if len(g) > 0 and g.identifier != DATASET_DEFAULT_GRAPH_ID
    )
    if named:
        raise UploadRefused(
            f"the upload holds named graphs ({', '.join(named[:3])}); send the triples of one "
            "graph and name the curated file with ?graph="
        )
    graph = Graph()
    for triple in parsed.default_graph:
        graph.add(triple)
    try:
        check_literals(graph, "the upload")
    except DataLoadError as exc:
        raise UploadRefused(str(exc)) from exc
    return graph


def check_xml(text: str) -> None:
    """Refuse RDF/XML that an XML parser could expand or resolve: before any parser runs."""
    declared = _XML_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
    }:
        raise UploadRefused(
            f"RDF/XML uploads must be UTF-8, not {declared.group(1)!r} as the XML declaration says"
        )
    forbidden = _XML_ALLOWED.intersection(text)
    if forbidden:
        code = ord(min(forbidden))
        raise UploadRefused(
            f"the RDF/XML holds control character U+{code:04X}, which XML forbids "
            "(is it UTF-16? uploads must be UTF-8)"
        )
    found = _DECLARATION.search(text)
    if found:
        raise UploadRefused(
            f"RDF/XML with a DTD is refused (<!{found.group(1)} at character {found.start() + 1})"
            ": entity declarations could expand without bound or read files and URLs"
        )


def _local_contexts(text: str, context: Mapping[str, Any] | None) -> str:
    """The JSON-LD document with the project's context inlined; any other IRI is refused."""
    try:
        document = json.loads(text)
        local = dict(context) if context is not None else load_context()
        return json.dumps(_inline(document, local))
    except RecursionError as exc:
        raise UploadRefused("the JSON-LD is nested too deeply") from exc
    except ValueError as exc:
        raise UploadRefused(f"not valid JSON: {exc}") from exc


def _inline(node: Any, local: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, local) for item in node]
    if not isinstance(node, dict):
        return node
    inlined: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@import":
            raise UploadRefused(f"JSON-LD @import is refused: {str(value)[:100]!r} is not fetched")
        inlined[key] = _context(value, local) if key == "@context" else _inline(value, local)
    return inlined


def _context(value: Any, local: dict[str, Any]) -> Any:
    """One @context value: the project's IRI becomes the local context; other IRIs are refused."""
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return local
        raise UploadRefused(
            f"JSON-LD context {value[:100]!r} is refused: nothing is fetched; inline the context "
            f"or name the project's own, {CONTEXT_IRI}"
        )
    if isinstance(value, list):
        return [_context(item, local) for item in value]
    return _inline(value, local)  # an inline context, whose terms may hold scoped contexts


def resolve_graph(name: str, folder: Path) -> Path:
    """The curated file named by a graph IRI, a file name (`events.ttl`) or a stem (`events`)."""
    files = config.curated_files(folder)
    for path in files:
        if name in (str(graph_iri(path)), path.name, path.stem):
            return path
    for path in config.imported_files(folder):
        if name == str(graph_iri(path)):
            raise UploadRefused(
                f"{name[:200]!r} is generated by `bipmkg import {path.parent.name}` and is not "
                "changed by uploads (a re-import would undo it); upload to a curated graph"
            )
    known = ", ".join(str(graph_iri(p)) for p in files)
    raise UploadRefused(f"{name[:200]!r} is not a curated graph; name one of: {known}")


def apply_upload(
    body: bytes,
    media_type: str,
    *,
    graph: str,
    replace: bool,
    data_dir: Path | None = None,
    store_dir: Path | None = None,
    context: Mapping[str, Any] | None = None,
) -> UpdateResult:
    """Replace (PUT) or add to (POST) one curated file's graph; validated like any update.

    Raises UploadRefused (400), ValidationFailed (422, nothing written) or StorageError.
    """
    folder = Path(data_dir or config.data_dir())
    target = resolve_graph(graph, folder)
    iri = str(graph_iri(target))
    uploaded = parse_upload(body, media_type, base=iri, context=context)
    if len(uploaded) == 0:
        raise UploadRefused(
            "the upload holds no triples; to empty a graph, send CLEAR GRAPH <…> to /update"
        )

    def change(copy: Dataset, by_graph: dict[str, Path]) -> None:
        if iri not in by_graph:
            raise UploadRefused(f"{target.name} is no longer a curated file")
        named = copy.graph(URIRef(iri))
        if replace:
            named.remove((None, None, None))
        for triple in uploaded:
            named.add(triple)

    return apply_change(change, data_dir=folder, store_dir=store_dir)
