"""What happens to every request, in order: the one place to read it."""

import time

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException, NotFound

from api.extensions import cors, make_limiter
from api.http.cache import release_render_lock, serve_cached, store_response
from api.http.headers import (
    ALLOWED_HEADERS,
    EXPOSED_HEADERS,
    add_freshness_headers,
    add_rate_limit_headers,
    add_request_id,
    permanent_redirect,
    refuse_writes_from_other_origins,
    request_id,
)
from api.http.logs import log_request
from api.store import version
from api.store.database import SAFE_METHODS, mark_as_write

CONDITIONS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"}


def register_request_hooks(app, exempt=()) -> None:
    """Hook the request path into `app`; `exempt` are blueprints never rate limited.

    What runs for `GET /v1/stances` with `Accept: text/csv`, top to bottom:

    1. `ProxyFix` (WSGI, only with PROXY_HOPS) takes the client's address from the proxy.
    2. `begin_request`: a request id (the client's X-Request-ID if well formed) and a clock;
       `redirect_trailing_slash`: `/v1/stances/` answers 308 to `/v1/stances`.
    3. `refuse_writes_from_other_origins`: with CORS_ORIGINS set, a write from a page on another
       origin is a 403 here (api/http/headers.py). A GET passes.
    4. Flask-Limiter's check, whose hook `make_limiter` adds here: over the limit, a 429.
    5. `serve_cached`: an answer cached under the current data version is sent as it is, and
       the request goes straight to step 8 (api/http/cache.py).
    6. The view, through its decorators top to bottom (api/resources/stances.py, `Stances.get`): the
       query string is validated (a 400 names the bad parameter), `expand` is scoped to the
       request, the view queries one page, `page_view` dumps it and lays it out as CSV
       (api/http/formats.py), and `@blp.response` hands that response on. JSON views are dumped by
       `@blp.response` itself; item views by `with_item_etag`, which tags them.
    7. Any error on the way becomes problem+json (api/http/errors.py), and goes on to step 8.
    8. `finish_response`: on a fresh answer, the caching, ETag and security headers, then the
       copy kept in the cache; a 304 when If-None-Match matches; the rate-limit headers; the
       request id; one access-log line (api/http/logs.py).
    9. Flask-CORS's own after-request hook adds the CORS headers, to every answer: they are
       the same for all, and nothing else touches them.
    """
    app.before_request(begin_request)
    app.before_request(redirect_trailing_slash)
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
    )


def begin_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id()
    # A write's transaction takes the write lock when it begins (BEGIN IMMEDIATE on SQLite).
    mark_as_write(request.method not in SAFE_METHODS)


def redirect_trailing_slash():
    """A path that only lacks its trailing slash's removal answers 308 to the path without it
    (the same request belongs there); any other unknown path stays a 404."""
    path = request.path
    if not isinstance(request.routing_exception, NotFound) or not path.endswith("/"):
        return None
    path = path.rstrip("/")
    try:
        current_app.create_url_adapter(request).match(path, method=request.method)
    except HTTPException:
        return None
    query = request.query_string.decode("latin-1")
    return permanent_redirect(f"{path}?{query}" if query else path)


def end_request(error=None) -> None:
    """After the answer left, whatever happened: free what the request held."""
    release_render_lock()
    version.unpin()
    mark_as_write(False)


def finish_response(response):
    if not g.get("cache_hit"):
        add_freshness_headers(response)
        store_response(response)
    if response.status_code == 200 and CONDITIONS & request.environ.keys():
        response.make_conditional(request)  # 304 when If-None-Match (or If-Modified-Since) says
    add_rate_limit_headers(response)
    add_request_id(response)
    log_request(response)
    return response
