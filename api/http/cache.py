"""Rendered GET responses, cached under the data version (api/store/version.py): an answer is
good for as long as the version it was made under is current, so every worker and machine sees
a write on its next request. The cache is Redis when REDIS_URL is set (shared), or a small
per-process map otherwise; if Redis fails, requests are simply served uncached.
"""

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import redis
from flask import current_app, g, request
from werkzeug.wrappers import Request

from api.config import REDIS_TIMEOUTS
from api.http.formats import wants_csv, wants_pretty
from api.http.headers import SECURITY_HEADERS
from api.http.logs import log_line, request_id
from api.store import version

# A request that holds these is answered by werkzeug's conditional logic (a 304 or the body).
CONDITIONS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"}

KEPT_HEADERS = {
    "Content-Type",
    "Content-Disposition",  # a spreadsheet's file name
    "ETag",
    "Link",
    "Vary",
    "Cache-Control",
    *SECURITY_HEADERS,
    # Flask-CORS's, the same for every origin (`send_wildcard`): a cached answer that has them
    # is let alone by it ("already evaluated"), a sixth of a cache hit's work.
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
}
# Per process, without Redis. Small: with stored renders a miss costs a few ms, and five
# workers each holding 32 MiB of pages put the service over 300 MiB (bench/RESULTS.md).
LOCAL_BYTES = 8 * 1024 * 1024
# Renders of the same missing answer queue on one of these (by key), so a burst of identical
# requests after a write, or in a fresh worker, costs one render rather than one per thread.
RENDER_LOCKS = [threading.Lock() for _ in range(64)]
RENDER_WAIT_SECONDS = 10
TTL_SECONDS = 3600


class LocalStore:
    """A least-recently-used map of (headers, body) pairs, one per process, bounded by the
    bytes of its bodies so that memory stays flat however many different pages are asked for."""

    def __init__(self, limit: int = LOCAL_BYTES):
        self.entries: OrderedDict[str, tuple[list, bytes]] = OrderedDict()
        self.limit = limit
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[list, bytes] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def set(self, key: str, entry: tuple[list, bytes]) -> None:
        if len(entry[1]) > self.limit:
            return
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= len(previous[1])
            self.entries[key] = entry
            self.size += len(entry[1])
            while self.size > self.limit:
                _, (_, body) = self.entries.popitem(last=False)
                self.size -= len(body)


class RedisStore:
    """Shared by every worker and machine: the headers as a JSON line, then the body. A Redis
    that fails (down, frozen) is let alone for RESTING_SECONDS, so that requests are served
    uncached meanwhile without each waiting on it."""

    RESTING_SECONDS = 5.0

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, **REDIS_TIMEOUTS)
        self.resting_until = 0.0

    def get(self, key: str) -> tuple[list, bytes] | None:
        stored = self.call(self.client.get, key)
        if stored is None:
            return None
        headers, body = stored.split(b"\n", 1)
        pairs = [tuple(pair) for pair in json.loads(headers)]  # (name, value), as WSGI has them
        return pairs, body

    def set(self, key: str, entry: tuple[list, bytes]) -> None:
        headers, body = entry
        self.call(self.client.set, key, json.dumps(headers).encode() + b"\n" + body, ex=TTL_SECONDS)

    def call(self, command, *args, **kwargs):
        if time.monotonic() < self.resting_until:
            return None
        try:
            return command(*args, **kwargs)
        except redis.RedisError:
            self.resting_until = time.monotonic() + self.RESTING_SECONDS
            return None


# Where `CacheHits` leaves what it found out about a request it passes on to Flask for want of a
# cached answer: so that Flask's hooks do not read the version and look the key up again.
MISSED = "briefing.cache_missed"


@dataclass(frozen=True)
class Missed:
    """A GET that `CacheHits` looked up in vain: the version it read, the key under it, and
    the layout (CSV or JSON, indented or not) the key was built with."""

    data_version: version.Version
    key: str
    csv: bool
    pretty: bool


def response_key(stamp: str, csv: bool, pretty: bool, path: str, query: str) -> str:
    return f"briefing:response:{stamp}:{csv:d}{pretty:d}:{path}?{query}"


