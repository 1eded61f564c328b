"""The headers a response carries besides its body: ETags and caching, security, CORS, rate
limits and the request id."""

import time

from flask import current_app, request
from flask_smorest import abort

from api.store.database import SAFE_METHODS

EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "Location",
    "Idempotent-Replayed",
    "X-Request-ID",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]
ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
]
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page starts itself with an inline script; everything else comes from /docs.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": API_POLICY,
}
DOCS_SECURITY_HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": DOCS_POLICY}


def add_freshness_headers(response) -> None:
    """On a fresh answer (what a cached copy then carries too): how long it may be kept and
    how to revalidate it (an ETag on every 200 to a GET), and the security headers."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        headers = response.headers
        # Set as text: nothing before this sets them, and werkzeug's parsed forms cost more.
        headers["Vary"] = "Accept, User-Agent"
        if not response.is_streamed and "ETag" not in headers:
            response.add_etag()
        if request.path.startswith("/v1/"):
            # Public data that editors may correct: a browser revalidates every time (a 304
            # is cheap), so that a page reloading what it just changed sees the change; a
            # shared cache (a CDN) may keep it for SHARED_CACHE_SECONDS.
            headers["Cache-Control"] = current_app.config["API_CACHE_CONTROL"]
        else:
            headers["Cache-Control"] = "no-cache"
    docs = request.path.startswith("/docs")
    response.headers.update(DOCS_SECURITY_HEADERS if docs else SECURITY_HEADERS)


def add_rate_limit_headers(response) -> None:
    """The client's budget under the rate limit that applies to this request, and on a 429
    when to come back (Flask-Limiter counts; its own headers are off, see api/config.py)."""
    current = current_app.extensions["rate_limiter"].current_limit
    if current is None:
        return  # limits off, or a path that is never limited
    try:
        reset_at = current.reset_at
    except Exception:  # the limit's storage is unreachable: no budget to tell
        current_app.logger.warning("rate-limit storage unreachable; no rate-limit headers")
        return
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(current.remaining)
    response.headers["X-RateLimit-Reset"] = str(reset_at)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, reset_at - int(time.time())))


def refuse_writes_from_other_origins() -> None:
    """With CORS_ORIGINS set, only pages on those origins may write: a write, or the preflight
    of one, from a page elsewhere is a 403 before anything is read. Reads stay open to every
    origin. With CORS_ORIGINS unset, any origin may write (a write needs a bearer token, which a
    page elsewhere does not have)."""
    allowed = current_app.config["CORS_ORIGINS"]
    origin = request.headers.get("Origin")
    if not allowed or "*" in allowed or origin is None or origin in allowed:
        return
    method = request.method
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "GET").upper()
    if method not in SAFE_METHODS:
        abort(
            403,
            message=f"Pages on {origin} may not write here; the origins that may are: "
            f"{', '.join(allowed)} (CORS_ORIGINS).",
        )
