"""Linked data over a live server: content negotiation, exports, VoID, search, and a crawl."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from live import Answer, LiveServer, build, http
from pyld import jsonld
from rdflib import RDF, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from bipmkg.linked_data.dumps import dataset_from_store
from bipmkg.rdf.namespaces import ID_BASE, KINDS
from bipmkg.store.backends import open_store

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/n-triples": ("nt", "nt"),
}
LABELS = (SKOS.prefLabel, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))


def _refuse_remote(url: str, options: object = None) -> object:
    raise AssertionError(f"pyld tried to fetch {url}")


jsonld.set_document_loader(_refuse_remote)


@pytest.fixture(scope="module")
def store_graph(server: LiveServer) -> Dataset:
    return dataset_from_store(open_store(server.store_dir))


@pytest.fixture(scope="module")
def union(store_graph: Dataset) -> Graph:
    graph = Graph()
    for quad in store_graph.quads((None, None, None, None)):
        graph.add(quad[:3])
    return graph


def one_entity_per_kind(union: Graph) -> list[str]:
    chosen: dict[str, str] = {}
    for subject in sorted({str(s) for s in union.subjects(RDF.type, None)}):
        if subject.startswith(ID_BASE):
            kind = subject[len(ID_BASE) :].split("/", 1)[0]
            chosen.setdefault(kind, subject)
    return [chosen[k] for k in KINDS if k in chosen]


def local(iri: str) -> str:
    return "/id/" + iri[len(ID_BASE) :]


def parse(answer: Answer, rdflib_format: str) -> Graph:
    graph = Graph()
    graph.parse(data=answer.body, format=rdflib_format)
    return graph


def check_description(graph: Graph, union: Graph, iri: str) -> None:
    entity = URIRef(iri)
    own = set(union.triples((entity, None, None)))
    assert own and own <= set(graph), f"{iri}: missing own facts {own - set(graph)}"
    for obj in {o for _, _, o in own if isinstance(o, URIRef)}:
        for label in LABELS:
            for value in union.objects(obj, label):
                assert (obj, label, value) in graph, f"{iri}: missing label of {obj}"


# -- Content negotiation ---------------------------------------------------------------------------


def test_every_kind_every_format_by_accept_suffix_and_parameter(
    server: LiveServer, union: Graph
) -> None:
    entities = one_entity_per_kind(union)
    assert len(entities) >= 15
    for iri in entities:
        path = local(iri)
        html = http("GET", server.url + path, headers={"Accept": "text/html"})
        assert html.status == 200 and html.headers["content-type"].startswith("text/html"), path
        assert f'<link rel="canonical" href="{iri}">' in html.text
        for media_type, (suffix, rdflib_format) in RDF_FORMATS.items():
            by_accept = http("GET", server.url + path, headers={"Accept": media_type})
            by_suffix = http("GET", f"{server.url}{path}.{suffix}")
            by_param = http(
                "GET", f"{server.url}{path}?format={suffix if suffix != 'rdf' else 'rdfxml'}"
            )
            graphs = []
            for answer in (by_accept, by_suffix, by_param):
                assert answer.status == 200, (path, media_type, answer.text[:200])
                assert answer.headers["content-type"].split(";")[0] == media_type
                graphs.append(parse(answer, rdflib_format))
            check_description(graphs[0], union, iri)
            assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


def test_description_carries_the_statements_that_cite_its_facts(
    server: LiveServer, union: Graph
) -> None:
    iri = "https://w3id.org/bipmkg/id/agreement/bipm-iupac-mou"
    graph = parse(http("GET", f"{server.url}{local(iri)}.ttl"), "turtle")
    statements = set(union.subjects(RDF.subject, URIRef(iri)))
    assert statements
    for statement in statements:
        assert set(union.triples((statement, None, None))) <= set(graph)


def test_q_values_are_honoured(server: LiveServer) -> None:
    answer = http(
        "GET",
        server.url + "/id/organisation/bipm",
        headers={"Accept": "text/html;q=0.5, text/turtle;q=0.9"},
    )
    assert answer.headers["content-type"].startswith("text/turtle")


def test_unservable_accept_is_406_and_unknown_iri_404_as_asked(server: LiveServer) -> None:
    assert (
        http("GET", server.url + "/id/organisation/bipm", headers={"Accept": "image/png"}).status
        == 406
    )
    html = http(
        "GET", server.url + "/id/organisation/no-such-body", headers={"Accept": "text/html"}
    )
    assert html.status == 404 and "text/html" in html.headers["content-type"]
    assert "https://w3id.org/bipmkg/id/organisation/no-such-body" in html.text
    turtle = http("GET", server.url + "/id/organisation/no-such-body.ttl")
    assert turtle.status == 404 and turtle.headers["content-type"].startswith("text/turtle")
    assert len(parse(turtle, "turtle")) == 0
    assert "no-such-body> is not described" in turtle.text  # the 404 says what is missing
    for suffix, syntax in (("jsonld", "json-ld"), ("rdf", "xml"), ("nt", "nt")):
        missing = http("GET", f"{server.url}/id/organisation/no-such-body.{suffix}")
        assert missing.status == 404 and "is not described" in missing.text, suffix
        assert len(parse(missing, syntax)) == 0, suffix
    assert http("GET", server.url + "/id/no-such-kind/bipm").status == 404
    assert http("GET", server.url + "/id/organisation/bipm.png").status == 404
    assert http("GET", server.url + "/id/organisation/BIPM%20x").status == 404
    assert http("GET", server.url + "/id/organisation/bipm?format=png").status == 400


def test_ontology_terms_are_served_with_anchors(server: LiveServer) -> None:
    page = http("GET", server.url + "/ontology", headers={"Accept": "text/html"})
    assert page.status == 200
    for term in ("Agreement", "hasParty", "JointCommittee", "ExecutiveMemberRole"):
        assert f'id="{term}"' in page.text
    turtle = parse(
        http("GET", server.url + "/ontology", headers={"Accept": "text/turtle"}), "turtle"
    )
    assert (URIRef("https://w3id.org/bipmkg/ontology#hasParty"), None, None) in turtle
    assert http("GET", server.url + "/ontology.jsonld").status == 200


def test_pages_link_relatively_but_show_public_iris(server: LiveServer) -> None:
    page = http("GET", server.url + "/id/agreement/bipm-iupac-mou").text
    assert 'href="/id/organisation/iupac"' in page
    assert "https://w3id.org/bipmkg/id/agreement/bipm-iupac-mou" in page


def test_a_french_page_shows_a_native_name_where_no_french_one_exists(server: LiveServer) -> None:
    """CMI has no French name: its page in French is titled with the name it writes itself,
    marked and tagged as Czech; in English it keeps its English name, unmarked."""
    french = http("GET", server.url + "/id/organisation/cmi?lang=fr").text
    assert '<h1><span lang="cs">Český metrologický institut</span> <span class="fallback"' in french
    assert ">[cs]</span></h1>" in french
    english = http("GET", server.url + "/id/organisation/cmi").text
    assert "<h1>Czech Metrological Institute</h1>" in english


def test_language_switch_and_visible_fallback(server: LiveServer) -> None:
    french = http("GET", server.url + "/id/organisation/cipm?lang=fr").text
    assert "Comité international des poids et mesures" in french
    assert '<html lang="fr">' in french
    fallback = http("GET", server.url + "/id/organisation/iupac?lang=fr").text
    assert 'class="fallback"' in fallback
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with browser.open(server.url + "/lang/fr?next=/id/organisation/bipm") as switched:
        assert switched.url.endswith("/id/organisation/bipm")
        assert '<html lang="fr">' in switched.read().decode()
    with browser.open(server.url + "/id/organisation/cipm") as later:  # the cookie stays
        assert '<html lang="fr">' in later.read().decode()


def test_organisation_page_has_its_domain_sections(server: LiveServer) -> None:
    page = http("GET", server.url + "/id/organisation/ilac").text
    for section in ("sec-agreements", "sec-memberships", "sec-timeline", "incoming", "sources"):
        assert f'id="{section}"' in page, section
    assert "Memorandum of Understanding between the CIPM and ILAC" in page
    assert "2001-11-03" in page
    agreement = http("GET", server.url + "/id/agreement/bipm-oiml-unido-mou").text
    assert 'id="sec-signatures"' in agreement and "Kandeh Yumkella" in agreement
    committee = http("GET", server.url + "/id/committee/jctlm-executive-committee").text
    assert 'id="sec-members"' in committee and "2019-12" in committee


# -- Exports --------------------------------------------------------------------------------------


def test_every_download_reparses_to_the_store_content(
    server: LiveServer, store_graph: Dataset, union: Graph
) -> None:
    page = http("GET", server.url + "/download/")
    assert page.status == 200
    sums = http("GET", server.url + "/download/SHA256SUMS").text
    for line in sums.splitlines():
        digest, name = line.split("  ")
        answer = http("GET", f"{server.url}/download/{name}")
        assert answer.status == 200
        assert hashlib.sha256(answer.body).hexdigest() == digest
        assert digest in page.text
        if name.endswith(".trig"):
            dataset = Dataset()
            dataset.parse(data=answer.body, format="trig")
            assert {c.identifier for c in dataset.graphs() if len(c)} >= {
                c.identifier for c in store_graph.graphs() if len(c)
            }
            for graph in store_graph.graphs():
                if len(graph):
                    assert isomorphic(dataset.graph(graph.identifier), graph), graph.identifier
            continue
        rdflib_format = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}[
            name.rsplit(".", 1)[1]
        ]
        reread = Graph().parse(data=answer.body, format=rdflib_format)
        assert isomorphic(reread, union), name
        if name.endswith(".jsonld"):
            document = json.loads(answer.body)
            assert isinstance(document["@context"], dict)  # published context, inline: no fetch
            nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
            assert isomorphic(Graph().parse(data=nquads, format="nt"), union)


@pytest.mark.parametrize(("fmt", "suffix"), [("ntriples", "nt"), ("jsonld", "jsonld")])
def test_cli_export_writes_the_same_bytes_as_the_download(
    server: LiveServer, tmp_path: Path, union: Graph, fmt: str, suffix: str
) -> None:
    """Byte for byte what /download/ publishes: JSON-LD too, whose writer follows Python's string
    hashing (another seed than the build's, so an order left to chance would show)."""
    output = tmp_path / f"graph.{suffix}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bipmkg",
            "export",
            "--format",
            fmt,
            "--output",
            str(output),
            "--store",
            str(server.store_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONHASHSEED": "20191020"},
    )
    assert done.returncode == 0, done.stderr
    sums = http("GET", f"{server.url}/download/SHA256SUMS").text
    published = {
        name.rsplit(".", 1)[1]: digest
        for digest, name in (line.split("  ") for line in sums.splitlines())
    }
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in done.stdout
    assert digest == published[suffix]
    reread = Graph().parse(output, format="nt" if fmt == "ntriples" else "json-ld")
    assert isomorphic(reread, union)


def test_awkward_literals_survive_and_control_characters_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    awkward = 'He said "yes" & <no>\nthen left; Ünïcødé — Метрология 計量 مترولوجيا'
    (data / "awkward.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix bkg: <https://w3id.org/bipmkg/ontology#> .\n"
        "<https://w3id.org/bipmkg/id/source/awkward> a bkg:SourceDocument ;\n"
        f'  skos:prefLabel """{awkward}"""@en ;\n'
        f'  dcterms:title """{awkward}"""@en .\n',
        encoding="utf-8",
    )
    build(tmp_path / "store", data)
    dataset = dataset_from_store(open_store(tmp_path / "store"))
    from bipmkg.linked_data.dumps import serialise
    from bipmkg.rdf.formats import format_named

    expected = Literal(awkward, lang="en")
    for name, rdflib_format in [
        ("turtle", "turtle"),
        ("ntriples", "nt"),
        ("rdfxml", "xml"),
        ("jsonld", "json-ld"),
    ]:
        text = serialise(dataset, format_named(name))
        reread = Graph().parse(data=text, format=rdflib_format)
        assert (
            URIRef("https://w3id.org/bipmkg/id/source/awkward"),
            SKOS.prefLabel,
            expected,
        ) in reread, name
    (data / "control.ttl").write_text(
        "<https://w3id.org/bipmkg/id/source/bell> <http://purl.org/dc/terms/title> "
        '"ring\\u0007"@en .\n',
        encoding="utf-8",
    )
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "bipmkg",
            "build",
            "--store",
            str(tmp_path / "store2"),
            "--data",
            str(data / "awkward.ttl"),
            str(data / "control.ttl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "control character" in refused.stderr
    assert not (tmp_path / "store2").exists()


# -- VoID / DCAT -----------------------------------------------------------------------------------


def test_void_and_dcat_description(server: LiveServer, union: Graph) -> None:
    answer = http("GET", server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status == 200
    void = parse(answer, "turtle")
    ns = "http://rdfs.org/ns/void#"
    dataset = URIRef("https://w3id.org/bipmkg/id/dataset")
    triples = int(void.value(dataset, URIRef(ns + "triples")))  # type: ignore[arg-type]
    assert triples == len(union)
    assert void.value(dataset, URIRef(ns + "sparqlEndpoint")) == URIRef(server.url + "/sparql")
    assert void.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None
    dumps = set(void.objects(dataset, URIRef(ns + "dataDump")))
    assert len(dumps) == 5
    checksums = set(void.objects(None, URIRef("http://spdx.org/rdf/terms#checksumValue")))
    assert len(checksums) == 5
    assert len(set(void.objects(dataset, URIRef(ns + "exampleResource")))) >= 3
    as_jsonld = http(
        "GET", server.url + "/.well-known/void", headers={"Accept": "application/ld+json"}
    )
    assert isomorphic(parse(as_jsonld, "json-ld"), void)
    home = http("GET", server.url + "/").text
    assert 'href="/.well-known/void"' in home


# -- Search ----------------------------------------------------------------------------------------


def search(server: LiveServer, text: str) -> list[str]:
    answer = http("GET", f"{server.url}/api/search?" + urllib.parse.urlencode({"q": text}))
    assert answer.status == 200, answer.text
    return [h["iri"] for h in json.loads(answer.body)["hits"]]


def test_search_finds_every_organisation_by_acronym_and_names(
    server: LiveServer, union: Graph
) -> None:
    acronym = URIRef("https://w3id.org/bipmkg/ontology#acronym")
    organisations = sorted(
        {
            str(s)
            for s in union.subjects(RDF.type, None)
            if str(s).startswith(ID_BASE + "organisation/")
        }
    )
    assert len(organisations) > 40
    for iri in organisations:
        names = [o for o in union.objects(URIRef(iri), SKOS.prefLabel) if isinstance(o, Literal)]
        names += [o for o in union.objects(URIRef(iri), acronym) if isinstance(o, Literal)]
        for name in names:
            assert iri in search(server, str(name)), (iri, str(name))


def test_search_ignores_case_and_accents_and_ranks(server: LiveServer) -> None:
    assert search(server, "tubitak ume")[0] == ID_BASE + "organisation/tubitak-ume"
    assert ID_BASE + "organisation/tubitak-ume" in search(server, "tubitak")
    assert search(server, "Comité international")[0] == ID_BASE + "organisation/cipm"
    assert search(server, "comite INTERNATIONAL")[0] == ID_BASE + "organisation/cipm"
    assert search(server, "BIPM")[0] == ID_BASE + "organisation/bipm"


def test_search_input_is_never_sparql(server: LiveServer) -> None:
    for hostile in ['" } SELECT * WHERE { ?s ?p ?o } #', "}}}", "\\u003E", "') UNION {", "\n#"]:
        answer = http("GET", f"{server.url}/api/search?" + urllib.parse.urlencode({"q": hostile}))
        assert answer.status in (200, 400)
        if answer.status == 200:
            assert all(h["iri"].startswith(ID_BASE) for h in json.loads(answer.body)["hits"])
    assert http("GET", f"{server.url}/api/search?q=").status == 400
    assert http("GET", f"{server.url}/api/search?q=" + "a" * 300).status == 400
    assert http("GET", f"{server.url}/api/search?q=bipm&limit=x").status == 400


# -- Crawl -----------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.title = True
        for name, value in attrs:
            if value and (
                (tag == "a" and name == "href")
                or (tag in ("link", "script", "img") and name in ("href", "src"))
            ):
                self.links.append(value)


def test_crawl_from_home_reaches_every_entity_with_no_broken_link(
    server: LiveServer, union: Graph
) -> None:
    seen: set[str] = set()
    frontier = ["/"]
    pages = 0
    broken: list[tuple[str, int]] = []

    def fetch(path: str) -> tuple[str, Answer]:
        browser_accept = "text/html,application/xhtml+xml,*/*;q=0.8"
        return path, http("GET", server.url + path, headers={"Accept": browser_accept})

    with ThreadPoolExecutor(max_workers=6) as pool:
        while frontier:
            batch = [p for p in dict.fromkeys(frontier) if p not in seen]
            seen.update(batch)
            frontier = []
            for path, answer in pool.map(fetch, batch):
                if answer.status != 200:
                    broken.append((path, answer.status))
                    continue
                content_type = answer.headers.get("content-type", "")
                if not content_type.startswith("text/html"):
                    continue
                pages += 1
                text = answer.body.decode("utf-8")  # raises if not valid UTF-8
                parser = _Links()
                parser.feed(text)
                assert parser.title, f"{path} has no <title>"
                for link in parser.links:
                    target = urllib.parse.urlsplit(urllib.parse.urljoin(server.url + path, link))
                    if target.netloc != urllib.parse.urlsplit(server.url).netloc:
                        continue
                    if target.path.startswith(
                        ("/sparql", "/download/", "/static/", "/lang/")
                    ) or target.path.endswith((".ttl", ".jsonld", ".rdf", ".nt")):
                        continue
                    frontier.append(target.path + (f"?{target.query}" if target.query else ""))
    assert not broken, broken[:10]
    reached = {p.split("?")[0] for p in seen}
    entities = {
        str(s)
        for s in union.subjects(RDF.type, None)
        if str(s).startswith(ID_BASE) and not str(s).startswith(ID_BASE + "statement/")
    }
    unreached = sorted(e for e in entities if local(e) not in reached)
    assert not unreached, unreached[:10]
    assert pages > len(entities) / 2
