"""Configuration read from the environment, in one place."""

import math
import os
from dataclasses import dataclass
from pathlib import Path

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


def available_cpus(cgroup_cpu_max: str = "/sys/fs/cgroup/cpu.max") -> int:
    """The CPUs this process may use: its affinity (docker --cpuset-cpus), capped by a cgroup
    v2 quota (docker --cpus), not the host's count."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path(cgroup_cpu_max).read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return count or 1
    if quota != "max":
        count = min(count, max(1, math.ceil(int(quota) / int(period))))
    return count or 1


def default_workers(database_url: str) -> int:
    """As measured (bench/RESULTS.md, issue 16): on a SQLite file a request is CPU in this
    process alone, and one worker per CPU and one more serve random pages as fast as twice as
    many, in a quarter less memory (253 MiB against 345 at 100,000 stances); on PostgreSQL a
    request waits on the network, and 2 × CPUs + 1 keep the CPUs busy (cache hits at 66–88 %
    of the ceiling, against 44–49 % with three workers)."""
    cpus = available_cpus()
    return cpus * 2 + 1 if database_url.startswith("postgres") else cpus + 1


def worker_count() -> int:
    """gunicorn's worker processes: WEB_CONCURRENCY, or the default for the database."""
    return env_int("WEB_CONCURRENCY", 0) or default_workers(os.environ.get("DATABASE_URL", ""))


# What a worker needs of PostgreSQL at the very least: the data version's listener, one
# connection for direct reads, and two for requests' sessions.
FEWEST_CONNECTIONS_PER_WORKER = 4
# gunicorn's threads in each worker (gunicorn.conf.py): how many requests it serves at once.
THREADS_PER_WORKER = 16
# A worker's share when DATABASE_CONNECTIONS is not set: a connection for each of its 16
# threads' sessions (5 kept, 11 more when busy), 3 for direct reads and the listener.
CONNECTIONS_PER_WORKER = 20
# A pooled PostgreSQL connection idle this long is closed by the server (idle_session_timeout),
# and the pools hand out the most recently used first (LIFO), so that what a burst opened is
# let go soon after: two instances' idle pools once held every slot of a small server.
IDLE_CONNECTION_SECONDS = 30


@dataclass(frozen=True)
class ConnectionShares:
    """How one worker spends its share of an instance's PostgreSQL connections."""

    session_pool: int
    session_overflow: int
    direct_pool: int
    direct_overflow: int
    listener: int = 1

    @property
    def total(self) -> int:
        return (
            self.session_pool
            + self.session_overflow
            + self.direct_pool
            + self.direct_overflow
            + self.listener
        )


def connection_shares(connections: int, workers: int) -> ConnectionShares:
    """Divide an instance's budget of PostgreSQL connections over its workers: each has one
    listener, a fifth of the rest (4 at most) for direct reads, and the others for sessions
    (5 kept in the pool, the rest overflow)."""
    per_worker = connections // workers
    if per_worker < FEWEST_CONNECTIONS_PER_WORKER:
        raise RuntimeError(
            f"DATABASE_CONNECTIONS={connections} leaves {per_worker} PostgreSQL connections to "
            f"each of {workers} workers; each needs {FEWEST_CONNECTIONS_PER_WORKER} at least: "
            f"give {FEWEST_CONNECTIONS_PER_WORKER * workers} or more, or fewer WEB_CONCURRENCY"
        )
    direct = max(1, min(4, (per_worker - 1) // 5))
    session = per_worker - 1 - direct
    return ConnectionShares(
        session_pool=min(5, session),
        session_overflow=session - min(5, session),
        direct_pool=min(2, direct),
        direct_overflow=direct - min(2, direct),
    )


class Config:
    """Settings for one app instance; tests pass overrides to the factory."""

    def __init__(self):
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("DATABASE_URL") or "sqlite:///briefing.db"
        )
        # A request waits 3 s for a connection of a full pool, then answers 503 (not 30 s).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_timeout": 3}
        # On PostgreSQL, the most connections this instance (every worker) holds at once.
        workers = worker_count()
        self.DATABASE_CONNECTIONS = env_int(
            "DATABASE_CONNECTIONS", workers * CONNECTIONS_PER_WORKER
        )
        if not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            shares = connection_shares(self.DATABASE_CONNECTIONS, workers)
            self.SQLALCHEMY_ENGINE_OPTIONS |= {
                # A server's connections can drop (a restart, the idle timeout); a file's cannot.
                "pool_pre_ping": True,
                "pool_use_lifo": True,
                "pool_size": shares.session_pool,
                "max_overflow": shares.session_overflow,
            }
            self.DIRECT_READ_POOL = (shares.direct_pool, shares.direct_overflow)
        else:
            # A pool closes a connection it cannot keep as it is returned, and a new connection
            # to a SQLite file opens it and reads its schema (0.35 ms, 25 times a read of a
            # stance): with 2 kept, a worker under load opened one every few dozen requests,
            # a tenth to a fifth of the CPU of a random page (bench/RESULTS.md). One kept for
            # each thread, opened as first needed.
            self.DIRECT_READ_POOL = (THREADS_PER_WORKER, 0)
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
