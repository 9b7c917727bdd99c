"""Checks of the documentation site: its navigation, its links, and that it loads nothing remote.

`make docs` runs this file on the built site (`python tests/docs_site.py var/site`);
tests/test_docs_site.py runs the same checks.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: A Markdown link or image, [text](target) — not inside a code span or block (stripped first).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
REMOTE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", re.IGNORECASE)


def nav_pages(config: Path = ROOT / "mkdocs.yml") -> set[str]:
    """The pages named in mkdocs.yml's nav, relative to docs/."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.add(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)

    walk(yaml.safe_load(config.read_text(encoding="utf-8"))["nav"])
    return found


@dataclass(frozen=True)
class Link:
    source: Path
    target: str

    @property
    def path(self) -> str:
        return self.target.split("#", 1)[0]

    @property
    def anchor(self) -> str:
        return self.target.split("#", 1)[1] if "#" in self.target else ""


def relative_links(page: Path) -> Iterator[Link]:
    """The links of a Markdown page to other files (not to other sites, nor within code)."""
    text = CODE_SPAN.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    for found in LINK.finditer(text):
        target = found.group(1)
        if not REMOTE.match(target) and not target.startswith(("mailto:", "<")):
            yield Link(page, target)


def broken_links(pages: list[Path], site: Path | None = None) -> list[str]:
    """Links whose file does not exist, or (for docs pages, given the built site) whose anchor the
    page does not have."""
    broken = []

    def name(page: Path) -> str:
        return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)

    for page in pages:
        for link in relative_links(page):
            target = (page.parent / link.path).resolve() if link.path else page
            if not target.exists():
                broken.append(f"{name(page)}: {link.target} (no such file)")
                continue
            if link.anchor and site is not None and target.is_relative_to(DOCS):
                built = site / target.relative_to(DOCS).with_suffix(".html")
                if f'id="{link.anchor}"' not in built.read_text(encoding="utf-8"):
                    broken.append(f"{name(page)}: {link.target} (no such anchor)")
    return broken


class _Assets(HTMLParser):
    """Remote URLs that a page loads (scripts, styles, images, fonts, frames, preconnects): not
    the links a reader may follow (`<a href>`)."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            loads = name in ("src", "srcset", "data", "poster") or (
                name == "href" and tag in ("link", "base")
            )
            if loads and REMOTE.match(value.strip()):
                self.remote.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.remote.extend(CSS_URL.findall(value))

    def handle_data(self, data: str) -> None:
        self.remote.extend(CSS_URL.findall(data))


def remote_assets(site: Path) -> list[str]:
    """Every remote asset the built site would load, as `file: what`."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            parser = _Assets()
            parser.feed(path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(site)}: {url}" for url in parser.remote]
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(site)}: {url}" for url in CSS_URL.findall(text)]
    return found


def main(argv: list[str]) -> int:
    site = Path(argv[1]) if len(argv) > 1 else ROOT / "var" / "site"
    problems = remote_assets(site)
    for problem in problems:
        print(f"remote asset: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