def serve_cached():
    """Answer a GET of /v1 from the cache when it was answered under the current data version
    (read now, and pinned for the rest of the request). The key is the version, the path and
    query, and how the body is laid out (CSV or JSON, indented or not)."""
    if request.method not in ("GET", "HEAD") or not request.path.startswith("/v1/"):
        return None
    if not current_app.config["RESPONSE_CACHE"]:
        return None
    store = current_app.extensions["response_cache"]
    missed = request.environ.get(MISSED)
    if missed is None:
        query = request.environ.get("QUERY_STRING", "")
        key = response_key(version.pin().stamp, g.csv, g.pretty, request.path, query)
        entry = store.get(key)
    else:  # `CacheHits` looked it up a moment ago
        version.pin(missed.data_version)
        key, entry = missed.key, None
    g.cache_key = key
    if entry is None:
        # One thread renders a missing answer; the others asking for it wait, then share it.
        lock = RENDER_LOCKS[hash(key) % len(RENDER_LOCKS)]
        if lock.acquire(blocking=False):  # nobody is rendering it: this request does
            g.render_lock = lock  # released when the request ends (api/http/hooks.py)
            return None
        held = lock.acquire(timeout=RENDER_WAIT_SECONDS)
        if held:
            g.render_lock = lock  # released when the request ends (api/http/hooks.py)
        entry = store.get(key)
        if entry is None:
            return None
        if held:
            g.pop("render_lock").release()
    headers, body = entry
    g.cache_hit = True
    return current_app.response_class(body, status=200, headers=headers)


def serve_equivalent(args: dict):
    """Once the query string is parsed: the answer cached for an equivalent one (parameters in
    another order or spelling: `pretty=0` or `pretty=no`, `position=a,b` or repeated, `Likely`
    or `likely`), kept under the raw query too from now on; None if there is none. The parsed
    key is what a request that asks for the same thing shares (`store_response`)."""
    if g.get("cache_key") is None:
        return None
    shown = {name: value for name, value in args.items() if name != "pretty"}
    parsed = json.dumps(shown, sort_keys=True, default=str, separators=(",", ":"))
    g.parsed_cache_key = g.cache_key.partition("?")[0] + "#" + parsed
    store = current_app.extensions["response_cache"]
    entry = store.get(g.parsed_cache_key)
    if entry is None:
        return None
    store.set(g.cache_key, entry)
    headers, body = entry
    g.cache_hit = True
    return current_app.response_class(body, status=200, headers=headers)


def store_response(response) -> None:
    """Keep a fresh 200 for the next request under the same data version that asks for the
    same (its raw query, and its parsed one): its body and the headers that depend on nothing
    but what it asked."""
    key = g.get("cache_key")
    if key and response.status_code == 200 and not response.is_streamed:
        headers = [(name, value) for name, value in response.headers if name in KEPT_HEADERS]
        entry = (headers, response.get_data())
        store = current_app.extensions["response_cache"]
        for each in (key, g.get("parsed_cache_key")):
            if each:
                store.set(each, entry)


class CacheHits:
    """WSGI, in front of Flask: a GET of /v1 whose answer is cached under the current data
    version, asked in the same words (path and query as sent, the same layout), is sent from
    here with its request id and its access-log line, without Flask's request context, hooks
    and routing: a cache hit then costs what the constant-JSON ceiling does, not half as much
    again (bench/RESULTS.md). Everything else goes on to Flask (`self.app`), which answers it
    as before, hits included: HEAD, a conditional request (If-None-Match: 304s are werkzeug's),
    a query in other words than a cached one's, a lookup that fails (a data version that cannot
    be read: Flask answers the 503), and every request while rate limits are on — Flask-Limiter
    counts each request, and needs Flask's to do so."""

    def __init__(self, app, flask_app):
        self.app = app
        self.config = flask_app.config
        self.store = flask_app.extensions["response_cache"]
        self.versions = flask_app.extensions["data_version"]

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        try:
            hit = self.cached(environ)
        except Exception:  # the database away, say: Flask meets it again, and answers the problem
            hit = None
        if hit is None:
            return self.app(environ, start_response)
        path, (headers, body) = hit
        given = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = [*headers, ("Content-Length", str(len(body))), ("X-Request-ID", given)]
        start_response("200 OK", headers)
        log_line(given, "GET", path, 200, started)
        return [body]

    def cached(self, environ) -> tuple[str, tuple[list, bytes]] | None:
        """The path asked for and the cached answer to send, or None for Flask to answer."""
        if environ.get("REQUEST_METHOD") != "GET" or CONDITIONS & environ.keys():
            return None
        if not environ.get("PATH_INFO", "").startswith("/v1/"):
            return None
        if not self.config["RESPONSE_CACHE"] or self.config["RATELIMIT_ENABLED"]:
            return None
        read = self.versions.read()
        asked = Request(environ)
        csv, pretty = wants_csv(asked), wants_pretty(asked)
        key = response_key(read.stamp, csv, pretty, asked.path, environ.get("QUERY_STRING", ""))
        entry = self.store.get(key)
        if entry is None:
            environ[MISSED] = Missed(read, key, csv, pretty)
            return None
        return asked.path, entry


def init_cache(app) -> None:
    """The response cache, and the answering of its hits before Flask (`CacheHits`)."""
    url = app.config.get("REDIS_URL")
    app.extensions["response_cache"] = RedisStore(url) if url else LocalStore()
    app.wsgi_app = CacheHits(app.wsgi_app, app)
