"""/update — SPARQL Update for curators, validated before anything is written.

Off unless UPDATE_TOKEN is set; needs `Authorization: Bearer <token>`. See bipmkg.update.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from bipmkg.update import apply_update

from .errors import HTTPError
from .kg import get_kg

bp = Blueprint("update", __name__)


@bp.post("/update")
def update() -> Response:
    token = str(current_app.config["UPDATE_TOKEN"])
    if not token:
        raise HTTPError(403, "SPARQL Update is off on this server (no UPDATE_TOKEN is configured)")
    given = request.headers.get("Authorization", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.encode(), token.encode()):
        raise HTTPError(
            401,
            "a curator's token is required: Authorization: Bearer <token>",
            {"WWW-Authenticate": 'Bearer realm="bipmkg curators"'},
        )
    if request.mimetype == "application/sparql-update":
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPError(400, f"the update body is not valid UTF-8: {exc}") from exc
    elif request.mimetype == "application/x-www-form-urlencoded":
        text = request.form.get("update", "")
    else:
        raise HTTPError(
            415,
            "POST an update as application/sparql-update or as a form field update=…, "
            f"not {request.mimetype or 'no content type'}",
        )
    if not text.strip():
        raise HTTPError(400, "the update is empty")
    kg = get_kg()
    data_dir = str(current_app.config["DATA_DIR"])
    result = apply_update(
        text, data_dir=Path(data_dir) if data_dir else None, store_dir=kg.store_dir
    )
    if result.build is not None:
        kg.refresh()
    return jsonify(
        changed_files=list(result.changed_files),
        triples_added=result.added,
        triples_removed=result.removed,
    )
