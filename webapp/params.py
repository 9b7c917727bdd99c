"""Request parameters read strictly: percent-decoded as UTF-8, or a 400 that says where.

werkzeug decodes a byte that is not UTF-8 as U+FFFD, which would silently change what a value
selects (a literal in a query, a search text). Every query string is checked before any view
(`webapp.security` registers the check); /sparql reads its form bodies with `pairs` too, and
its bodies with `body`, which refuses a chunked body over the limit instead of cutting it.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Sequence

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import HTTPError

#: The servers whose request body raises when chunked framing is malformed: gunicorn (its
#: ParseException, answered 400 by webapp.errors) and werkzeug's development server. granian's
#: WSGI interface (2.8) ends the body silently at the fault instead: the app cannot tell the rest
#: is missing. A front that reads the whole body first says it checked the framing by setting
#: `CHUNKS_CHECKED` in the environment.
_CHUNK_CHECKING_INPUTS = ("gunicorn.", "werkzeug.")
CHUNKS_CHECKED = "bipmkg.chunks_checked"


def body(*, writes: bool = False) -> bytes:
    """The request body; 413 past MAX_BODY_BYTES, whether or not a Content-Length was sent.

    werkzeug refuses a declared length over the limit, but stops reading a chunked body at the
    limit and returns what it read: the query would be cut short, not refused. A body that
    `writes` the data must be known whole: chunked, it is refused (411) unless the server
    checks the chunks, because a PUT of a body cut short at a bad chunk would replace a file
    with part of it.
    """
    if writes and request.content_length is None and _chunked() and not _chunks_checked():
        raise HTTPError(
            411,
            "send a curator's change with a Content-Length: this HTTP server cannot tell a "
            "malformed chunked body from a complete one",
        )
    data = request.get_data(cache=False)
    limit = request.max_content_length
    if limit is not None and request.content_length is None and len(data) >= limit:
        if request.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
    return data


def _chunked() -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _chunks_checked() -> bool:
    if request.environ.get(CHUNKS_CHECKED):
        return True
    return type(request.environ["wsgi.input"]).__module__.startswith(_CHUNK_CHECKING_INPUTS)


def known_parameters(*names: str) -> None:
    """400 naming the first query parameter the route does not take.

    A misspelt filter (`?knd=event`) would otherwise be ignored and answer everything.
    """
    for name, _ in pairs(request.query_string, "query string"):
        if name not in names:
            raise HTTPError(
                400, f"unknown parameter {name[:40]!r}; {request.path} takes {', '.join(names)}"
            )


def choice(name: str, allowed: Sequence[str]) -> str:
    """The value of `name`, one of `allowed` or empty (no filter); 400 naming them otherwise."""
    value = request.args.get(name, "")
    if value and value not in allowed:
        raise HTTPError(
            400,
            f"unknown {name} {value[:40]!r}; {request.path} takes {name}= one of "
            f"{', '.join(allowed)}, or none for all",
        )
    return value


#: Query strings up to this long are decoded once and remembered: clients send the same ones
#: again and again, and every request decodes its query string twice (the check before any view,
#: then the view's own reading).
_MEMO_BYTES = 4096


def pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """The name/value pairs of a query string or form body, percent-decoded as strict UTF-8."""
    if len(raw) <= _MEMO_BYTES:
        return list(_decoded_pairs(raw, where))
    return list(_decode_pairs(raw, where))


@functools.lru_cache(maxsize=1024)
def _decoded_pairs(raw: bytes, where: str) -> tuple[tuple[str, str], ...]:
    # A refusal raises, and lru_cache keeps no exception: it is decoded (and refused) each time.
    return _decode_pairs(raw, where)


def _decode_pairs(raw: bytes, where: str) -> tuple[tuple[str, str], ...]:
    decoded_pairs = []
    for field in raw.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        decoded = []
        for part in (name, value):
            octets = urllib.parse.unquote_to_bytes(part.replace(b"+", b" "))
            try:
                decoded.append(octets.decode("utf-8"))
            except UnicodeDecodeError as exc:
                shown = name.decode("ascii", "backslashreplace")[:40]
                raise HTTPError(
                    400,
                    f"the {where} is not valid UTF-8 in {shown}= (byte 0x{octets[exc.start]:02x} "
                    f"at {exc.start}: {exc.reason}); percent-encode the UTF-8 bytes of the text",
                ) from exc
        decoded_pairs.append((decoded[0], decoded[1]))
    return tuple(decoded_pairs)
