"""Every example of README.md and docs/ runs and shows what it prints (tests/docs_examples.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_examples import DOCUMENTS, ROOT, Servers, commands, matches, parse
from live import LiveServer


@pytest.fixture(scope="module")
def servers(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    started = Servers(server, {}, tmp_path_factory.mktemp("docs-servers"))
    yield started
    started.stop()


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_examples_run(
    path: Path, servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (".venv", "bench"):
        (tmp_path / name).symlink_to(ROOT / name)
    # The Python examples open the store the way a reader's do: the one BIPMKG_STORE_DIR names.
    monkeypatch.setenv("BIPMKG_STORE_DIR", str(servers.default.store_dir))
    monkeypatch.chdir(tmp_path)
    document = parse(path)
    document.namespace.update(servers=servers, cwd=tmp_path)
    for example in document.examples():
        example.evaluate()


def test_console_blocks_read_commands_and_their_output() -> None:
    block = "$ echo 'a\nb'\na\nb\n$ curl -s \\\n  x\n…\n"
    found = list(commands(block))
    assert [c.text for c in found] == ["echo 'a\nb'", "curl -s \\\n  x"]
    assert found[0].expected == ["a", "b"] and found[1].expected == ["…"]


def test_ellipses_match_text_and_lines() -> None:
    assert matches(["a…c"], ["abbbc"])
    assert matches(["x", "…", "z"], ["x", "1", "2", "z"])
    assert matches(["x", "…"], ["x"])
    assert not matches(["a…c"], ["abd"])
    assert not matches(["x"], ["x", "y"])


def test_every_document_is_run() -> None:
    on_disk = {ROOT / "README.md", *(ROOT / "docs").rglob("*.md")}
    assert set(DOCUMENTS) == on_disk
