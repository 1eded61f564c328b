"""Rendered GET responses, cached under the data version that every write moves on.

A hit costs one query (reading the version); so does a 304. Every worker and machine sees a
write on its next request, because the version is read from the database each time. The
cache itself is Redis when REDIS_URL is set (shared), or a small per-process map otherwise;
if Redis fails, requests are simply served uncached.
"""

import hashlib
import json
from collections import OrderedDict

import redis
from flask import current_app, g, request
from sqlalchemy import update

from api.extensions import db
from api.models import DataVersion
from api.responses import wants_csv, wants_pretty

KEPT_HEADERS = ("Content-Type", "ETag", "Link")
LOCAL_ENTRIES = 2048
TTL_SECONDS = 3600


def bump_data_version() -> None:
    """Move the data version on, inside the current (write) transaction."""
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))


def current_data_version() -> int:
    """Read the version on a plain pooled connection: this runs on every cacheable GET, and
    the ORM session's machinery would cost more than the query itself."""
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version FROM data_version").scalar() or 0


class LocalStore:
    """A bounded least-recently-used map, one per process."""

    def __init__(self):
        self.entries: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        while len(self.entries) > LOCAL_ENTRIES:
            self.entries.popitem(last=False)


class RedisStore:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(key)
        except redis.RedisError:
            return None

    def set(self, key: str, value: bytes) -> None:
        try:
            self.client.set(key, value, ex=TTL_SECONDS)
        except redis.RedisError:
            pass


def cacheable() -> bool:
    return request.method in ("GET", "HEAD") and request.path.startswith("/v1/")


def cache_key(version: int) -> str:
    variant = [request.full_path, wants_csv(), wants_pretty()]
    digest = hashlib.sha256(json.dumps(variant).encode()).hexdigest()[:32]
    return f"briefing:response:{version}:{digest}"


def serve_cached():
    """Answer from the cache when this request was answered under the current data version."""
    if not cacheable() or not current_app.config["RESPONSE_CACHE"]:
        return None
    g.cache_key = cache_key(current_data_version())
    stored = current_app.extensions["response_cache"].get(g.cache_key)
    if stored is None:
        return None
    entry = json.loads(stored)
    response = current_app.response_class(entry["body"].encode("utf-8"), status=200)
    response.headers.update(entry["headers"])
    g.cache_hit = True
    return response


def store_response(response):
    """Keep a fresh 200 for the next identical request under the same data version."""
    key = g.get("cache_key")
    if key and not g.get("cache_hit") and response.status_code == 200:
        entry = {
            "body": response.get_data(as_text=True),
            "headers": {
                name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
            },
        }
        current_app.extensions["response_cache"].set(key, json.dumps(entry).encode())
    return response


def init_cache(app) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["response_cache"] = RedisStore(url) if url else LocalStore()
