"""The one content negotiation (webapp.negotiation) and the one format table it reads.

The function is called directly: no app, no server. The routes' own tests (test_sparql_endpoint,
test_linked_data, test_injection) check the same rules through HTTP.
"""

from __future__ import annotations

import pytest

from bipmkg.rdf.formats import FORMATS, find_format, format_named, formats_for, rdf_formats
from webapp.errors import HTTPError
from webapp.negotiation import HTML, Offer, negotiate

RESULTS = Offer(
    formats_for("solutions"),
    "this query's results are",
    known=formats_for("graph", "dataset"),
    expresses="SELECT/ASK results",
)
GRAPHS = Offer(formats_for("graph", "dataset"), "this query's results are")
ENTITY = Offer(formats_for("graph"), "this resource is", page="first")
DESCRIPTION = Offer((format_named("turtle"),), "the description is", page="last", fallback=True)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def name_of(offer: Offer, accept: str | None, name: str | None = None) -> str:
    chosen = negotiate(offer, accept=accept, name=name)
    return "page" if chosen is None else chosen.name


def refusal(offer: Offer, accept: str | None, name: str | None = None) -> HTTPError:
    with pytest.raises(HTTPError) as caught:
        negotiate(offer, accept=accept, name=name)
    return caught.value


# -- Accept: defaults, q-values, wildcards, ties -------------------------------------------------


@pytest.mark.parametrize("accept", [None, "", " ", ","])
def test_no_accept_or_one_naming_nothing_gets_the_first_offer(accept: str | None) -> None:
    assert name_of(RESULTS, accept) == "json"
    assert name_of(GRAPHS, accept) == "turtle"
    assert name_of(ENTITY, accept) == "page"
    assert name_of(DESCRIPTION, accept) == "turtle"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "xml"),
        ("application/sparql-results+xml;q=0.1, text/csv;q=0.2", "csv"),
        ("text/csv;q=0, text/*", "tsv"),  # q=0 refuses a type that a wildcard would allow
        ("text/*, text/csv;q=0.1", "tsv"),  # the most specific range gives a type its quality
    ],
)
def test_the_highest_q_value_wins(accept: str, expected: str) -> None:
    assert name_of(RESULTS, accept) == expected


@pytest.mark.parametrize(
    ("offer", "accept", "expected"),
    [
        (RESULTS, "*/*", "json"),
        (RESULTS, "text/*", "csv"),
        (GRAPHS, "*/*", "turtle"),
        # Each format's own media type before any alias: not turtle by application/x-turtle.
        (GRAPHS, "application/*", "jsonld"),
        (ENTITY, "*/*", "page"),
        (ENTITY, "text/*", "page"),
    ],
)
def test_wildcards_match_in_the_order_offered(offer: Offer, accept: str, expected: str) -> None:
    assert name_of(offer, accept) == expected


def test_a_tie_goes_to_the_more_specific_match_then_to_the_first_offered() -> None:
    assert name_of(RESULTS, "text/*;q=0.9, text/tab-separated-values;q=0.9") == "tsv"
    assert name_of(RESULTS, "text/tab-separated-values, text/csv") == "csv"
    assert name_of(ENTITY, "text/turtle, text/html") == "page"
    assert name_of(ENTITY, "text/html;q=0.5, text/turtle;q=0.9") == "turtle"


@pytest.mark.parametrize(
    ("offer", "accept", "expected"),
    [
        (RESULTS, "application/json", "json"),
        (RESULTS, "text/xml", "xml"),
        (ENTITY, "text/plain", "ntriples"),
        (ENTITY, "application/x-turtle", "turtle"),
    ],
)
def test_aliases_count_as_their_format(offer: Offer, accept: str, expected: str) -> None:
    assert name_of(offer, accept) == expected


def test_a_page_offered_last_goes_only_to_a_client_that_prefers_it() -> None:
    assert name_of(DESCRIPTION, BROWSER) == "page"
    assert name_of(DESCRIPTION, "text/html,*/*;q=0.8") == "page"
    assert name_of(DESCRIPTION, "*/*") == "turtle"
    assert name_of(DESCRIPTION, "text/html, text/*") == "turtle"  # equal q: the description
    assert name_of(DESCRIPTION, "text/html;q=0.5, text/turtle") == "turtle"


