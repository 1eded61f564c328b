"""What happens to every request, in order: the one place to read it."""

import time
from contextlib import suppress
from urllib.parse import urlsplit

from flask import current_app, g, request
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import RequestRedirect

from api.extensions import cors, db, make_limiter
from api.http.cache import CONDITIONS, MISSED, serve_cached, store_response
from api.http.errors import permanent_redirect
from api.http.formats import wants_csv, wants_pretty
from api.http.headers import (
    ALLOWED_HEADERS,
    EXPOSED_HEADERS,
    add_freshness_headers,
    add_rate_limit_headers,
    refuse_writes_from_other_origins,
)
from api.http.logs import log_request, request_id
from api.store import version
from api.store.database import SAFE_METHODS, mark_as_write


def register_request_hooks(app, exempt=()) -> None:
    """Hook the request path into `app`; `exempt` are blueprints never rate limited.

    What runs for `GET /v1/stances` with `Accept: text/csv`, top to bottom:

    1. `ProxyFix` (WSGI, only with PROXY_HOPS) takes the client's address from the proxy;
       then `CacheHits` (WSGI, api/http/cache.py): while rate limits are off, a GET cached
       under the current data version and asked in the same words is sent from there, with
       its request id and log line, and never reaches Flask. Everything else goes on; a GET
       it looked up in vain carries what it found out (the version, the layout, the key).
    2. `begin_request`: a clock, a request id (the client's X-Request-ID if well formed), how
       the answer is laid out (CSV or JSON, indented or not; `CacheHits`'s if it looked), and
       for a write the mark that makes its transaction take the write lock.
    3. With CORS_ORIGINS set, `refuse_writes_from_other_origins`: a write from a page on
       another origin is a 403 here (api/http/headers.py). A GET passes.
    4. Flask-Limiter's check, whose hook `make_limiter` adds here: over the limit, a 429.
    5. `serve_cached`: an answer cached under the current data version (read once, and
       pinned for the request; after `CacheHits`'s lookup, the version it read) is sent as it
       is, and the request goes straight to step 8 (api/http/cache.py).
    6. The view, through its decorators top to bottom (api/resources/items.py, the stances'
       `Collection.get`): the query string is validated (a 400 names the bad parameter), the
       request's choices of shape are scoped to it (api/http/arguments.py), the view reads one
       page (api/store/pagination.py), `page_view` adds its links and lays it out as CSV
       (api/http/formats.py), and `@blp.response` hands that response on. JSON views are dumped
       by `@blp.response` itself; item views by `with_item_etag` (api/http/conditional.py).
    7. Any error on the way becomes problem+json (api/http/errors.py), and goes on to step 8;
       so does a path that only lacks its trailing slash's removal, answered 308.
    8. `finish_response`: on a fresh answer, the caching, ETag and security headers, then the
       copy kept in the cache; a 304 when If-None-Match matches; the rate-limit headers; the
       request id; one access-log line (api/http/logs.py).
    9. Flask-CORS's own after-request hook adds the CORS headers, to every answer: they are
       the same for all, and nothing else touches them.
    10. `end_request`, whatever happened: what the request held is let go, its session too
       (a database gone by then costs the connection, not the answer).
    """
    app.before_request(begin_request)
    if app.config["CORS_ORIGINS"]:
        app.before_request(refuse_writes_from_other_origins)
    limiter = make_limiter(app)
    for blueprint in exempt:
        limiter.exempt(blueprint)
    app.before_request(serve_cached)
    app.after_request(finish_response)
    app.teardown_request(end_request)
    cors.init_app(
        app,
        resources={r"/*": {"origins": "*"}},
        send_wildcard=True,  # no credentials: "*" for every origin, one answer for all
        expose_headers=EXPOSED_HEADERS,
        allow_headers=ALLOWED_HEADERS,
        methods=["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],  # what the routes take
        max_age=600,  # a page may skip the preflight of the same request for ten minutes
    )


def begin_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))
    missed = request.environ.get(MISSED)  # what `CacheHits` found out already
    if missed is None:
        g.csv, g.pretty = wants_csv(request), wants_pretty(request)
    else:
        g.csv, g.pretty = missed.csv, missed.pretty
    if request.method not in SAFE_METHODS:
        # A write's transaction takes the write lock when it begins (BEGIN IMMEDIATE on SQLite).
        mark_as_write()
    if isinstance(request.routing_exception, RequestRedirect):
        # werkzeug's own (a path with `//` merged, `/docs` completed) is built from the Host
        # header, and Flask sends it past every error handler: answer with the path alone.
        new = urlsplit(request.routing_exception.new_url)
        return permanent_redirect(new.path + (f"?{new.query}" if new.query else ""))
    return None


def finish_response(response):
    if not g.get("cache_hit"):
        add_freshness_headers(response)
        store_response(response)
    if response.status_code == 200 and CONDITIONS & request.environ.keys():
        response.make_conditional(request)  # 304 when If-None-Match (or If-Modified-Since) says
    add_rate_limit_headers(response)
    response.headers["X-Request-ID"] = g.get("request_id", "")
    log_request(response)
    return response


def end_request(error=None) -> None:
    """After the answer was made, whatever happened: let go of the render lock, the pinned data
    version, the write mark and the session."""
    lock = g.pop("render_lock", None)
    if lock is not None:
        lock.release()
    version.unpin()
    if request.method not in SAFE_METHODS:
        mark_as_write(False)
    end_session()


def end_session() -> None:
    """End the request's session (a read's transaction is rolled back), as Flask-SQLAlchemy
    would next. The answer is made by then: if the database went away since, the rollback's
    failure lets the connection go (invalidated, not pooled) rather than turn the answer into
    a 500 (`bench/faults.py`, PostgreSQL stopped under reads)."""
    try:
        db.session.remove()
    except DBAPIError as error:
        cause = type(getattr(error, "orig", error)).__name__
        current_app.logger.warning("database gone as a request ended: %s", cause)
        with suppress(Exception):
            db.session.invalidate()
