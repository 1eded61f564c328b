"""Configuration read from the environment, in one place."""

import os

from redis.backoff import NoBackoff
from redis.retry import Retry

# Every Redis client of ours: half a second to connect or answer, and no retry, so that a Redis
# that stops answering costs a request that much at most (the response cache, rate limits).
REDIS_TIMEOUTS = {
    "socket_timeout": 0.5,
    "socket_connect_timeout": 0.5,
    "retry": Retry(NoBackoff(), 0),
}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable, falling back to a default."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever way the URL names it."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Config:
    """Settings for one app instance; tests pass overrides to the factory."""

    def __init__(self):
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("DATABASE_URL") or "sqlite:///briefing.db"
        )
        # A server's connections can drop (a restart, a proxy's timeout); a file's cannot.
        is_file = self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")
        # A request waits 3 s for a connection of a full pool, then answers 503 (not 30 s).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": not is_file, "pool_timeout": 3}
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
        self.CORS_ORIGINS = env_list("CORS_ORIGINS", "")
        self.API_ADMIN_TOKEN = os.environ.get("API_ADMIN_TOKEN") or None
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # Reverse proxies in front whose X-Forwarded-For/-Proto to trust (nginx: 1). Zero trusts
        # none: a client could otherwise pick its own rate-limit bucket.
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0)
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        # Shared by every worker when Redis is there; per process otherwise.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Flask-Limiter counts; api/http/headers.py sends the rate-limit headers (Retry-After only
        # on a 429), so that no hook has to take back what another added.
        self.RATELIMIT_HEADERS_ENABLED = False
        # A Redis outage must not take reads down: count in memory until it is back.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.READ_LIMIT = "600 per minute"
        self.RESPONSE_CACHE = env_bool("RESPONSE_CACHE", True)
        shared = env_int("SHARED_CACHE_SECONDS", 0)
        self.API_CACHE_CONTROL = "public, no-cache" + (f", s-maxage={shared}" if shared else "")
        self.WRITE_LIMIT = "60 per minute"
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        self.API_TITLE = "Briefing API"
        self.API_VERSION = "1.0.0"
        self.OPENAPI_VERSION = "3.1.0"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.API_SPEC_OPTIONS = {
            "info": {
                "description": (
                    "Structured, sourced briefing data — actors, proposals, stances, "
                    "defence-spending commitments, events and statements — each backed by "
                    "verbatim quotes from the source article."
                ),
                "license": {"name": "MIT", "identifier": "MIT"},
                "contact": {"name": "Briefing API", "url": "https://github.com/briefing-api"},
            },
            # Relative: the spec describes whichever server serves it.
            "servers": [{"url": "/", "description": "This server"}],
        }