def test_a_page_offered_first_goes_to_browsers() -> None:
    assert name_of(ENTITY, BROWSER) == "page"
    assert name_of(ENTITY, "text/turtle") == "turtle"


# -- Refusals ------------------------------------------------------------------------------------


def test_an_unservable_accept_is_406_naming_what_is_available() -> None:
    error = refusal(RESULTS, "image/png")
    assert error.status == 406
    assert error.message == (
        "cannot answer in image/png; this query's results are available as "
        "application/sparql-results+json, application/sparql-results+xml, text/csv, "
        "text/tab-separated-values"
    )
    page = refusal(ENTITY, "image/png, text/html;q=0")
    assert page.status == 406
    assert page.message.endswith(
        "this resource is available as text/html, text/turtle, application/ld+json, "
        "application/rdf+xml, application/n-triples"
    )
    assert "text/plain" not in page.message  # aliases are not advertised


def test_a_fallback_answers_an_unservable_accept() -> None:
    assert name_of(DESCRIPTION, "image/png") == "turtle"


# -- The format parameter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["csv", "text/csv", "json", "srj", "application/json", "application/sparql-results+json"],
)
def test_a_format_parameter_names_a_format_by_name_suffix_media_type_or_alias(name: str) -> None:
    chosen = negotiate(RESULTS, accept="image/png", name=name)
    assert chosen is not None and chosen is find_format(name)


def test_html_names_the_page_only_where_one_is_offered() -> None:
    assert name_of(ENTITY, "text/turtle", "html") == "page"
    error = refusal(RESULTS, None, "html")
    assert error.status == 400 and error.message.startswith("unknown format 'html'; known: json")


def test_a_known_format_that_cannot_express_the_answer_is_400_saying_so() -> None:
    error = refusal(RESULTS, None, "turtle")
    assert error.status == 400
    assert error.message == (
        "format turtle cannot express SELECT/ASK results; use one of json, xml, csv, tsv"
    )


def test_an_unknown_format_is_400_naming_the_known_ones() -> None:
    error = refusal(RESULTS, None, "yaml")
    assert error.status == 400
    assert error.message == (
        "unknown format 'yaml'; known: json, xml, csv, tsv, turtle, jsonld, rdfxml, ntriples, "
        "trig, nquads"
    )
    entity = refusal(ENTITY, None, "json")  # a results format is not an entity's
    assert entity.message == "unknown format 'json'; known: html, turtle, jsonld, rdfxml, ntriples"
    assert refusal(RESULTS, None, "graphml").message.startswith("unknown format 'graphml'")


def test_refusals_are_not_memoised() -> None:
    for _ in range(2):
        assert refusal(RESULTS, "image/png").status == 406


# -- The format table ----------------------------------------------------------------------------


def test_every_key_names_one_format() -> None:
    keys = [k for f in FORMATS for k in {f.name, f.extension, *f.media_types}]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert HTML not in keys and "html" not in keys  # the page is not a format


def test_the_table_says_what_each_format_expresses() -> None:
    assert [f.name for f in formats_for("network")] == ["csv", "graphml", "gexf"]
    assert [f.name for f in formats_for("dataset")] == ["trig", "nquads"]
    for fmt in rdf_formats():
        assert fmt.w3c, fmt.name  # named in the service description
    for fmt in formats_for("graph", "dataset"):
        assert fmt.rdflib and fmt.oxigraph, fmt.name  # written by both libraries


def test_openapi_lists_the_tables_media_types() -> None:
    from webapp.openapi import document

    paths = document()["paths"]
    results = paths["/sparql"]["get"]["responses"]["200"]["content"]
    assert list(results) == [f.media_type for f in rdf_formats()]
    uploads = paths["/update/data"]["put"]["requestBody"]["content"]
    assert list(uploads) == [f.media_type for f in formats_for("graph")]
