"""The query page in a real browser: YASGUI loads from the app, examples load and run."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
from browser import ARTIFACTS, browser
from live import LiveServer, http
from playwright.sync_api import Browser, Page

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as launched:
        yield launched


def open_page(chromium: Browser, url: str) -> tuple[Page, list[str], list[str]]:
    page = chromium.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(url)
    return page, errors, failed


def test_query_page_runs_an_example_like_the_endpoint(
    server: LiveServer, chromium: Browser
) -> None:
    page, errors, failed = open_page(chromium, f"{server.url}/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    examples = json.loads(http("GET", f"{server.url}/api/queries").body)["queries"]
    example = next(q for q in examples if "SELECT" in q["query"])
    page.click(f'button.example[data-name="{example["name"]}"]')
    page.wait_for_selector(
        ".yasr .dataTable tbody tr, .yasr .yasr_results table tbody tr", timeout=15000
    )
    shown = page.locator(".yasr .dataTable tbody tr").count()
    answer = http(
        "GET", f"{server.url}/sparql?" + urllib.parse.urlencode({"query": example["query"]})
    )
    expected = len(json.loads(answer.body)["results"]["bindings"])
    page.screenshot(path=str(ARTIFACTS / "query-page.png"), full_page=True)
    assert shown == min(expected, 50) or (expected == 0 and shown == 1)
    editor_text = page.evaluate("window.bipmkgYasgui.getTab().getQuery()")
    assert editor_text.strip() == example["query"].strip()
    assert not errors, errors
    assert not failed, failed


def test_query_page_declares_the_project_prefixes(server: LiveServer, chromium: Browser) -> None:
    page, errors, _ = open_page(chromium, f"{server.url}/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.evaluate("window.localStorage.clear()")
    text = page.evaluate("window.bipmkgYasgui.getTab().getQuery()")
    assert "PREFIX bkg: <https://w3id.org/bipmkg/ontology#>" in text
    assert not errors, errors


def test_a_shared_link_restores_the_query(server: LiveServer, chromium: Browser) -> None:
    shared = "PREFIX bkg: <https://w3id.org/bipmkg/ontology#>\nASK { ?a bkg:hasParty ?b }"
    page, errors, failed = open_page(
        chromium, f"{server.url}/query?" + urllib.parse.urlencode({"query": shared})
    )
    page.wait_for_selector(".yasqe .CodeMirror")
    page.wait_for_function(
        "window.bipmkgYasgui && window.bipmkgYasgui.getTab().getQuery().includes('hasParty')"
    )
    assert page.evaluate("window.bipmkgYasgui.getTab().getQuery()").strip() == shared
    assert not errors and not failed


MARKUP = '<img src=x onerror="window.pwned=1"><b>bold</b>'


def test_result_text_holding_markup_is_shown_as_text(server: LiveServer, chromium: Browser) -> None:
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
    page.goto(f"{server.url}/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    literal = MARKUP.replace("\\", "\\\\").replace('"', '\\"')
    query = (
        f'SELECT ?x ?iri WHERE {{ BIND("{literal}" AS ?x) BIND(IRI("urn:x:{literal}") AS ?iri) }}'
    )
    page.evaluate(
        "q => { const tab = window.bipmkgYasgui.getTab(); tab.setQuery(q); tab.query(); }", query
    )
    page.wait_for_selector(".yasr .dataTable tbody tr td", timeout=15000)
    page.wait_for_timeout(500)
    cells = page.locator(".yasr .dataTable tbody tr td")
    texts = [cells.nth(i).inner_text() for i in range(cells.count())]
    assert any(MARKUP in text for text in texts), texts
    assert page.locator(".yasr img, .yasr b").count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert page.evaluate("window.cspViolations || 0") == 0, violations
    assert not violations
