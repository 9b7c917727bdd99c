"""Map typed errors to 4xx/503/507 answers with a message that says what is wrong.

Anything not listed here is a bug and stays a 500. A data folder that refuses a curator's write
answers 507 Insufficient Storage when the disk is full, 503 when it is read-only or failing:
the server is fine and reads go on, but it cannot store the change now. A request body whose
chunked framing is malformed (a bad chunk size, a missing terminator, the end cut off) is the
client's fault: 400, and the connection is closed, since where the next request starts is unknown.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import ClientDisconnected, HTTPException

from bipmkg.errors import (
    BipmkgError,
    DataLoadError,
    EngineBusy,
    QueryAborted,
    QueryError,
    QueryTimeout,
    RemoteError,
    StorageError,
    StorageFull,
    StoreError,
    UpdateAborted,
    UpdateTimeout,
    ValidationFailed,
)


class HTTPError(Exception):
    """An answer the web layer decides on (415, 406, 401…), with its message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


STATUS_OF: tuple[tuple[type[BipmkgError], int], ...] = (
    (QueryTimeout, 503),
    (QueryAborted, 503),
    (EngineBusy, 503),
    (UpdateTimeout, 503),
    (UpdateAborted, 503),
    (ValidationFailed, 422),
    (QueryError, 400),
    (DataLoadError, 400),
    (StoreError, 503),
    (StorageFull, 507),
    (StorageError, 503),
    (RemoteError, 503),
)


def malformed_body_errors() -> tuple[type[Exception], ...]:
    """What the HTTP server raises while the app reads a body with malformed chunked framing.

    gunicorn raises its own parse errors (InvalidChunkSize, ChunkMissingTerminator…) and
    NoMoreData from `wsgi.input`; other servers raise none of them.
    """
    try:
        from gunicorn.http.errors import NoMoreData, ParseException  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - gunicorn is a dependency; granian needs none
        return ()
    return (ParseException, NoMoreData)


def malformed_body(detail: str) -> Response:
    return error_response(
        400,
        f"the request body is malformed ({detail}): send a Content-Length, or valid chunked "
        "transfer coding ending with a zero-size chunk",
        {"Connection": "close"},
    )


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(f"{status} {message}\n", status=status, mimetype="text/plain")
    if status == 503:
        response.headers["Retry-After"] = "5"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(BipmkgError)
    def on_bipmkg_error(exc: BipmkgError) -> Response:
        for kind, status in STATUS_OF:
            if isinstance(exc, kind):
                return error_response(status, str(exc))
        return error_response(400, str(exc))

    @app.errorhandler(HTTPError)
    def on_http_error(exc: HTTPError) -> Response:
        return error_response(exc.status, exc.message, exc.headers)

    for kind in malformed_body_errors():

        @app.errorhandler(kind)
        def on_malformed_body(exc: Exception) -> Response:
            return malformed_body(f"{type(exc).__name__}: {exc}")

    @app.errorhandler(HTTPException)
    def on_werkzeug_error(exc: HTTPException) -> Response:
        if isinstance(exc, ClientDisconnected):
            return malformed_body("it ended before its declared length or final chunk")
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            message = (
                f"the request body is larger than {app.config['MAX_BODY_BYTES']} bytes "
                "(setting MAX_BODY_BYTES)"
            )
        if status == 405:
            allowed = ", ".join(exc.valid_methods or [])  # type: ignore[attr-defined]
            message = f"{request.method} is not allowed here; use {allowed}"
        response = error_response(status, message)
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                response.headers["Allow"] = value
        return response
