"""`bipmkg build`: validation gates the store; serving needs no Turtle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from live import build, http, start_server

DATA = Path(__file__).parent / "data"


def run_build(store: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bipmkg",
            "build",
            "--store",
            str(store),
            "--data",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_invalid_data_is_refused_with_the_report_and_the_store_is_kept(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = run_build(store, DATA / "minimal.ttl")
    assert first.returncode == 0, first.stderr
    manifest = (store / "bipmkg-manifest.json").read_bytes()
    refused = run_build(
        store, DATA / "minimal.ttl", DATA / "invalid" / "Agreement-party--single-party.ttl"
    )
    assert refused.returncode == 1
    assert "Agreement party: an agreement names at least two parties" in refused.stdout
    assert "store was left unchanged" in refused.stderr
    assert (store / "bipmkg-manifest.json").read_bytes() == manifest


def test_build_reports_one_named_graph_per_file_and_skips_when_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    built = run_build(store, DATA / "minimal.ttl")
    assert "Built" in built.stdout
    assert "<https://w3id.org/bipmkg/graph/ontology>" in built.stdout
    assert "<https://w3id.org/bipmkg/graph/minimal>" in built.stdout
    again = run_build(store, DATA / "minimal.ttl")
    assert "up to date" in again.stdout
    graphs = json.loads((store / "bipmkg-manifest.json").read_text())["graphs"]
    assert [g["iri"].rsplit("/", 1)[-1] for g in graphs] == ["ontology", "minimal", "metrics"]


def test_the_server_answers_from_the_store_without_any_turtle(tmp_path: Path) -> None:
    build(tmp_path / "store")
    live = start_server(
        tmp_path / "store",
        {
            "BIPMKG_DATA_DIR": str(tmp_path / "absent"),
            "BIPMKG_ONTOLOGY_DIR": str(tmp_path / "absent"),
        },
        tmp_path / "log",
    )
    try:
        answer = http("GET", f"{live.url}/sparql?query=ASK%7B%3Fs%20a%20%3Fo%7D")
        assert answer.status == 200 and json.loads(answer.body)["boolean"] is True
    finally:
        live.stop()


def test_a_corrupt_store_is_not_served_and_readyz_says_why(tmp_path: Path) -> None:
    build(tmp_path / "store")
    for path in (tmp_path / "store").iterdir():
        if path.name != "bipmkg-manifest.json":
            if path.is_file():
                path.write_bytes(b"not a RocksDB file")
    live = start_server(tmp_path / "store", {}, tmp_path / "log", ready_path="/healthz")
    try:
        ready = http("GET", f"{live.url}/readyz")
        assert ready.status == 503 and "cannot be served" in ready.text
        assert http("GET", f"{live.url}/sparql?query=ASK%7B%7D").status == 503
        assert http("GET", f"{live.url}/healthz").status == 200
    finally:
        live.stop()


def test_a_build_killed_between_its_two_renames_is_put_back_and_leftovers_go(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    assert run_build(store, DATA / "minimal.ttl").returncode == 0
    dead, other = (_ended_pid(), _ended_pid())  # processes gone: their folders are leftovers
    # The moment of the crash: the old store retired, the new one complete but not yet renamed.
    new = tmp_path / f"store.building-{dead}"
    store.rename(tmp_path / f"store.retired-{dead}")
    shutil.copytree(tmp_path / f"store.retired-{dead}", new)
    (tmp_path / f"store.building-{other}").mkdir()  # an incomplete build (no manifest)
    assert not store.exists()
    live = start_server(store, {}, tmp_path / "server.log")
    try:
        assert http("GET", f"{live.url}/readyz").status == 200
    finally:
        live.stop()
    assert (store / "bipmkg-manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("store")) == ["store"]


def _ended_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)
