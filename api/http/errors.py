"""RFC 9457 problem+json for every error, whichever code path raised it."""

import re
from contextlib import suppress
from http import HTTPStatus

from flask import current_app, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, NotFound

from api.extensions import db
from api.store.models import ElsewhereError
from schemas.problems import ProblemSchema, flatten, messages_in_words

PROBLEM_JSON = "application/problem+json"
# How long a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = "5"
LOCATIONS = {"query": "Invalid query parameter.", "json": "Invalid request body."}


def problem_response(status: int, detail: str, errors=None, headers=None):
    """Build a problem+json response."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = current_app.json.response(body)
    response.status_code = status
    response.content_type = PROBLEM_JSON
    response.headers.update(headers or {})
    return response


class ProblemApi(Api):
    """flask-smorest's Api, speaking RFC 9457 instead of its own error shape."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        if isinstance(error, NotFound) and (elsewhere := without_trailing_slash()):
            return elsewhere
        data = getattr(error, "data", None) or {}
        errors = data.get("errors")
        prefix = "Invalid request."
        if errors is None and "messages" in data:
            # webargs reports {location: {field: [messages]}}; clients only need the field.
            errors = {}
            for location, messages in data["messages"].items():
                for name, problems in flatten(messages).items():
                    if location == "query":  # `position.1` is the parameter `position`
                        name = re.sub(r"\.\d+$", "", name)
                    errors.setdefault(name, []).extend(problems)
                prefix = LOCATIONS.get(location, prefix)
        if errors:
            detail = data.get("message") or f"{prefix} {messages_in_words(errors)}"
        else:
            detail = data.get("message") or error.description
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        headers.update(data.get("headers") or {})
        return problem_response(error.code, detail, errors, headers)

    # The headers that come with a status whatever the operation (components/headers).
    STATUS_HEADERS = {
        304: ("ETag", "X-Request-ID"),
        308: ("Location", "X-Request-ID"),
        429: ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"),
        503: ("Retry-After",),
    }

    def _register_responses(self):
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400 or status == 308:  # a 308 says where, as problem+json
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            headers = self.STATUS_HEADERS.get(status, ("X-Request-ID",))
            response["headers"] = {
                name: {"$ref": f"#/components/headers/{name}"} for name in headers
            }
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self):
        """Nothing: our pages are keyset pages with their own envelope, not flask-smorest's."""


def without_trailing_slash():
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


def permanent_redirect(location: str):
    """308 to `location`, a path of this server (never built from the Host header): the same
    request, method and body, belongs there. problem+json says where, like every other answer
    that is not the one asked for."""
    return problem_response(
        308, f"This is at {location}: ask there (curl -L follows).", headers={"Location": location}
    )


def lost_race(error):
    """Another write changed the item between our read and our UPDATE (WHERE version = …)."""
    db.session.rollback()
    return problem_response(
        412, "Someone else changed this item at the same moment: GET it again and retry."
    )


def conflict(error):
    """The database refused the write: it clashes with data written meanwhile."""
    db.session.rollback()
    current_app.logger.warning("integrity error: %s", error.orig)
    return problem_response(
        409, "This write conflicts with the data as it is now: GET it again and retry."
    )


def disk_is_full(cause) -> bool:
    """SQLite's "database or disk is full", PostgreSQL's disk_full (SQLSTATE 53100)."""
    return "disk is full" in str(cause) or getattr(cause, "sqlstate", None) == "53100"


def database_unavailable(error):
    """The database is down, restarting or locked: say so, and when to come back."""
    cause = getattr(error, "orig", error)  # the driver's error, or a full pool's timeout
    current_app.logger.warning("database unavailable: %s", type(cause).__name__)
    if disk_is_full(cause):
        with suppress(Exception):
            db.session.rollback()
        return problem_response(
            507,
            "The database's disk is full: nothing was written. Reads still work; an operator "
            "must free space before writes can.",
        )
    try:
        db.session.rollback()
    except DBAPIError:
        # The connection died with the transaction: let the session go of it, so that the
        # request's teardown does not meet it again.
        with suppress(Exception):
            db.session.close()
    return problem_response(
        503,
        "The database is unavailable right now; retry shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def to_its_own_url(error: ElsewhereError):
    """308 to the item's own URL: the same request (method and body) belongs there."""
    prefix = f"/v1/{error.collection}/"
    rest = request.path[len(prefix) :].partition("/")[2]
    location = f"{prefix}{error.item_id}" + (f"/{rest}" if rest else "")
    if request.query_string:
        location += f"?{request.query_string.decode('latin-1')}"
    return permanent_redirect(location)


def register_error_handlers(app) -> None:
    app.register_error_handler(ElsewhereError, to_its_own_url)
    app.register_error_handler(StaleDataError, lost_race)
    app.register_error_handler(IntegrityError, conflict)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)  # every connection in use
