"""/graph and /timeline in a real browser (Debian chromium, headless, via Playwright)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
from browser import ARTIFACTS, browser, wait_until
from live import LiveServer, http
from playwright.sync_api import Browser, Page

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

AS_OF = "2010-12-31"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as launched:
        yield launched


def api(server: LiveServer, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    answer = http("GET", f"{server.url}{path}{query}")
    assert answer.status == 200, answer.text
    return json.loads(answer.body)  # type: ignore[no-any-return]


def open_graph(
    chromium: Browser, server: LiveServer, query: str = ""
) -> tuple[Page, list[str], list[str]]:
    page = chromium.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(f"{server.url}/graph{query}")
    wait_until(page, "window.bipmkgGraph && window.bipmkgGraph.ready")
    return page, errors, failed


def drawn(page: Page) -> dict:  # type: ignore[type-arg]
    return page.evaluate("window.bipmkgGraph.drawnCounts()")  # type: ignore[no-any-return]


def expected_counts(
    network: dict, hidden_bodies: set[str] = frozenset(), hidden_links: set[str] = frozenset()
) -> dict:  # type: ignore[type-arg, assignment]
    kinds = {n["iri"]: n["kind"] for n in network["nodes"]}
    shown = {iri for iri, kind in kinds.items() if kind not in hidden_bodies}
    edges = [
        e
        for e in network["edges"]
        if e["kind"] not in hidden_links and e["from_body"] in shown and e["to_body"] in shown
    ]
    return {"nodes": len(shown), "edges": len(edges)}


def test_the_page_draws_the_api_network_without_errors(
    server: LiveServer, chromium: Browser
) -> None:
    page, errors, failed = open_graph(chromium, server)
    network = api(server, "/api/network")
    assert drawn(page) == expected_counts(network)
    assert drawn(page)["nodes"] == len(network["nodes"]) > 30
    legend = page.locator("#legend-bodies li").count() + page.locator("#legend-links li").count()
    assert legend >= 10
    page.screenshot(path=str(ARTIFACTS / "graph.png"))
    assert not errors, errors
    assert not failed, failed


def test_filters_and_as_of_date_match_the_api(server: LiveServer, chromium: Browser) -> None:
    page, errors, _ = open_graph(chromium, server)
    network = api(server, "/api/network")
    body_kind = sorted({n["kind"] for n in network["nodes"]})[0]
    page.uncheck(f'#legend-bodies input[data-kind="{body_kind}"]')
    assert drawn(page) == expected_counts(network, {body_kind})
    link_kind = "member"
    page.uncheck(f'#legend-links input[data-kind="{link_kind}"]')
    assert drawn(page) == expected_counts(network, {body_kind}, {link_kind})
    assert "hide_bodies" in page.url and "hide_links" in page.url

    dated = api(server, "/api/network", as_of=AS_OF)
    page.goto(f"{server.url}/graph?as_of={AS_OF}")
    wait_until(page, "window.bipmkgGraph && window.bipmkgGraph.ready")
    assert drawn(page) == expected_counts(dated)
    assert expected_counts(dated)["edges"] < expected_counts(network)["edges"]
    page.uncheck("#all-dates")
    page.fill("#year", "2002")
    page.dispatch_event("#year", "change")
    wait_until(
        page,
        "window.bipmkgGraph.state.as_of === '2002-12-31'"
        " && window.bipmkgGraph.data.as_of === '2002-12-31'",
    )
    assert drawn(page) == expected_counts(api(server, "/api/network", as_of="2002-12-31"))
    assert "as_of=2002-12-31" in page.url
    assert not errors, errors


def click_node(page: Page, iri: str) -> None:
    position = page.evaluate(
        "(iri) => window.bipmkgGraph.cy.getElementById(iri).renderedPosition()", iri
    )
    box = page.locator("#cy").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])


def test_clicking_a_node_opens_its_panel(server: LiveServer, chromium: Browser) -> None:
    page, errors, _ = open_graph(chromium, server, "?layout=grid")
    iri = "https://w3id.org/bipmkg/id/organisation/iupac"
    click_node(page, iri)
    wait_until(page, "document.querySelector('#panel h2') !== null")
    assert (
        page.locator("#panel h2").inner_text()
        == "International Union of Pure and Applied Chemistry"
    )
    assert page.locator("#panel a.open-entity").get_attribute("href") == "/id/organisation/iupac"
    assert "node=https" in page.url
    assert not errors, errors


def test_the_path_tool_highlights_the_api_path(server: LiveServer, chromium: Browser) -> None:
    page, errors, _ = open_graph(chromium, server)
    page.fill("#path-from", "ICSH")
    page.fill("#path-to", "IUPAC")
    page.click("#path-go")
    wait_until(page, "window.bipmkgGraph.path !== undefined")
    icsh = "https://w3id.org/bipmkg/id/organisation/icsh"
    iupac = "https://w3id.org/bipmkg/id/organisation/iupac"
    result = api(server, "/api/path", **{"from": icsh, "to": iupac})
    expected = sorted(b["iri"] for b in result["paths"][0]["bodies"])
    highlighted = sorted(page.evaluate("window.bipmkgGraph.cy.nodes('.path').map(n => n.id())"))
    assert highlighted == expected
    hops = page.locator("#path-facts li").count()
    assert hops == len(result["paths"][0]["hops"]) >= 1
    assert page.evaluate("window.bipmkgGraph.cy.edges('.path').length") >= hops
    assert not errors, errors


def test_the_url_restores_a_view(server: LiveServer, chromium: Browser) -> None:
    network = api(server, "/api/network")
    kind = sorted({n["kind"] for n in network["nodes"]})[-1]
    node = "https://w3id.org/bipmkg/id/organisation/bipm"
    query = "?" + urllib.parse.urlencode(
        {
            "hide_bodies": kind,
            "colour": "community",
            "size": "pagerank",
            "node": node,
            "focus": "IUPAC",
        }
    )
    page, errors, _ = open_graph(chromium, server, query)
    assert drawn(page) == expected_counts(network, {kind})
    assert not page.locator(f'#legend-bodies input[data-kind="{kind}"]').is_checked()
    assert page.locator("#colour").input_value() == "community"
    assert page.locator("#size").input_value() == "pagerank"
    assert page.locator("#panel h2").inner_text() == "International Bureau of Weights and Measures"
    page.screenshot(path=str(ARTIFACTS / "graph-restored.png"))
    assert not errors, errors


@pytest.mark.parametrize(
    ("button", "magic"), [("#export-png", b"\x89PNG"), ("#export-svg", b"<svg")]
)
def test_exports_produce_an_image(
    server: LiveServer, chromium: Browser, button: str, magic: bytes
) -> None:
    page, errors, _ = open_graph(chromium, server)
    with page.expect_download() as download:
        page.click(button)
    path = download.value.path()
    assert path is not None
    content = open(path, "rb").read()
    assert len(content) > 1000
    assert magic in content[:200]
    (ARTIFACTS / download.value.suggested_filename).write_bytes(content)
    assert not errors, errors


def test_controls_are_keyboard_reachable(server: LiveServer, chromium: Browser) -> None:
    page, _, _ = open_graph(chromium, server)
    page.uncheck("#all-dates")  # the year slider is enabled (and focusable) once dates are on
    page.focus("body")
    reached = set()
    wanted = {"all-dates", "year", "play", "size", "colour", "layout", "fit", "export-png", "focus"}
    # The legend's entries are tab stops too, one per kind of body and of link: as many presses
    # as it takes (the grown graph's legend put the last control past 80), and no endless loop.
    for _ in range(400):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate("document.activeElement.id || document.activeElement.dataset.kind || ''")
        )
        if wanted <= reached:
            break
    assert not wanted - reached, wanted - reached


def test_french_page(server: LiveServer, chromium: Browser) -> None:
    page, errors, _ = open_graph(chromium, server, "?lang=fr")
    assert "organismes" in page.locator("#status").inner_text()
    assert page.locator("h1").inner_text() == "Le réseau de coopération"
    assert not errors, errors


def test_entity_page_draws_the_ego_network(server: LiveServer, chromium: Browser) -> None:
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/id/organisation/ilac")
    drawn_count = wait_until(page, "document.querySelector('.ego-graph').dataset.drawn")
    ego = api(server, "/api/ego", node="https://w3id.org/bipmkg/id/organisation/ilac", radius="1")
    assert int(str(drawn_count)) == len(ego["bodies"])
    assert not errors, errors


def test_timeline_shows_partial_dates_as_such_and_filters(server: LiveServer) -> None:
    page = http("GET", f"{server.url}/timeline").text
    assert '<time datetime="2019-12">December 2019</time>' in page
    assert '<time datetime="2019-10-17">17 October 2019</time>' in page
    assert '<time datetime="2002">2002</time>' in page
    french = http("GET", f"{server.url}/timeline?lang=fr").text
    assert '<time datetime="2019-12">décembre 2019</time>' in french
    only_events = http("GET", f"{server.url}/timeline?kind=event").text
    assert 'data-kind="agreement"' not in only_events and 'data-kind="event"' in only_events
    iupac = http("GET", f"{server.url}/timeline?kind=agreement&body=IUPAC").text
    assert "Memorandum of Understanding between the BIPM and IUPAC" in iupac
    assert "World Metrology Day" not in iupac
    assert 'href="/id/agreement/bipm-iupac-mou"' in iupac
