"""The README's picture of the network page, taken from the real graph in headless chromium.

`make picture` builds the store, serves it with `bipmkg serve`'s defaults, opens the view a reader
gets from the URL below (bodies sized by PageRank, coloured by community, force-directed layout)
in a 1600 × 1100 window and saves the drawing to docs/img/network.png. Run it after the graph
changes; the README says what the picture shows.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from browser import browser, wait_until
from servers import ROOT, start_bipmkg

OUTPUT = ROOT / "docs" / "img" / "network.png"
VIEW = "/graph?size=pagerank&colour=community&layout=cose&hide_links=mentioned"


def take_picture(store: Path, output: Path, settle_ms: int) -> None:
    """Serve the store, open /graph and save the drawing once its layout has settled."""
    with tempfile.TemporaryDirectory() as scratch:
        running = start_bipmkg(store, Path(scratch) / "server.log")
        try:
            base = running.query_url.removesuffix("/sparql")
            with browser() as chromium:
                page = chromium.new_page(viewport={"width": 1600, "height": 1100})
                page.goto(base + VIEW)
                wait_until(page, "window.bipmkgGraph && window.bipmkgGraph.ready", 60)
                # The force layout keeps moving after the first draw; the picture is of its rest.
                page.wait_for_timeout(settle_ms)
                page.click("#fit")  # the layout's own fit counts the hidden links' bodies too
                page.wait_for_timeout(500)
                output.parent.mkdir(parents=True, exist_ok=True)
                page.locator("#cy").screenshot(path=str(output))
        finally:
            running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--settle-ms", type=int, default=3000)
    args = parser.parse_args()
    take_picture(args.store, args.output, args.settle_ms)
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
