"""The Briefing API application factory."""

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from api import (
    actors,
    briefing,
    changes,
    commitments,
    events,
    ops,
    proposals,
    search,
    sources,
    stances,
    statements,
)
from api.cache import init_cache, release_render_lock, serve_cached, store_response
from api.cli import commands
from api.config import Config
from api.database import configure_sqlite
from api.errors import register_error_handlers
from api.extensions import api, cors, db, limiter, migrate
from api.parser import ItemIdConverter, StanceIdConverter, item_id_schema
from api.responses import (
    ALLOWED_HEADERS,
    EXPOSED_HEADERS,
    BriefingJSONProvider,
    configure_access_log,
    finish_response,
    start_request,
)

RESOURCES = (
    sources,
    actors,
    proposals,
    stances,
    commitments,
    events,
    statements,
    briefing,
    search,
    changes,
)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Build an app from the environment, with `config` overriding it (tests do)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config())
    app.config.update(config or {})
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(message)s")
    configure_access_log(app.config["LOG_LEVEL"])
    app.json = BriefingJSONProvider(app)
    app.before_request(start_request)
    app.after_request(store_response)  # after-request hooks run last-registered first
    app.after_request(finish_response)

    db.init_app(app)
    configure_mappers()  # now, in the process gunicorn forks, not in every worker's first request
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    cors.init_app(
        app,
        resources={r"/*": {"origins": "*"}},
        send_wildcard=True,  # no credentials: "*" for every origin, one answer for all
        expose_headers=EXPOSED_HEADERS,
        allow_headers=ALLOWED_HEADERS,
    )
    app.url_map.converters["item_id"] = ItemIdConverter
    app.url_map.converters["stance_id"] = StanceIdConverter
    api.init_app(app)
    api.register_converter(ItemIdConverter, item_id_schema)
    api.register_converter(StanceIdConverter, item_id_schema)
    register_error_handlers(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(ops.blp)
    for module in RESOURCES:
        api.register_blueprint(module.blp)
    app.register_blueprint(ops.docs)
    app.register_blueprint(ops.swagger_ui)
    limiter.init_app(app)
    for blueprint in (ops.blp, ops.docs, ops.swagger_ui):
        limiter.exempt(blueprint)
    init_cache(app)
    app.before_request(serve_cached)  # after the rate limiter's check
    app.teardown_request(release_render_lock)
    app.register_blueprint(commands)
    return app
