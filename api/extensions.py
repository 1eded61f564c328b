"""Extension objects. Those that hold nothing of one app's are shared and initialised by the
factory; the rate limiter (whose counters and settings belong to one app) is made for each app,
and so is the Api, whose spec describes one app (api/http/openapi.py)."""

import hashlib
import time

import flask_limiter
from flask import current_app, request
from flask_cors import CORS
from flask_limiter import ApplicationLimit
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.config import REDIS_TIMEOUTS
from api.store.database import SAFE_METHODS
from api.store.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()


def request_limit() -> str:
    """Reads are generous, writes tighter; each has its own counter per client."""
    safe = request.method in SAFE_METHODS
    return current_app.config["READ_LIMIT" if safe else "WRITE_LIMIT"]


# Reads that cost several pages' work count as that many requests: a whole spreadsheet (no
# `limit`), the briefing, the matrix and search.
WHOLE_SPREADSHEET_COST = 10
VIEW_COST = 5
COSTLY_VIEWS = ("/v1/briefing", "/v1/stances/matrix", "/v1/search")


def request_cost() -> int:
    path = request.path
    if path.endswith((".csv", ".xlsx")) and "limit" not in request.args:
        return WHOLE_SPREADSHEET_COST
    return VIEW_COST if path.startswith(COSTLY_VIEWS) else 1


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_key() -> str:
    """An authenticated request's counter: its token's (a digest, never the token itself)."""
    return "token:" + hashlib.sha256(bearer_token().encode("utf-8", "surrogatepass")).hexdigest()


# How often a process looks again at a Redis that failed, counting in memory meanwhile.
BACKEND_RECHECK_SECONDS = 2.0


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's, looking at a failed Redis again every BACKEND_RECHECK_SECONDS.

    Its own backoff waits 1, 2, 4 … 32 s between looks (the private `__should_check_backend`),
    so after Redis came back the shared limits held again only 14–32 s later, each process
    counting on its own until then. A look is one PING (half a second at most while Redis is
    away). pyproject.toml bounds Flask-Limiter to 4.x; tests/test_limits.py fails if this
    override stops being called."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.backend_checked = time.monotonic()

    def _Limiter__should_check_backend(self) -> bool:
        now = time.monotonic()
        if now - self.backend_checked < BACKEND_RECHECK_SECONDS:
            return False
        self.backend_checked = now
        return True


def make_limiter(app) -> Limiter:
    """The app's rate limiter, kept in `app.extensions["rate_limiter"]`. A request with a token
    counts against its token (editors behind one address each have their own budget); one
    without, against its address; and a request whose token is refused (401) against its
    address too, so that guessing tokens is limited however many are tried."""
    limits = [
        ApplicationLimit(
            request_limit,
            scope="address",
            exempt_when=lambda: bool(bearer_token()),
            cost=request_cost,
        ),
        ApplicationLimit(
            request_limit,
            scope="token",
            key_function=token_key,
            exempt_when=lambda: not bearer_token(),
            cost=request_cost,
        ),
        ApplicationLimit(
            request_limit,
            scope="refused-token",
            exempt_when=lambda: not bearer_token(),
            deduct_when=lambda response: response.status_code == 401,
        ),
    ]
    # A Redis that stops answering (frozen, a network that drops packets) must not hold every
    # request: half a second, then the limits count in memory (fail open: api/config.py).
    redis = app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://"))
    limiter = Limiter(
        get_remote_address,
        application_limits=limits,
        storage_options=dict(REDIS_TIMEOUTS) if redis else {},
    )
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter
