"""The public origin the app names in links, redirects and descriptions: BASE_URL, never `Host`.

A client chooses the `Host` header: trusted, `Host: evil.example` would make the VoID
description, the service description, the query page and werkzeug's own redirects (a missing
trailing slash) name evil.example, and a cache in front would keep that for everyone. The
middleware below sets the scheme and host of every request's environment from BASE_URL before
Flask reads them, so `url_for(_external=True)`, `request.host_url` and werkzeug's redirects
all follow the setting whatever the client sent.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Where `bipmkg serve` answers by default; `bipmkg serve` passes its own --host and --port.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: str

    @property
    def netloc(self) -> str:
        default = {"http": "80", "https": "443"}[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_base_url(base_url: str) -> Origin:
    """The origin of `base_url` (scheme, host, port); ValueError unless it is only an origin."""
    parts = urllib.parse.urlsplit(base_url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
        parts = parts._replace(netloc="")
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            f"BASE_URL must be an origin such as https://kg.example.org or "
            f"http://127.0.0.1:5000 (no path, query or user), not {base_url!r}"
        )
    default = 443 if parts.scheme == "https" else 80
    return Origin(parts.scheme, parts.hostname, str(port or default))


class PublicOrigin:
    """WSGI middleware: each request is read as addressed to `origin`, whatever its Host."""

    def __init__(self, app: WSGIApplication, origin: Origin) -> None:
        self.app = app
        self.origin = origin

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["HTTP_HOST"] = self.origin.netloc
        environ["SERVER_NAME"] = self.origin.host
        environ["SERVER_PORT"] = self.origin.port
        environ["wsgi.url_scheme"] = self.origin.scheme
        return self.app(environ, start_response)
