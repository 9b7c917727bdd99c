"""The README cannot drift: every command, make target and setting is documented."""

from __future__ import annotations

import re

from bipmkg import config
from bipmkg.cli.main import build_parser

README = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name in commands.choices:  # type: ignore[union-attr]
        assert f"bipmkg {name}" in README, f"`bipmkg {name}` missing from README.md"


def test_every_make_target_is_in_the_readme() -> None:
    makefile = (config.PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE):
        assert f"make {target}" in README, f"`make {target}` missing from README.md"


def test_every_setting_is_in_the_readme() -> None:
    source = (config.PROJECT_ROOT / "bipmkg" / "config.py").read_text(encoding="utf-8")
    for setting in set(re.findall(r"BIPMKG_[A-Z_]+", source)):
        assert setting in README, f"{setting} missing from README.md"


def test_quick_start_gives_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make serve" in quick and "make test" in quick


def test_every_web_setting_is_in_the_readme() -> None:
    from webapp.settings import SETTINGS

    for setting in SETTINGS:
        assert f"BIPMKG_{setting.name}" in README, f"BIPMKG_{setting.name} missing from README.md"


def test_every_route_is_in_the_readme() -> None:
    from webapp import create_app

    store = config.store_dir()
    if not (store / "bipmkg-manifest.json").is_file():
        from bipmkg.build import build_store

        build_store(store)
    app = create_app({"QUERY_WORKERS": 1})
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            assert f"`{rule.rule}`" in README or f"{rule.rule}?" in README, rule.rule
    finally:
        app.extensions["bipmkg"].engine.close()
