"""Pages for people: the home page and the query page (YASGUI), with their machine twins."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, url_for

from bipmkg.sparql import list_queries

from .kg import get_kg

bp = Blueprint("pages", __name__)

#: Prefixes declared in the query editor, so examples and users' queries can use them.
PREFIXES = {
    "bkg": "https://w3id.org/bipmkg/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
}


@bp.get("/")
def home() -> str:
    return render_template("pages/home.html", graphs=get_kg().graphs, queries=list_queries())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page declares."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)  # type: ignore[return-value]


@bp.get("/query")
def query_page() -> str:
    return render_template("pages/query.html", queries=list_queries())


@bp.get("/api/queries")
def example_queries() -> Response:
    """The example queries (competency questions) as data: the query page's machine twin."""
    return jsonify(
        prefixes=PREFIXES,
        queries=[
            {"name": q.name, "title": q.title, "description": q.description, "query": q.text}
            for q in list_queries()
        ],
    )
