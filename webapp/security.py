"""Response headers that keep pages inert whatever the data holds.

The Content-Security-Policy lets pages run only the app's own scripts (no inline script, no
eval, no plugins, no framing); labels are escaped by Jinja in any case, so a label holding markup
is shown as text. Styles may be inline because YASGUI sets them.

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


def init_app(app: Flask) -> None:
    @app.before_request
    def strict_query_string() -> None:
        pairs(request.query_string, "query string")

    @app.after_request
    def secure(response: Response) -> Response:
        # One pass over the headers: werkzeug's setdefault scans them twice per name.
        present = {name.lower() for name in response.headers.keys()}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        return response
