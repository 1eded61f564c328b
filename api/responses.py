"""How responses leave the app: JSON layout, CSV, ETags, caching, request ids and access logs."""

import csv
import functools
import hashlib
import io
import json
import logging
import os
import re
import sys
import time

from flask import current_app, g, has_request_context, request
from flask.json.provider import DefaultJSONProvider

from api.database import SAFE_METHODS
from api.errors import RETRY_AFTER_SECONDS
from schemas.common import expanded

access_log = logging.getLogger("api.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
CONDITIONS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"}
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "Location",
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


def wants_pretty() -> bool:
    """Indent for people: `?pretty=true`, or a curl user agent unless `?pretty=false`."""
    if b"pretty" in request.query_string:  # parse the query only when it may say so
        return request.args.get("pretty", "").lower() in ("true", "1", "yes", "on")
    return request.headers.get("User-Agent", "").startswith(("curl/", "HTTPie/", "Wget/"))


def wants_csv() -> bool:
    if b"format" in request.query_string and "format" in request.args:
        return request.args["format"] == "csv"
    if "csv" not in request.headers.get("Accept", ""):
        return False  # spare the parsing of Accept: only CSV can win over JSON here
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


class BriefingJSONProvider(DefaultJSONProvider):
    """UTF-8 as is, keys in schema order, indented only for people."""

    ensure_ascii = False
    sort_keys = False

    def response(self, *args, **kwargs):
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = kwargs or (args[0] if len(args) == 1 else list(args) or None)
        pretty = has_request_context() and wants_pretty()
        layout = {"indent": 2} if pretty else {"separators": (",", ":")}
        return self._app.response_class(f"{self.dumps(obj, **layout)}\n", mimetype=self.mimetype)


def cell(value) -> str:
    """Flatten a JSON value into one spreadsheet cell, defused against formula injection."""
    if value is None:
        return ""
    if isinstance(value, list):
        text = "; ".join(cell(item) for item in value)
    elif isinstance(value, dict):
        # A reference becomes its id, an evidence span its quote, anything else its values.
        if "id" in value:
            text = str(value["id"])
        elif "quote" in value:
            text = str(value["quote"])
        else:
            text = " ".join(cell(item) for item in value.values() if item is not None)
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int | float):
        return str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def csv_body(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[cell(value) for value in row] for row in rows])
    return buffer.getvalue()


CSV_DOC = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


def csv_table(page_schema):
    """Decorate a collection view so that it can also answer as CSV, one item a row."""
    item_fields = page_schema().fields["data"].inner.schema.fields
    columns = [name for name, field in item_fields.items() if not field.load_only]

    def rows(body: dict) -> list[list]:
        return [columns, *([item.get(name) for name in columns] for item in body["data"])]

    return csv_view(rows)


def csv_view(rows):
    """Decorate a view whose JSON body `rows(body)` turns into a CSV table on request."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.csv_rows = rows
            return view(*args, **kwargs)

        return wrapper

    return decorate


def remember_version(view):
    """Note the version of the item a view returns: the item's ETag is built from it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        result = view(*args, **kwargs)
        item = result[0] if isinstance(result, tuple) else result
        if hasattr(item, "version"):
            g.item_version = item.version
        return result

    return wrapper


def item_etag(response, version: int) -> str:
    """An item's strong ETag: its version (what If-Match checks) and a digest of these bytes."""
    return f"v{version}.{hashlib.sha1(response.get_data()).hexdigest()[:20]}"


def start_request():
    expanded.set(frozenset())
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else os.urandom(16).hex()


def shape_response(response) -> None:
    """CSV on request, the ETag and caching headers: what a cached copy already carries."""
    rows = g.get("csv_rows")
    if rows and response.status_code == 200 and wants_csv():
        response.set_data(csv_body(rows(json.loads(response.get_data()))))
        response.content_type = "text/csv; charset=utf-8"
    version = g.get("item_version")
    if version is not None and response.status_code in (200, 201):
        response.set_etag(item_etag(response, version))
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.vary.update(("Accept", "User-Agent"))
        if not response.direct_passthrough and "ETag" not in response.headers:
            response.add_etag()
        if request.path.startswith("/v1/"):
            # Public data that editors may correct: cache briefly, then revalidate by ETag.
            response.cache_control.public = True
            response.cache_control.max_age = 30
        else:
            response.cache_control.no_cache = True
    response.headers.update(security_headers(request.path))


def finish_response(response):
    """Shape a fresh response, answer conditional requests, and log the request."""
    if not g.get("cache_hit"):
        shape_response(response)
    if response.status_code == 200 and CONDITIONS & request.environ.keys():
        response.make_conditional(request)  # 304 (or 412 for a failed If-Match) on GET/HEAD
    restrict_write_origins(response)
    if response.status_code not in (429, 503):
        # Flask-Limiter sends Retry-After on every answer; it only means something on these.
        response.headers.pop("Retry-After", None)
    elif response.status_code == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS  # Flask-Limiter overwrote ours
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            json.dumps(
                {
                    "request_id": g.get("request_id"),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 2),
                }
            )
        )
    return response


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


def security_headers(path: str) -> dict[str, str]:
    return DOCS_SECURITY_HEADERS if path.startswith("/docs") else SECURITY_HEADERS


def restrict_write_origins(response) -> None:
    """Reads are open to any origin, and so are writes (they need a bearer token, which a page
    elsewhere does not have), errors included so that the page can read why; CORS_ORIGINS,
    when set, narrows the origins whose pages may write (and preflight a write)."""
    method = request.method
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "GET").upper()
    allowed = current_app.config["CORS_ORIGINS"]
    if method in SAFE_METHODS or not allowed or "*" in allowed:
        return
    if request.headers.get("Origin") in allowed:
        return
    for header in [name for name in response.headers.keys() if name.startswith("Access-Control-")]:
        del response.headers[header]


def configure_access_log(level: str) -> None:
    """One JSON line per request, on stdout."""
    access_log.setLevel(level)
    access_log.propagate = False
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
