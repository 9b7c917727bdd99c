"""Where a remote store's SPARQL server answers: its three URLs and the credentials for them.

Apart from the client (bipmkg.store.remote) so that the manifest's fingerprint and the backend
table can name an endpoint without importing the HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bipmkg import config
from bipmkg.errors import RemoteError


@dataclass(frozen=True)
class Endpoint:
    """Where the remote server answers; credentials stay in the environment, never on disk."""

    query_url: str
    update_url: str
    store_url: str
    user: str = ""
    password: str = ""
    token: str = ""

    def public(self) -> dict[str, str]:
        """The URLs, as recorded in the store's manifest (no credentials)."""
        return {"query": self.query_url, "update": self.update_url, "store": self.store_url}


def endpoint_from_env(recorded: Mapping[str, str] | None = None) -> Endpoint:
    """The endpoint from BIPMKG_REMOTE_* variables, else the URLs recorded at build time.

    BIPMKG_REMOTE_URL is a server's base (Oxigraph: /query, /update, /store); the three
    BIPMKG_REMOTE_{QUERY,UPDATE,STORE}_URL variables name each endpoint (Fuseki: /ds/query,
    /ds/update, /ds/data) and win over the base.
    """
    settings = config.remote_environment()
    base = settings["REMOTE_URL"].rstrip("/")
    known = dict(recorded or {})

    def pick(name: str, suffix: str) -> str:
        chosen = settings[f"REMOTE_{name.upper()}_URL"]
        if not chosen and base:
            chosen = f"{base}/{suffix}"
        return chosen or known.get(name, "")

    endpoint = Endpoint(
        query_url=pick("query", "query"),
        update_url=pick("update", "update"),
        store_url=pick("store", "store"),
        user=settings["REMOTE_USER"],
        password=settings["REMOTE_PASSWORD"],
        token=settings["REMOTE_TOKEN"],
    )
    missing = [k for k, v in endpoint.public().items() if not v]
    if missing:
        raise RemoteError(
            "the remote store needs its endpoints: set BIPMKG_REMOTE_URL (a server's base URL) "
            "or BIPMKG_REMOTE_QUERY_URL, BIPMKG_REMOTE_UPDATE_URL and BIPMKG_REMOTE_STORE_URL "
            f"(missing: {', '.join(missing)})"
        )
    for url in endpoint.public().values():
        if not url.startswith(("http://", "https://")):
            raise RemoteError(f"the remote endpoint {url!r} is not an http(s) URL")
    return endpoint
