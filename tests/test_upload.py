"""Curator uploads at /update/data: RDF in four formats, validated on a copy like /update, and
nothing in an upload can make the server open a connection or a file.

Against a real `bipmkg serve` (gunicorn) over a copy of tests/data/minimal.ttl plus a second
curated file; a real TCP listener on 127.0.0.1 counts connections and inotify watches a
sentinel file for any open.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from live import Answer, LiveServer, build, http, start_server
from probes import Listener, OpenWatch
from rdflib import OWL, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from bipmkg.curation.upload import CONTEXT_IRI, check_xml, parse_upload
from bipmkg.errors import UploadRefused

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "upload-token"
ID = "https://w3id.org/bipmkg/id/"
GRAPH = "https://w3id.org/bipmkg/graph/"
ALPHA = URIRef(ID + "organisation/alpha")
BETA = URIRef(ID + "organisation/beta")
MAX_BODY_BYTES = 65536
NOTES = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{BETA}> rdfs:comment "Notes kept in a second curated file."@en .
"""


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    base = tmp_path_factory.mktemp("upload")
    data = base / "data"
    data.mkdir()
    shutil.copyfile(ROOT / "tests" / "data" / "minimal.ttl", data / "minimal.ttl")
    (data / "notes.ttl").write_text(NOTES, encoding="utf-8")
    build(base / "store", data)
    live = start_server(
        base / "store",
        {
            "BIPMKG_UPDATE_TOKEN": TOKEN,
            "BIPMKG_DATA_DIR": str(data),
            "BIPMKG_QUERY_WORKERS": "1",
            "BIPMKG_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        },
        base / "server.log",
    )
    yield live, data
    live.stop()


@pytest.fixture
def listener() -> Iterator[Listener]:
    probe = Listener()
    yield probe
    probe.close()


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[tuple[Path, OpenWatch]]:
    """A file that would be a perfectly good context or entity, if anything read it."""
    path = tmp_path / "sentinel.jsonld"
    path.write_text(json.dumps({"@context": {"note": "http://example.org/sentinel#note"}}))
    watch = OpenWatch(path)
    yield path, watch
    watch.close()


def upload(
    server: LiveServer,
    body: bytes,
    media_type: str,
    *,
    graph: str = "notes",
    method: str = "POST",
    token: str | None = TOKEN,
) -> Answer:
    headers = {"Content-Type": media_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    query = urllib.parse.urlencode({"graph": graph})
    return http(method, f"{server.url}/update/data?{query}", data=body, headers=headers)


def digest(folder: Path) -> bytes:
    return b"".join(p.name.encode() + p.read_bytes() for p in sorted(folder.glob("*.ttl")))


def ask(server: LiveServer, pattern: str) -> bool:
    query = f"ASK {{ {pattern} }}"
    answer = http("GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}))
    assert answer.status == 200, answer.text
    return bool(json.loads(answer.body)["boolean"])


def alt_label(value: str, form: str) -> bytes:
    """One triple, `alpha skos:altLabel value@en`, in the given format."""
    if form == "text/turtle":
        text = f'@prefix skos: <{SKOS}> .\n<{ALPHA}> skos:altLabel "{value}"@en .\n'
    elif form == "application/n-triples":
        text = f'<{ALPHA}> <{SKOS.altLabel}> "{value}"@en .\n'
    elif form == "application/rdf+xml":
        text = f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="{SKOS}">
  <rdf:Description rdf:about="{ALPHA}"><skos:altLabel xml:lang="en">{value}</skos:altLabel>
  </rdf:Description>
</rdf:RDF>"""
    else:  # JSON-LD, with the project's own context named by its IRI: read locally
        document = {
            "@context": CONTEXT_IRI,
            "@id": "organisation:alpha",
            "skos:altLabel": {"@value": value, "@language": "en"},
        }
        text = json.dumps(document)
    return text.encode()


FORMS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]


@pytest.mark.parametrize("form", FORMS)
def test_post_adds_the_triples_in_every_format(curated: tuple[LiveServer, Path], form: str) -> None:
    server, data = curated
    value = f"Alpha uploaded as {form}"
    answer = upload(server, alt_label(value, form), form)
    assert answer.status == 200, answer.text
    assert json.loads(answer.body) == {
        "changed_files": ["notes.ttl"],
        "triples_added": 1,
        "triples_removed": 0,
    }
    written = Graph().parse(data / "notes.ttl")
    assert (ALPHA, SKOS.altLabel, Literal(value, lang="en")) in written
    assert ask(server, f'GRAPH <{GRAPH}notes> {{ <{ALPHA}> <{SKOS.altLabel}> "{value}"@en }}')


def test_put_replaces_the_files_graph(curated: tuple[LiveServer, Path]) -> None:
    server, data = curated
    body = f'<{BETA}> <{SKOS.altLabel}> "The Beta"@en .\n'.encode()
    answer = upload(server, body, "application/n-triples", graph=f"{GRAPH}notes", method="PUT")
    assert answer.status == 200, answer.text
    assert set(Graph().parse(data / "notes.ttl")) == {
        (BETA, SKOS.altLabel, Literal("The Beta", lang="en"))
    }
    assert not ask(server, f'<{BETA}> ?p "Notes kept in a second curated file."@en')
    assert ask(server, f'<{BETA}> <{SKOS.altLabel}> "The Beta"@en')


def test_a_non_conformant_upload_gets_422_with_the_report_and_nothing_is_written(
    curated: tuple[LiveServer, Path],
) -> None:
    server, data = curated
    before = digest(data)
    one_party = f"""@prefix bkg: <https://w3id.org/bipmkg/ontology#> .
@prefix skos: <{SKOS}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{ID}agreement/one-party> a bkg:MemorandumOfUnderstanding ;
    skos:prefLabel "One-party memorandum"@en ;
    bkg:hasParty <{ALPHA}> ;
    dcterms:source <{ID}source/doc--s1> .
""".encode()
    for method in ("POST", "PUT"):
        answer = upload(server, one_party, "text/turtle", graph="minimal.ttl", method=method)
        assert answer.status == 422, answer.text
        assert "Agreement party" in answer.text, answer.text
    assert digest(data) == before
    assert not ask(server, f"<{ID}agreement/one-party> ?p ?o")


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    + b'<rdf:Description rdf:about="urn:x"><rdf:value>&lol9;</rdf:value></rdf:Description>'
    + b"</rdf:RDF>"
)


def test_an_entity_bomb_is_refused_before_parsing_in_under_a_second(
    curated: tuple[LiveServer, Path],
) -> None:
    server, data = curated
    before = digest(data)
    started = time.monotonic()
    answer = upload(server, BILLION_LAUGHS, "application/rdf+xml")
    elapsed = time.monotonic() - started
    assert answer.status == 400 and "DOCTYPE" in answer.text, answer.text
    assert elapsed < 1.0, f"the bomb took {elapsed:.2f} s to refuse"
    assert digest(data) == before


def test_external_entities_are_refused_and_nothing_is_opened(
    curated: tuple[LiveServer, Path],
    listener: Listener,
    sentinel: tuple[Path, OpenWatch],
) -> None:
    server, data = curated
    path, watch = sentinel
    before = digest(data)
    for system in (f"{listener.url}/entity.txt", path.as_uri(), str(path)):
        body = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{system}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="{ALPHA}"><rdf:value>&ext;</rdf:value></rdf:Description>
</rdf:RDF>""".encode()
        answer = upload(server, body, "application/rdf+xml")
        assert answer.status == 400 and "DOCTYPE" in answer.text, answer.text
    # The same declarations behind another encoding: refused, not overlooked by the scan.
    disguised = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    for body in (disguised.encode("utf-16"), disguised.encode("utf-16-le")):
        answer = upload(server, body, "application/rdf+xml")
        assert answer.status == 400, answer.text
    assert listener.connections == 0
    assert not watch.opened()
    assert digest(data) == before


def foreign_contexts(url: str, file_iri: str) -> list[object]:
    return [
        url,
        file_iri,
        "context.jsonld",  # relative: resolved against the document, so a fetch too
        [CONTEXT_IRI, url],
        [{"@version": 1.1}, file_iri],
        {"@import": url},
        {"note": {"@id": "http://example.org/note", "@context": url}},  # a scoped context
        {"@context": file_iri},
    ]


@pytest.mark.parametrize("where", ["top", "nested", "graph"])
def test_jsonld_naming_any_other_context_is_refused_and_nothing_is_fetched(
    curated: tuple[LiveServer, Path],
    listener: Listener,
    sentinel: tuple[Path, OpenWatch],
    where: str,
) -> None:
    server, data = curated
    path, watch = sentinel
    before = digest(data)
    for context in foreign_contexts(f"{listener.url}/context.jsonld", path.as_uri()):
        node: dict[str, object] = {"@id": str(ALPHA), "http://example.org/note": "x"}
        if where == "top":
            document: object = {"@context": context, **node}
        elif where == "nested":
            inner = {"@context": context, "@id": str(BETA), "http://example.org/n": "y"}
            document = {**node, "http://example.org/about": inner}
        else:
            document = {"@context": {"@version": 1.1}, "@graph": [{"@context": context, **node}]}
        answer = upload(server, json.dumps(document).encode(), "application/ld+json")
        assert answer.status == 400, (context, answer.text)
        assert "refused" in answer.text, answer.text
    assert listener.connections == 0
    assert not watch.opened()
    assert digest(data) == before


def test_owl_imports_is_data_and_is_never_followed(
    curated: tuple[LiveServer, Path], listener: Listener
) -> None:
    server, data = curated
    target = f"{listener.url}/ontology.ttl"
    body = f"<{ALPHA}> <{OWL.imports}> <{target}> .\n".encode()
    answer = upload(server, body, "application/n-triples", graph="minimal")
    assert answer.status == 200, answer.text
    assert (ALPHA, OWL.imports, URIRef(target)) in Graph().parse(data / "minimal.ttl")
    assert ask(server, f"<{ALPHA}> <{OWL.imports}> <{target}>")
    # A restart reads the files again (start-up recovery): still not followed.
    server.restart()
    assert ask(server, f"<{ALPHA}> <{OWL.imports}> <{target}>")
    assert listener.connections == 0


@pytest.mark.parametrize(
    ("body", "media_type", "graph", "status", "says"),
    [
        (b'<urn:a> <urn:b> "bell\\u0007" .', "application/n-triples", "notes", 400, "control"),
        (b"<urn:a> <urn:b> ", "text/turtle", "notes", 400, "not valid turtle"),
        (b"<urn:a> <urn:b> <urn:c> .", "application/n-triples", "../../etc/passwd", 400, "not a"),
        (b"<urn:a> <urn:b> <urn:c> .", "application/n-triples", f"{GRAPH}elsewhere", 400, "not a"),
        (b"<urn:a> <urn:b> <urn:c> .", "text/html", "notes", 415, "send RDF"),
        (b"<urn:a> <urn:b> <urn:c> .", "application/trig", "notes", 415, "send RDF"),
        (b"", "text/turtle", "notes", 400, "empty"),
        (b"@prefix ex: <urn:ex:> .", "text/turtle", "notes", 400, "no triples"),
        (b"\xff\xfe<", "text/turtle", "notes", 400, "UTF-8"),
        (b"[" * 20_000, "application/ld+json", "notes", 400, "nested"),
        (
            json.dumps({"@id": "urn:g", "@graph": [{"@id": "urn:a", "urn:b": "c"}]}).encode(),
            "application/ld+json",
            "notes",
            400,
            "named graphs",
        ),
        (b"#" * (MAX_BODY_BYTES + 1), "text/turtle", "notes", 413, "MAX_BODY_BYTES"),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_nothing_changes(
    curated: tuple[LiveServer, Path],
    body: bytes,
    media_type: str,
    graph: str,
    status: int,
    says: str,
) -> None:
    server, data = curated
    before = digest(data)
    answer = upload(server, body, media_type, graph=graph)
    assert answer.status == status, answer.text
    assert says.lower() in answer.text.lower(), answer.text
    assert digest(data) == before


def test_uploads_need_the_curators_token(curated: tuple[LiveServer, Path]) -> None:
    server, data = curated
    before = digest(data)
    body = alt_label("Unauthorised", "text/turtle")
    for token in (None, "wrong"):
        for method in ("POST", "PUT"):
            answer = upload(server, body, "text/turtle", method=method, token=token)
            assert answer.status == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    assert http("GET", f"{server.url}/update/data?graph=notes").status == 405
    assert digest(data) == before


# -- The parser on its own -----------------------------------------------------------------------


def test_the_xml_scan_refuses_every_way_to_a_dtd() -> None:
    for text in (
        '<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://x/"><r/>',
        "<!doctype r><r/>",
        '<!ENTITY x "y"><r/>',
        "<! DOCTYPE r><r/>",
        '<?xml version="1.0" encoding="ISO-2022-JP"?><r/>',
        "<\x00!\x00D\x00O\x00C\x00",
    ):
        with pytest.raises(UploadRefused):
            check_xml(text)
    check_xml('<?xml version="1.0" encoding="utf-8"?><r><!-- a comment --></r>')


def test_the_project_context_is_substituted_locally() -> None:
    graph = parse_upload(alt_label("Local", "application/ld+json"), "application/ld+json", base="")
    assert set(graph) == {(ALPHA, SKOS.altLabel, Literal("Local", lang="en"))}
