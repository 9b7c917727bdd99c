"""Pages for people and their machine twins: home, query page, search, downloads, VoID."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from bipmkg.linked_data.dumps import Dump, ensure_dumps, load_context
from bipmkg.linked_data.search import SearchIndex
from bipmkg.linked_data.void import count, describe_dataset
from bipmkg.query.examples import list_queries
from bipmkg.query.files import load_query
from bipmkg.rdf import namespaces
from bipmkg.rdf.formats import format_named, formats_for
from bipmkg.rdf.namespaces import KINDS
from bipmkg.store.manifest import MANIFEST

from .errors import HTTPError
from .kg import get_kg
from .language import LANGUAGES, page_language
from .negotiation import Offer, negotiate, vary

bp = Blueprint("pages", __name__)

#: Prefixes declared in the query editor, so examples and users' queries can use them.
PREFIXES = {
    p: namespaces.PREFIXES[p]
    for p in ("bkg", "org", "schema", "skos", "dcterms", "rdf", "rdfs", "xsd", "prov")
}
_INSTANCE_IRIS = load_query(__file__, "instance-iris")
#: Entry points of the home page: the kinds people start from.
ENTRY_KINDS = (
    "organisation",
    "agreement",
    "committee",
    "network",
    "programme",
    "event",
    "publication",
    "person",
    "place",
)


@bp.get("/")
def home() -> str:
    kg = get_kg()
    counts = kg.cached("counts", lambda: count(kg.selector))
    per_kind = kg.cached("per-kind", _per_kind)
    return render_template(
        "pages/home.html",
        counts=counts,
        per_kind=per_kind,
        entry_kinds=ENTRY_KINDS,
        queries=list_queries(),
        lang=page_language(),
    )


def _per_kind() -> dict[str, int]:
    rows = get_kg().selector.select(_INSTANCE_IRIS)
    counts = dict.fromkeys(KINDS, 0)
    for row in rows:
        kind = row["e"].split("/id/", 1)[1].split("/", 1)[0]
        if kind in counts:
            counts[kind] += 1
    return counts


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page declares."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)  # type: ignore[return-value]


@bp.get("/lang/<code>")
def switch_language(code: str) -> Response:
    """Set the page language and go back; `next` must be a path on this site."""
    if code not in LANGUAGES:
        abort(404, f"no language {code!r}; use {' or '.join(LANGUAGES)}")
    response = redirect(same_site_path(request.args.get("next", "/")), code=303)
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response  # type: ignore[return-value]


#: What may stay as it is in a redirect target: RFC 3986's reserved and unreserved characters,
#: and `%` so that escapes already there are kept, not escaped twice.
_URL_SAFE = "/?#[]@!$&'()*+,;=:-._~%"


def same_site_path(target: str) -> str:
    """`target` as a path on this site, as the browser will read it; "/" if it is not one.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/<TAB>/evil`
    and `/\\evil` would leave the site; and werkzeug refuses a newline in a header (a 500).
    Every character outside `_URL_SAFE` is percent-encoded first, so nothing is dropped or
    reinterpreted after the check: what is checked is what the browser follows.
    """
    quoted = urllib.parse.quote(target, safe=_URL_SAFE)
    if not quoted.startswith("/") or quoted.startswith("//"):
        return "/"
    return quoted


@bp.get("/query")
def query_page() -> str:
    return render_template("pages/query.html", queries=list_queries(), lang=page_language())


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


def _search(limit: int) -> tuple[str, list[dict[str, object]]]:
    text = request.args.get("q", "")
    kg = get_kg()
    index = kg.cached("search", lambda: SearchIndex.build(kg.selector))
    hits = index.search(text, limit=limit)
    return text, [
        {
            "iri": h.iri,
            "url": url_for("entities.entity", kind=h.kind, slug=h.iri.rsplit("/", 1)[-1]),
            "kind": h.kind,
            "label_en": h.label_en,
            "label_fr": h.label_fr,
            "matched": h.matched,
            "score": h.score,
        }
        for h in hits
    ]


@bp.get("/api/search")
def search_api() -> Response:
    limit = request.args.get("limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        raise HTTPError(400, "limit must be a whole number from 1 to 100")
    text, hits = _search(int(limit))
    response = jsonify(query=text, hits=hits)
    return response


@bp.get("/search")
def search_page() -> str:
    text = request.args.get("q", "")
    hits = _search(50)[1] if text.strip() else []
    return render_template("pages/search.html", q=text, hits=hits, lang=page_language())


# -- Dataset description and downloads ---------------------------------------------------------


def _dumps() -> list[Dump]:
    kg = get_kg()
    context = kg.cached("context", _context)
    return kg.cached("dumps", lambda: ensure_dumps(kg.store_dir, context))


def _context() -> dict[str, object]:
    """The JSON-LD context: the store's copy if the build left one, else the project's."""
    copy = get_kg().store_dir / "context.jsonld"
    return load_context(copy if copy.is_file() else None)


@bp.get("/context.jsonld")
def context() -> Response:
    body = json.dumps({"@context": get_kg().cached("context", _context)}, indent=2)
    return Response(body, content_type=format_named("jsonld").content_type)


#: The dataset's description is a graph, in any of the graph formats.
_VOID = Offer(formats_for("graph"), "the description is")


@bp.get("/.well-known/void")
def void() -> Response:
    kg = get_kg()
    fmt = negotiate(_VOID, accept=request.headers.get("Accept"), name=request.args.get("format"))
    assert fmt is not None and fmt.rdflib is not None  # no page is offered
    counts = kg.cached("counts", lambda: count(kg.selector))
    manifest = kg.store_dir / MANIFEST
    modified = dt.datetime.fromtimestamp(manifest.stat().st_mtime, tz=dt.UTC).isoformat(
        timespec="seconds"
    )
    fingerprint = str(json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint", ""))
    graph = describe_dataset(
        counts,
        _dumps(),
        base_url=request.host_url.rstrip("/"),
        modified=modified,
        fingerprint=fingerprint,
    )
    if fmt.name == "jsonld":
        from bipmkg.linked_data.dumps import compact_jsonld

        body = json.dumps(compact_jsonld(graph, kg.cached("context", _context)), indent=2)
    else:
        body = graph.serialize(format=fmt.rdflib)
    return vary(Response(body, content_type=fmt.content_type))


@bp.get("/download/")
def downloads() -> str:
    return render_template("pages/download.html", dumps=_dumps(), lang=page_language())


@bp.get("/download/<name>")
def download(name: str) -> Response:
    for dump in _dumps():
        if dump.filename == name:
            return send_file(
                Path(dump.path),
                mimetype=dump.format.media_type,
                as_attachment=False,
                download_name=dump.filename,
                etag=dump.sha256,
            )
    if name == "SHA256SUMS":
        sums = "".join(f"{d.sha256}  {d.filename}\n" for d in _dumps())
        return Response(sums, content_type="text/plain; charset=utf-8")
    abort(404, f"no download named {name!r}")
