"""How the writes are documented in the OpenAPI spec: security, headers, error statuses, links."""

from http import HTTPStatus

from api.http.auth import BEARER
from api.http.contract import operation_id

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the item as you last read it (or `*`).",
    "schema": {"type": "string", "minLength": 1},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A unique string per request (e.g. a UUID), 1–200 visible ASCII characters. "
    "A retried POST with the same key, path and body, from the same token within 24 hours, is "
    "answered with the first answer, not redone; the same key with another request is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


def documented(blp, *statuses: int, header=None, links_from: int | None = None):
    """Document a write: its bearer token, its error statuses, a header it takes, and how its
    answer with status `links_from` leads to the item's own operations."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        if links_from:
            links = item_links(blp, "get", "patch", "delete")
            view = blp.doc(responses={links_from: {"links": links}})(view)
        return blp.doc(security=BEARER, parameters=[header] if header else [])(view)

    return decorate


def documents_creation(blp):
    """A POST: 201 with the item, or why not."""
    return documented(
        blp, 400, 401, 403, 409, 413, 415, 422, header=IDEMPOTENCY_KEY, links_from=201
    )


def documents_change(blp):
    """A PATCH: 200 with the item as it now is, or why not."""
    return documented(blp, 401, 403, 404, 412, 413, 415, 428, header=IF_MATCH, links_from=200)


def documents_deletion(blp):
    """A DELETE: 204, or why not."""
    return documented(blp, 401, 403, 404, 409, 412, 428, header=IF_MATCH)


def item_links(blp, *methods: str) -> dict:
    """OpenAPI links from a written item to the item's own operations, passing on its id and
    its ETag as If-Match (what a client, or a stateful fuzzer, does next)."""
    parameter = f"{blp.name.removesuffix('s')}_id"
    path = f"/v1/{blp.name}/{{{parameter}}}"
    links = {}
    for method in methods:
        parameters = {parameter: "$response.body#/id"}
        if method != "get":
            parameters["header.If-Match"] = "$response.header.ETag"
        links[method.capitalize()] = {
            "operationId": operation_id(method, path),
            "parameters": parameters,
        }
    return links
