"""The Briefing API application factory."""

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from api.cli import commands
from api.config import Config
from api.extensions import db, migrate
from api.http.cache import init_cache
from api.http.errors import register_error_handlers
from api.http.formats import BriefingJSONProvider
from api.http.hooks import register_request_hooks
from api.http.logs import configure_access_log
from api.http.openapi import make_api
from api.http.routing import converters, item_id_schema
from api.resources import blueprints, ops
from api.store.database import bound_postgres_waits, configure_sqlite
from api.store.reads import init_reads
from api.store.version import init_version
from schemas.collections import items

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Build an app from the environment, with `config` overriding it (tests do)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config())
    app.config.update(config or {})
    check_admin_token(app.config["API_ADMIN_TOKEN"])
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(message)s")
    configure_access_log(app.config["LOG_LEVEL"])
    app.json = BriefingJSONProvider(app)

    # The database: SQLite tuned for several workers; mappers built before gunicorn forks.
    db.init_app(app)
    configure_mappers()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        else:
            bound_postgres_waits(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    init_version(app)
    init_cache(app)
    init_reads(app)
    if app.config["PROXY_HOPS"]:  # in front of everything: the client's address and scheme
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # The request path, in order: see register_request_hooks.
    register_request_hooks(app, exempt=(ops.blp, ops.docs, ops.swagger_ui))

    # The routes, their OpenAPI documentation and their errors.
    id_converters = converters(items())
    app.url_map.converters.update(id_converters)
    api = make_api(app)
    for converter in id_converters.values():
        api.register_converter(converter, item_id_schema)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    register_error_handlers(app)
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
    app.register_blueprint(ops.docs)
    app.register_blueprint(ops.swagger_ui)
    app.register_blueprint(commands)
    return app


# An admin token guessed is the whole briefing: as long as the ones `tokens create` makes.
SHORTEST_ADMIN_TOKEN = 32


def check_admin_token(token: str | None) -> None:
    """Refuse to start with an admin token anyone could guess."""
    if token is not None and len(token) < SHORTEST_ADMIN_TOKEN:
        raise RuntimeError(
            f"API_ADMIN_TOKEN is {len(token)} characters long: give one of at least "
            f"{SHORTEST_ADMIN_TOKEN}, e.g. from "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
