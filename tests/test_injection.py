"""Values in route parameters never change what a request means: a property test (Hypothesis).

Search text, entity slugs and kinds, as-of dates, path endpoints and formats are bound or matched
in Python, never spliced into SPARQL. Whatever string is sent — quotes, `>`, `}`, `#`, new lines,
`\\u003E`, SPARQL fragments, around real names or alone — the answer holds exactly what the value
selects under the documented rule, computed here independently from the curated graph:

- /api/search: the hits are the entities with a name that matches the text (exact, prefix, every
  word a word prefix, or substring, ignoring case and accents), each with the name that matched;
- /id/<kind>/<slug>: the entity with exactly that kind and slug, or 404;
- /api/network?as_of=: that day's network for a YYYY-MM-DD date, 400 for anything else;
- /api/path?from=&to=: paths between exactly the bodies the two names resolve to, or 400;
- ?format= on entities and /sparql: the format of that name, or 400.

In-process (Flask test client) over a store built from the curated graph: tests/test_hostile.py
and tests/test_reliability.py send hostile values through a real server.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from bipmkg.linked_data.search import MAX_QUERY, SEARCHABLE, normalise
from bipmkg.rdf.formats import find_format, formats_for
from bipmkg.rdf.namespaces import BKG, ID_BASE, KINDS, split_instance_iri

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

#: Strings that would change a query's meaning if they were spliced into SPARQL or a path.
FRAGMENTS = [
    '"',
    "'",
    ">",
    "<",
    "}",
    "{",
    "#",
    "\n",
    "\r\n",
    "\\u003E",
    "\\",
    "%3E",
    "} UNION { ?s ?p ?o }",
    "<http://example.org/x>",
    "' ; DROP ALL ; '",
    '" . ?s ?p ?o . FILTER("',
    "?s ?p ?o",
    "*",
    "/",
    "..",
    ".ttl",
    "\x00",
    "\u202e",
    " ",
]
SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def decorated(names: list[str]) -> st.SearchStrategy[str]:
    """A real name, cut or not, with injection fragments around or inside it; or any text."""
    fragment = st.sampled_from(FRAGMENTS)
    name = st.sampled_from(names)

    @st.composite
    def around(draw: st.DrawFn) -> str:
        text = draw(name)
        if draw(st.booleans()):
            text = text[: draw(st.integers(1, max(1, len(text))))]
        pieces = [draw(fragment) for _ in range(draw(st.integers(0, 3)))]
        where = draw(st.sampled_from(["before", "after", "inside", "both"]))
        if where == "before":
            return "".join(pieces) + text
        if where == "after":
            return text + "".join(pieces)
        if where == "inside":
            cut = draw(st.integers(0, len(text)))
            return text[:cut] + "".join(pieces) + text[cut:]
        return "".join(pieces) + text + "".join(reversed(pieces))

    return st.one_of(
        around(),
        name,
        st.text(max_size=40),
        st.lists(fragment, min_size=1, max_size=4).map("".join),
    )


# -- Search -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def searchable(graph: Graph) -> dict[str, list[str]]:
    """Every searchable entity and its names (labels, other and former names, acronyms)."""
    names: dict[str, list[str]] = defaultdict(list)
    for predicate in (SKOS.prefLabel, SKOS.altLabel, BKG.acronym, BKG.formerName):
        for subject, name in graph.subject_objects(predicate):
            split = split_instance_iri(str(subject))
            if split is not None and split[0] in SEARCHABLE and normalise(str(name)):
                names[str(subject)].append(str(name))
    return dict(names)


def matches(name: str, text: str) -> bool:
    """The documented rule: exact name, name prefix, every word a word prefix, or substring."""
    wanted, have = normalise(text), normalise(name)
    words = have.split()
    return (
        have == wanted
        or have.startswith(wanted)
        or all(any(word.startswith(t) for word in words) for t in wanted.split())
        or wanted in have
    )


def test_search_hits_are_exactly_the_entities_the_text_names(
    client: FlaskClient, searchable: dict[str, list[str]], graph: Graph
) -> None:
    all_names = sorted({n for names in searchable.values() for n in names})
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(text=decorated(all_names))
    def check(text: str) -> None:
        answer = client.get("/api/search", query_string={"q": text, "limit": "100"})
        if len(text) > MAX_QUERY or not normalise(text):
            outcomes["refused"] += 1
            assert answer.status_code == 400, (text, answer.status_code)
            assert answer.get_data(as_text=True).strip()
            return
        assert answer.status_code == 200, (text, answer.get_data(as_text=True))
        payload = json.loads(answer.data)
        assert payload["query"] == text
        expected = {
            iri for iri, names in searchable.items() if any(matches(n, text) for n in names)
        }
        found = {hit["iri"] for hit in payload["hits"]}
        outcomes["hits" if found else "none"] += 1
        assert found <= expected, (text, found - expected)
        if len(expected) <= 100:
            assert found == expected, (text, expected - found)
        else:
            assert len(found) == 100
        for hit in payload["hits"]:
            assert hit["matched"] in searchable[hit["iri"]], hit
            assert matches(hit["matched"], text), (text, hit)
            labels = [
                o
                for o in graph.objects(URIRef(hit["iri"]), SKOS.prefLabel)
                if isinstance(o, Literal)
            ]
            english = {str(o) for o in labels if o.language == "en"}
            # A body named only in its own language (ccri-ii-kc: ASMW's German name) shows that.
            shown = english or {str(o) for o in labels} or {hit["matched"]}
            assert hit["label_en"] in shown, hit

    check()
    assert outcomes["hits"] >= 10 and outcomes["refused"] + outcomes["none"] >= 10, outcomes


# -- Entities -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def entities(graph: Graph) -> dict[str, set[str]]:
    """The slugs of every kind that has a description in the data."""
    slugs: dict[str, set[str]] = defaultdict(set)
    for subject in set(graph.subjects()):
        split = split_instance_iri(str(subject))
        if split is not None:
            slugs[split[0]].add(split[1])
    return dict(slugs)


SUFFIXES = {"ttl", "jsonld", "rdf", "nt"}


def canonical(page: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', page)
    return found.group(1) if found else None


def test_an_entity_route_answers_exactly_that_entity_or_404(
    client: FlaskClient, entities: dict[str, set[str]]
) -> None:
    known = sorted((k, slug) for k in ("organisation", "agreement") for slug in entities[k])
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(
        entity=st.sampled_from(known),
        data=st.data(),
        suffix=st.sampled_from(["", ".nt", ".ttl", "\n", ".nt\n", "%0A"]),
    )
    def check(entity: tuple[str, str], data: st.DataObject, suffix: str) -> None:
        kind = data.draw(st.one_of(st.just(entity[0]), decorated(list(KINDS))), label="kind")
        slug = data.draw(st.one_of(st.just(entity[1]), decorated([entity[1]])), label="slug")
        asked = slug + suffix
        path = f"/id/{urllib.parse.quote(kind, safe='')}/{urllib.parse.quote(asked, safe='')}"
        answer = client.get(path)
        if "/" in kind or "/" in asked or not kind:
            # Not this route: werkzeug decodes %2F before routing, and merges double slashes.
            assert answer.status_code in (404, 308), (path, answer.status_code)
            return
        if not asked:
            assert answer.status_code == (200 if kind in KINDS else 404), path  # the index
            return
        # The route's rule: a last dot-suffix naming an RDF form is taken off; any other is 404.
        base, dot, extension = asked.rpartition(".")
        if not dot:
            base = asked
        exists = kind in KINDS and (not dot or extension in SUFFIXES)
        exists = exists and base in entities.get(kind, set())
        outcomes[str(exists)] += 1
        if not exists:
            assert answer.status_code == 404, (path, answer.status_code)
            return
        assert answer.status_code == 200, (path, answer.get_data(as_text=True)[:300])
        iri = f"{ID_BASE}{kind}/{base}"
        body = answer.get_data(as_text=True)
        if not dot:
            assert answer.mimetype == "text/html" and canonical(body) == iri
            return
        parsed = Graph().parse(data=body, format="nt" if extension == "nt" else "turtle")
        typed = {
            str(subject)
            for subject in parsed.subjects(RDF.type, None)
            if (split_instance_iri(str(subject)) or ("", ""))[0] != "statement"
        }
        assert typed == {iri}, (path, typed)

    check()
    assert outcomes["True"] >= 5 and outcomes["False"] >= 10, outcomes


# -- As-of dates --------------------------------------------------------------------------------

DATES = ["2019-12-31", "2002-01-01", "2010-06-15", "2024-02-29"]


def as_of_expected(text: str) -> str | None:
    """The date a value names (YYYY-MM-DD, ASCII digits, a real day), "" for none, else None."""
    value = text.strip()
    if not value:
        return ""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def test_an_as_of_date_selects_that_day_or_is_400(client: FlaskClient) -> None:
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(
        text=st.one_of(
            decorated(DATES),
            st.sampled_from(
                ["2019-02-29", "2019-13-01", "٢٠١٩-١٢-٣١", "２０１９-１２-３１", " 2019-12-31\n"]
            ),
        )
    )
    def check(text: str) -> None:
        answer = client.get("/api/network", query_string={"as_of": text})
        expected = as_of_expected(text)
        outcomes["refused" if expected is None else "day"] += 1
        if expected is None:
            assert answer.status_code == 400, (text, answer.status_code)
            assert "as-of date" in answer.get_data(as_text=True)
            return
        assert answer.status_code == 200, (text, answer.get_data(as_text=True)[:300])
        payload = json.loads(answer.data)
        assert payload["as_of"] == (expected or None)
        for edge in payload["edges"]:
            if expected:
                assert edge["start"] and edge["start"][:10] <= expected, edge

    check()
    assert outcomes["day"] >= 5 and outcomes["refused"] >= 10, outcomes


# -- Path endpoints -----------------------------------------------------------------------------


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("ı", "i").split())


@pytest.fixture(scope="module")
def bodies(client: FlaskClient) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = json.loads(client.get("/api/network").data)["nodes"]
    return nodes


def resolve(bodies: list[dict[str, Any]], text: str) -> str | None:
    """The documented rule: IRI, else acronym, else English or French label, else IRI slug —
    ignoring case, accents and spacing; the first tier with a match decides, and it must be one."""
    wanted = text.strip()
    if not wanted:
        return None
    if any(b["iri"] == wanted for b in bodies):
        return wanted
    folded = fold(wanted)
    tiers = [
        lambda b: [b["acronym"]],
        lambda b: [b["label_en"], b["label_fr"]],
        lambda b: [re.split(r"[/#]", b["iri"].rstrip("/#"))[-1]],
    ]
    for names_of in tiers:
        found = {b["iri"] for b in bodies if any(fold(n or "") == folded for n in names_of(b))}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def test_path_endpoints_are_the_bodies_named_or_400(
    client: FlaskClient, bodies: list[dict[str, Any]]
) -> None:
    names = sorted(
        {n for b in bodies for n in (b["acronym"], b["label_en"], b["label_fr"], b["iri"]) if n}
    )
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(source=decorated(names), target=decorated(names))
    def check(source: str, target: str) -> None:
        answer = client.get("/api/path", query_string={"from": source, "to": target})
        a, b = resolve(bodies, source), resolve(bodies, target)
        outcomes["refused" if a is None or b is None else "resolved"] += 1
        if a is None or b is None:
            assert answer.status_code == 400, (source, target, answer.status_code)
            assert answer.get_data(as_text=True).strip()
            return
        assert answer.status_code == 200, (source, target, answer.get_data(as_text=True))
        payload = json.loads(answer.data)
        assert (payload["source"]["iri"], payload["target"]["iri"]) == (a, b)
        assert payload["connected"] == bool(payload["paths"])
        for found in payload["paths"]:
            assert found["bodies"][0]["iri"] == a and found["bodies"][-1]["iri"] == b

    check()
    assert outcomes["resolved"] >= 5 and outcomes["refused"] >= 10, outcomes


# -- Formats ------------------------------------------------------------------------------------


def test_a_format_parameter_selects_that_format_or_is_400(client: FlaskClient) -> None:
    graph_formats = formats_for("graph")
    solution_formats = formats_for("solutions")
    keys = sorted(
        {k for f in graph_formats + solution_formats for k in (f.name, f.extension, f.media_type)}
        | {"html"}
    )
    query = "SELECT ?p WHERE { <https://w3id.org/bipmkg/id/organisation/bipm> ?p ?o } LIMIT 1"
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(name=decorated(keys))
    def check(name: str) -> None:
        entity = client.get("/id/organisation/bipm", query_string={"format": name})
        chosen = find_format(name) if name else None
        outcomes["named" if chosen else "other"] += 1
        if not name or name == "html":
            assert entity.status_code == 200 and entity.mimetype == "text/html", name
        elif chosen in graph_formats:
            assert entity.status_code == 200, name
            assert chosen is not None and entity.mimetype == chosen.media_type, name
        else:
            assert entity.status_code == 400, (name, entity.status_code)
            assert "unknown format" in entity.get_data(as_text=True)
        sparql = client.get("/sparql", query_string={"query": query, "format": name})
        if not name:
            assert sparql.status_code == 200 and sparql.mimetype == solution_formats[0].media_type
        elif chosen in solution_formats:
            assert sparql.status_code == 200, name
            assert chosen is not None and sparql.mimetype == chosen.media_type, name
        else:
            assert sparql.status_code == 400, (name, sparql.status_code)
            assert "format" in sparql.get_data(as_text=True)

    check()
    assert outcomes["named"] >= 5 and outcomes["other"] >= 10, outcomes
