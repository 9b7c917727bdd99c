"""The documentation site builds strictly and offline, and every page and link in it holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docs_site import DOCS, ROOT, _Assets, broken_links, nav_pages, remote_assets


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    done = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return folder


def test_the_site_builds_strictly(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "operations" / "benchmarks.html").is_file()


def test_every_page_is_in_the_navigation() -> None:
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages == nav_pages(), (pages - nav_pages(), nav_pages() - pages)


def test_every_relative_link_resolves(site: Path) -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    assert broken_links(pages, site) == []


def test_the_site_loads_nothing_from_elsewhere(site: Path) -> None:
    assert remote_assets(site) == []


def test_the_asset_check_sees_remote_fonts_and_scripts() -> None:
    found = _Assets()
    found.feed(
        '<link rel="preconnect" href="https://fonts.gstatic.com"><script src="//cdn.example/x.js">'
        '</script><style>@font-face { src: url("https://fonts.example/f.woff2") }</style>'
        '<a href="https://example.org/">a link is no asset</a><img src="images/local.svg">'
    )
    assert len(found.remote) == 3, found.remote


def test_a_broken_link_and_a_missing_anchor_are_seen(site: Path, tmp_path: Path) -> None:
    graph_page = os.path.relpath(DOCS / "guide" / "graph.md", tmp_path)
    probe = tmp_path / "probe.md"
    probe.write_text(
        f"[gone](nowhere.md) [anchor]({graph_page}#no-such-heading) [fine]({graph_page}) "
        "`[code](x.md)`\n"
    )
    assert [b.rsplit(" (", 1)[1] for b in broken_links([probe], site)] == [
        "no such file)",
        "no such anchor)",
    ]


def test_a_benchmark_run_writes_its_tables_into_the_benchmarks_page(tmp_path: Path) -> None:
    """`make bench` copies its tables between the page's markers and its figure beside it:
    re-rendering the run the page shows gives the page as committed."""
    import json

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import report
    finally:
        sys.path.remove(str(ROOT / "bench"))
    page = tmp_path / report.DOCS_PAGE
    page.parent.mkdir(parents=True)
    committed = (ROOT / report.DOCS_PAGE).read_text(encoding="utf-8")
    before, rest = committed.split(report.DOCS_BEGIN, 1)
    _, after = rest.split(report.DOCS_END, 1)
    page.write_text(f"{before}{report.DOCS_BEGIN}\nold tables\n{report.DOCS_END}{after}")
    stamp = committed.split("Run of ", 1)[1].split(" ", 1)[0]
    run = json.loads((ROOT / "bench" / "results" / f"bench-{stamp}.json").read_text())
    report.update_docs(tmp_path, run["rows"], run["meta"])
    assert page.read_text(encoding="utf-8") == committed
    figure = (tmp_path / report.DOCS_FIGURE).read_text(encoding="utf-8")
    assert figure == (ROOT / report.DOCS_FIGURE).read_text(encoding="utf-8")
