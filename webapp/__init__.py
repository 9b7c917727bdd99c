"""The Flask front end of bipmkg: SPARQL, entity pages, search, network, downloads.

`create_app(test_config=None)`: defaults from `bipmkg.config.WEB_SETTINGS`, then `BIPMKG_*`
environment
variables, then the test config (flaskr's factory). It adapts `bipmkg` to HTTP; `bipmkg` never
imports it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from bipmkg.config import web_defaults

from . import (
    entities,
    errors,
    graph,
    health,
    kg,
    network,
    openapi,
    pages,
    security,
    sparql,
    update,
)
from .origin import DEFAULT_BASE_URL, PublicOrigin, parse_base_url


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(web_defaults())
    app.config.from_prefixed_env("BIPMKG")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    origin = parse_base_url(str(app.config["BASE_URL"]) or DEFAULT_BASE_URL)
    app.wsgi_app = PublicOrigin(app.wsgi_app, origin)  # type: ignore[method-assign]
    update.init_app(app)  # settles a write cut short by a crash before the store is opened
    kg.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(entities.bp)
    app.add_template_filter(entities.local_path, "local_path")
    app.register_blueprint(health.bp)
    app.register_blueprint(update.bp)
    app.register_blueprint(network.bp)
    app.register_blueprint(graph.bp)
    app.register_blueprint(openapi.bp)
    return app
