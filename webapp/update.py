"""/update and /update/data — curators' changes, validated before anything is written.

Off unless UPDATE_TOKEN is set; both need `Authorization: Bearer <token>`. `/update` takes SPARQL
Update (bipmkg.curation.update); `/update/data?graph=…` takes RDF, replacing (PUT) or adding to
(POST)
one curated file's graph (bipmkg.curation.upload). At start-up, with updates on, a write cut short
by a
crash is completed or undone and a store that lags the files is rebuilt
(bipmkg.curation.update.recover).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from bipmkg import config
from bipmkg.errors import BipmkgError
from bipmkg.linked_data.dumps import load_context

from .errors import HTTPError
from .kg import KnowledgeGraph, get_kg
from .params import body, pairs
from .throttle import get_throttle, same_token

if TYPE_CHECKING:
    from bipmkg.curation.update import UpdateResult

# bipmkg.curation.update and bipmkg.curation.upload (rdflib's SPARQL, pyshacl) are imported when a
# curator's
# request comes: most servers never take one, and every server must start within a second.

bp = Blueprint("update", __name__)


def init_app(app: Flask) -> None:
    """With updates on, settle what a crash left before the store is opened."""
    if not str(app.config["UPDATE_TOKEN"]):
        return
    data_dir = Path(str(app.config["DATA_DIR"]) or config.data_dir())
    store_dir = Path(str(app.config["STORE_DIR"]) or config.store_dir())
    from bipmkg.curation.update import recover

    try:
        result = recover(data_dir=data_dir, store_dir=store_dir)
    except BipmkgError as exc:
        app.logger.error("could not recover %s after a crash: %s", data_dir, exc)
        return
    if result.changed:
        app.logger.warning(
            "recovered %s: completed %s, removed %s, store rebuilt: %s",
            data_dir,
            list(result.completed),
            list(result.removed),
            result.rebuilt,
        )


@bp.post("/update")
def update() -> Response:
    _require_curator()
    if request.mimetype == "application/sparql-update":
        try:
            text = body(writes=True).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPError(400, f"the update body is not valid UTF-8: {exc}") from exc
    elif request.mimetype == "application/x-www-form-urlencoded":
        fields = pairs(body(writes=True), "form body")
        text = next((value for name, value in fields if name == "update"), "")
    else:
        raise HTTPError(
            415,
            "POST an update as application/sparql-update or as a form field update=…, "
            f"not {request.mimetype or 'no content type'}",
        )
    if not text.strip():
        raise HTTPError(400, "the update is empty")
    kg = get_kg()
    from bipmkg.curation.update import UpdateLimits, apply_update

    limits = UpdateLimits(
        timeout_s=float(current_app.config["UPDATE_TIMEOUT_S"]),
        memory_limit_mb=int(current_app.config["WORKER_MEMORY_MB"]),
        sandbox=bool(int(current_app.config["WORKER_SANDBOX"])),
    )
    return _answer(
        kg, apply_update(text, data_dir=_data_dir(), store_dir=kg.store_dir, limits=limits)
    )


@bp.route("/update/data", methods=["PUT", "POST"])
def upload() -> Response:
    """Graph-Store-Protocol-like: PUT replaces the named file's graph, POST adds to it."""
    from bipmkg.curation.upload import apply_upload, upload_formats

    _require_curator()
    graph = request.args.get("graph", "")
    if not graph.strip():
        raise HTTPError(400, "name the curated graph: ?graph=<graph IRI or file name>")
    if request.mimetype not in upload_formats():
        known = ", ".join(sorted(upload_formats()))
        raise HTTPError(
            415, f"send RDF as one of {known}, not {request.mimetype or 'no content type'}"
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HTTPError(415, f"uploads are read as UTF-8, not {charset}")
    data = body(writes=True)
    if not data.strip():
        raise HTTPError(400, "the upload is empty")
    kg = get_kg()
    result = apply_upload(
        data,
        request.mimetype,
        graph=graph,
        replace=request.method == "PUT",
        data_dir=_data_dir(),
        store_dir=kg.store_dir,
        context=kg.cached("context", lambda: _context(kg)),
    )
    return _answer(kg, result)


def _require_curator() -> None:
    token = str(current_app.config["UPDATE_TOKEN"])
    if not token:
        raise HTTPError(403, "curators' updates are off on this server (no UPDATE_TOKEN is set)")
    client = request.remote_addr or "unknown"
    throttle = get_throttle(current_app)
    throttle.check(client)  # before the token is read: a back-off answers the same to any token
    given = request.headers.get("Authorization", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() == "bearer" and same_token(credentials, token):
        throttle.succeeded(client)
        return
    if scheme.lower() == "bearer":
        # Only an offered token counts: a client asking without one (to get the challenge) is
        # not guessing.
        failure = throttle.failed(client)
        current_app.logger.warning(
            "wrong curator token from %s on %s %s (%d in a row%s)",
            client,
            request.method,
            request.path,
            failure.failures,
            f"; refused for {failure.backoff_s:g} s" if failure.backoff_s else "",
        )
    raise HTTPError(
        401,
        "a curator's token is required: Authorization: Bearer <token>",
        {"WWW-Authenticate": 'Bearer realm="bipmkg curators"'},
    )


def _data_dir() -> Path | None:
    data_dir = str(current_app.config["DATA_DIR"])
    return Path(data_dir) if data_dir else None


def _context(kg: KnowledgeGraph) -> dict[str, Any]:
    """The project's JSON-LD context: the store's copy if the build left one."""
    copy = kg.store_dir / "context.jsonld"
    return load_context(copy if copy.is_file() else None)


def _answer(kg: KnowledgeGraph, result: UpdateResult) -> Response:
    if result.build is not None:
        kg.refresh()
    return jsonify(
        changed_files=list(result.changed_files),
        triples_added=result.added,
        triples_removed=result.removed,
    )
