"""Pages stay inert whatever the data holds: escaping, CSP and security headers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import browser
from live import LiveServer, build, http, start_server
from playwright.sync_api import Browser
from rdflib import RDF, SKOS, Graph, URIRef

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parent.parent
PROBE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
IUPAC = URIRef("https://w3id.org/bipmkg/id/organisation/iupac")


def drop_french_labels(data: Path, body: URIRef) -> None:
    """Take a body's French names (and the statements citing them) out of a copy of the data.

    The probe becomes the body's only French name: one per language is a shape of the graph.
    """
    for path in sorted(data.rglob("*.ttl")):
        # Files write the IRI with a prefix: its last segment is what they all contain.
        if str(body).rsplit("/", 1)[1] not in path.read_text(encoding="utf-8"):
            continue
        g = Graph().parse(path)
        labels = [
            o for o in g.objects(body, SKOS.prefLabel) if getattr(o, "language", None) == "fr"
        ]
        if not labels:
            continue
        for label in labels:
            g.remove((body, SKOS.prefLabel, label))
            for statement in list(g.subjects(RDF.object, label)):
                g.remove((statement, None, None))
        g.serialize(path, format="turtle")


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose data has an XSS probe in a French label and an English alternative name."""
    base = tmp_path_factory.mktemp("xss")
    data = base / "graph_data"
    shutil.copytree(ROOT / "graph_data", data, ignore=shutil.ignore_patterns("*.md"))
    drop_french_labels(data, IUPAC)
    (data / "probe.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<{IUPAC}> skos:prefLabel "
        f"'''{PROBE}'''@fr ; skos:altLabel '''{PROBE}'''@en .\n",
        encoding="utf-8",
    )
    build(base / "store", data)
    live = start_server(base / "store", {}, base / "server.log")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as launched:
        yield launched


PAGES = [
    "/",
    "/query",
    "/id/organisation/iupac",
    "/id/organisation/iupac?lang=fr",
    "/search?q=iupac",
    "/ontology",
    "/download/",
    "/id/organisation/",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(probed: LiveServer, path: str) -> None:
    # The first /download/ writes the dumps, from a copy of the store: over a remote store on a
    # loaded machine that took more than 30 s. What is checked here is the headers, not speed.
    answer = http("GET", probed.url + path, timeout=180)
    assert answer.status == 200
    policy = answer.headers["content-security-policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_a_label_with_markup_is_shown_as_text(probed: LiveServer) -> None:
    page = http("GET", probed.url + "/id/organisation/iupac?lang=fr").text
    assert PROBE not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


@pytest.mark.parametrize("path", PAGES)
def test_no_script_runs_and_no_csp_violation_in_a_real_browser(
    probed: LiveServer, chromium: Browser, path: str
) -> None:
    page = chromium.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => { window.cspViolations = (window.cspViolations || 0) + 1 })"
    )
    page.goto(probed.url + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.pwned === undefined")
    assert page.evaluate("window.cspViolations || 0") == 0, violations
    assert not violations


#: Public answers of every kind: pages, data, errors, SPARQL (evaluated and kept), the API.
PUBLIC = [
    *PAGES,
    "/id/organisation/iupac.ttl",
    "/id/organisation/no-such-body",
    "/sparql?query=ASK%7B%7D",
    "/sparql",
    "/api/network",
    "/api/search?q=iupac",
    "/openapi.json",
    "/context.jsonld",
    "/healthz",
]


def test_one_cors_hook_answers_every_public_route_and_no_curators_route(
    probed: LiveServer,
) -> None:
    for path in PUBLIC:
        for _ in range(2):  # the second /sparql answer is a kept one, replayed before Flask
            answer = http("GET", probed.url + path)
            assert answer.headers.get("access-control-allow-origin") == "*", (path, answer.status)
            assert "X-SPARQL-Rows" in answer.headers.get("access-control-expose-headers", "")
    for method, path in (("POST", "/update"), ("PUT", "/update/data?graph=events")):
        answer = http(method, probed.url + path, data=b"", headers={"Content-Type": "text/turtle"})
        assert answer.status in (401, 403, 415), (path, answer.status)
        assert "access-control-allow-origin" not in answer.headers, path
