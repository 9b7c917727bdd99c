"""`bipmkg synth`: deterministic, conforming, with exactly the violations asked for."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bipmkg.rdf.synth import VIOLATED_SHAPES, synthesise
from bipmkg.validation.validate import validate


def test_same_seed_same_file_and_the_data_conforms(tmp_path: Path) -> None:
    first = synthesise(tmp_path / "a.ttl", triples=2000, seed=7)
    second = synthesise(tmp_path / "b.ttl", triples=2000, seed=7)
    other = synthesise(tmp_path / "c.ttl", triples=2000, seed=8)
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()
    assert (tmp_path / "a.ttl").read_bytes() != (tmp_path / "c.ttl").read_bytes()
    assert first.triples >= 2000 and first.triples == second.triples and other.triples >= 2000
    report = validate([tmp_path / "a.ttl"], include_warnings=False)
    assert report.conforms, report.as_text()


def test_violations_are_counted_per_shape(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bipmkg",
            "synth",
            "--triples",
            "1500",
            "--seed",
            "3",
            "--violations",
            "3",
            "--output",
            str(tmp_path / "v.ttl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "15 deliberate violations" in done.stdout
    report = validate([tmp_path / "v.ttl"], include_warnings=False)
    counts = Counter(r.shape.rsplit("#", 1)[1] for r in report.violations)
    assert counts == dict.fromkeys(VIOLATED_SHAPES, 3)
