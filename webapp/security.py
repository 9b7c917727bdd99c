"""Response headers that keep pages inert whatever the data holds, and the one CORS hook.

The Content-Security-Policy lets pages run only the app's own scripts (no inline script, no
eval, no plugins, no framing); labels are escaped by Jinja in any case, so a label holding markup
is shown as text. Styles may be inline because YASGUI sets them.

Every public answer may be read by a script of any origin (`Access-Control-Allow-Origin: *`,
with the endpoint's own headers exposed): the data is open and no answer depends on cookies or
credentials. Curators' routes (`/update…`) are left out, so that no other site's script is invited
to send them a token.

Before any view, a query string that is not UTF-8 once percent-decoded is refused (400) rather
than read with U+FFFD in place of its bad bytes (webapp.params).
"""

from __future__ import annotations

from flask import Flask, Response, request

from .params import pairs

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; connect-src 'self'"
)

#: Set on every answer unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


#: Set on every public answer (not on curators' routes), unless the view set its own.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Expose-Headers",
        "X-SPARQL-Rows, X-SPARQL-Row-Cap, X-SPARQL-Byte-Cap, X-SPARQL-Truncated, X-SPARQL-Cache, "
        "ETag",
    ),
)
_PUBLIC_HEADERS = SECURITY_HEADERS + CORS_HEADERS
_CURATORS = "/update"


def init_app(app: Flask) -> None:
    @app.before_request
    def strict_query_string() -> None:
        pairs(request.query_string, "query string")

    @app.after_request
    def secure(response: Response) -> Response:
        # One pass over the headers: werkzeug's setdefault scans them twice per name.
        present = {name.lower() for name in response.headers.keys()}
        wanted = SECURITY_HEADERS if request.path.startswith(_CURATORS) else _PUBLIC_HEADERS
        for name, value in wanted:
            if name.lower() not in present:
                response.headers.add(name, value)
        return response
