"""What the generated OpenAPI document promises, beyond what flask-smorest writes by itself.

Generated clients (openapi-typescript, openapi-python-client) trust the spec blind, so it says:
- in responses, every field the server always sends is `required`, and `null` only where it
  can be (`ContractConverter`); no `default`s anywhere (a generator makes them required);
- a reference is an id or `{id}` in a request, and the compact reference or, expanded, the full
  item in a response;
- every operation has an `operationId`, its 429, the headers it answers with; every GET its
  If-None-Match and 304; public operations `security: []` (`ContractPlugin`);
- every write its bearer token, error statuses, headers and links (`documented`).
"""

from http import HTTPStatus

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from marshmallow import class_registry

from api.http.conditional import IF_MATCH
from api.http.errors import ProblemApi
from api.http.routing import SPARSE, SPREADSHEETS
from schemas.fields import SLUG_PATTERN
from schemas.pages import SPARSE_JSON, sparse_page_schema
from schemas.references import Reference

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window resets, in seconds since the epoch.",
}
HEADERS = {
    "ETag": (
        "string",
        "A strong validator: send it in If-None-Match (reads) or If-Match (writes).",
    ),
    "Link": ("string", 'The next page, as `<url>; rel="next"`, when there is one.'),
    "Location": ("string", "A new item's own path; for a 308, where the request belongs."),
    "X-Request-ID": ("string", "This request's id: yours if you sent a well-formed one."),
    "Retry-After": ("integer", "Seconds to wait before retrying."),
    **{name: ("integer", description) for name, description in RATE_LIMIT_HEADERS.items()},
}
# Operations whose id the rule in `operation_id` would not give.
OPERATION_IDS = {
    ("get", "/v1/stances/matrix"): "getStanceMatrix",
    ("get", "/v1/stances/matrix.csv"): "getStanceMatrixCsv",
    ("get", "/v1/stances/matrix.xlsx"): "getStanceMatrixXlsx",
    ("get", "/v1/briefing"): "getBriefing",
    ("get", "/v1/search"): "search",
    ("get", "/v1/search.csv"): "searchCsv",
    ("get", "/v1/search.xlsx"): "searchXlsx",
    ("post", "/v1/sources/{source_id}/retire"): "retireSource",
    ("get", "/"): "getIndex",
    ("get", "/v1"): "getIndexV1",
    ("get", "/healthz"): "getHealth",
    ("get", "/readyz"): "getReadiness",
}
VERBS = {"post": "create", "patch": "update", "delete": "delete"}


def operation_kind(method: str, path: str) -> str | None:
    """list, get, create, update or delete; None for the operations named one by one."""
    if (method, path) in OPERATION_IDS:
        return None
    if method in VERBS:
        return VERBS[method]
    return "get" if path.endswith("}") else "list"


def operation_id(method: str, path: str) -> str:
    """`listStances`, `getStance`, `createStance`, `updateStance`, `deleteStance`,
    `listActorStances`, `listStancesCsv`, `listStancesSparse`: the verb, then the path's
    words."""
    if path.endswith(SPARSE) and (method, path.removesuffix(SPARSE)) in OPERATION_IDS:
        return OPERATION_IDS[method, path.removesuffix(SPARSE)] + "Sparse"
    kind = operation_kind(method, path)
    if kind is None:
        return OPERATION_IDS[method, path]
    parts = path.removeprefix("/v1/").split("/")
    last, _, suffix = parts[-1].partition(".")
    names = [part for part in [*parts[:-1], last] if not part.startswith("{")]
    # A parent collection is named by one of its items: /actors/{id}/stances → ActorStances.
    words = [name.removesuffix("s") for name in names[:-1]]
    words.append(names[-1] if kind == "list" else names[-1].removesuffix("s"))
    camel = "".join(word.title().replace("_", "") for word in words)
    return f"{kind}{camel}{suffix.title()}"


class ContractConverter(OpenAPIConverter):
    """Schemas as generated clients need them (see the module's docstring)."""

    def schema2jsonschema(self, schema):
        jsonschema = super().schema2jsonschema(schema)
        schema_class = schema if isinstance(schema, type) else type(schema)
        for prop in jsonschema["properties"].values():
            prop.pop("default", None)  # applied when a request is loaded; never the client's
        if not getattr(schema_class, "REQUEST", False):
            sometimes = getattr(schema_class, "SOMETIMES_SENT", ())
            required = [name for name in jsonschema["properties"] if name not in sometimes]
            if required:
                jsonschema["required"] = sorted(required)
        return jsonschema

    def field2property(self, field):
        if isinstance(field, Reference):
            return self.reference2property(field)
        return super().field2property(field)

    def reference2property(self, field) -> dict:
        if getattr(field, "in_request", False):
            forms = [
                {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 100},
                {
                    "type": "object",
                    "properties": {"id": {"type": "string", "pattern": SLUG_PATTERN}},
                    "required": ["id"],
                },
            ]
            key = "oneOf"
        else:
            full = field.full
            forms = [self.resolve_nested_schema(field.nested), self.resolve_nested_schema(full)]
            key = "anyOf"
        if field.allow_none:
            forms.append({"type": "null"})
        prop = {key: forms}
        if "description" in field.metadata:
            prop["description"] = field.metadata["description"]
        return prop


class ContractMarshmallowPlugin(MarshmallowPlugin):
    Converter = ContractConverter


def one_or_several(parameter) -> None:
    """A query parameter that takes several values takes one too (`actor=UK`): say both, so
    that a client generated with its tool's defaults passes a plain string as well as a list
    (openapi-typescript types an array-only parameter `string[]`)."""
    if not isinstance(parameter, dict) or parameter.get("in") != "query":
        return
    schema = parameter.get("schema", {})
    if schema.get("type") == "array":
        parameter["schema"] = {"anyOf": [schema["items"], schema]}


class ContractPlugin(BasePlugin):
    """Completes every operation as it is added (see the module's docstring)."""

    def init_spec(self, spec):
        self.spec = spec
        for name, (kind, description) in HEADERS.items():
            spec.components.header(name, {"description": description, "schema": {"type": kind}})
        spec.components.parameter(
            "If-None-Match",
            "header",
            {
                "description": "The ETag of your copy: a 304 with no body if it is still current.",
                "schema": {"type": "string"},
            },
        )

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            operation.setdefault("operationId", operation_id(method, path))
            operation.setdefault("description", operation_description(method, path, operation))
            operation.setdefault("security", [])
            responses = operation.setdefault("responses", {})
            if path.startswith("/v1/"):  # the health checks and docs are never rate limited
                responses.setdefault("429", "TOO_MANY_REQUESTS")
            if path.endswith("}") or "}/" in path:  # an id, name, alias or ISO code
                responses.setdefault("308", "PERMANENT_REDIRECT")
                responses.setdefault("410", "GONE")  # an id the change feed has deleted
            if method == "get":
                operation.setdefault("parameters", []).append("If-None-Match")
                responses.setdefault("304", "NOT_MODIFIED")
            for status, response in responses.items():
                if isinstance(response, dict) and str(status).startswith("2"):
                    response.setdefault("headers", {}).update(success_headers(method, status))
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                one_or_several(parameter)
            fields = next(
                (p for p in parameters if isinstance(p, dict) and p["name"] == "fields"), None
            )
            if fields is not None and not path.endswith(SPREADSHEETS):
                if path.endswith(SPARSE):
                    fields["required"] = True
                    operation["summary"] = f"{operation.get('summary', '')}, only the fields named"
                    ok = next(
                        answer for status, answer in responses.items() if str(status) == "200"
                    )
                    self.answer_sparse_page(ok["content"])
                else:  # the full list: `fields=` is its .sparse path's
                    parameters.remove(fields)
                    responses.setdefault("308", "PERMANENT_REDIRECT")

    def answer_sparse_page(self, content: dict) -> None:
        """A list narrowed by `fields=` answers a page of its own media type and schema (see
        `schemas.pages.sparse_page_schema`), in place of the full page."""
        full = content.pop("application/json")
        name = full["schema"]["$ref"].rsplit("/", 1)[-1]
        sparse = sparse_page_schema(class_registry.get_class(f"{name}Schema"))
        sparse_name = sparse.__name__.removesuffix("Schema")
        if sparse_name not in self.spec.components.schemas:
            self.spec.components.schema(sparse_name, schema=sparse)
        content[SPARSE_JSON] = {"schema": {"$ref": f"#/components/schemas/{sparse_name}"}}


# What every operation of a kind does, said once (a view's docstring may say more).
DESCRIPTIONS = {
    "list": "One page of the collection, in `sort` order, narrowed by the filters given (all "
    "must hold). Follow `links.next` (or the `Link` header) for the next page; revalidate "
    "with If-None-Match. An unknown parameter or value is a 400 that names it. Only some "
    "fields of each item: the same path with `.sparse` and `fields=` (here, a 308 leads there).",
    "get": "Revalidate with If-None-Match: a 304 while your copy is current. An unknown id is "
    "a 404.",
    "create": "Needs a bearer token. Every fact needs `evidence`: quotes found verbatim in a "
    "stored source. Send an Idempotency-Key to retry safely. Answers 201 with the item, its "
    "`Location` and `ETag`.",
    "update": "Needs a bearer token and If-Match with the item's ETag (a 412 if someone "
    "changed it since). Send only the fields to change. Answers 200 with the new ETag.",
    "delete": "Needs a bearer token and If-Match with the item's ETag. A 409 lists the items "
    "that still refer to this one. Answers 204.",
}


def operation_description(method: str, path: str, operation: dict) -> str:
    kind = operation_kind(method, path)
    if path.endswith(SPREADSHEETS):
        extension = path.rsplit(".", 1)[1]
        return (
            f"The rows of the JSON operation without `.{extension}`, as "
            + ("CSV (UTF-8; `bom=true` for Excel)" if extension == "csv" else "an Excel workbook")
            + ": a header row, then a row per item, a reference by its id with its name or "
            "title in the next column, evidence spans each in quote marks. Every row of the "
            "filtered collection, unless `limit` asks for a page; offered as a file "
            "(`Content-Disposition`)."
        )
    if path.endswith(SPARSE):
        return (
            "The page of the JSON operation without `.sparse`, with the same parameters, but "
            "each item holds only `id` and the fields `fields` names (every other field of "
            "its schema is optional here)."
        )
    return DESCRIPTIONS.get(kind) or operation.get("summary", "")


def success_headers(method: str, status) -> dict:
    headers = {"X-Request-ID": "X-Request-ID", **{name: name for name in RATE_LIMIT_HEADERS}}
    if str(status) in ("200", "201") and method in ("get", "post", "patch"):
        headers["ETag"] = "ETag"
    if str(status) == "201":
        headers["Location"] = "Location"
    if method == "get":
        headers["Link"] = "Link"
    return headers


BEARER = [{"bearerAuth": []}]  # the security scheme the factory declares
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
        blp, 400, 401, 403, 409, 413, 415, 422, 507, header=IDEMPOTENCY_KEY, links_from=201
    )


def documents_change(blp):
    """A PATCH: 200 with the item as it now is, or why not."""
    return documented(blp, 401, 403, 404, 412, 413, 415, 428, 507, header=IF_MATCH, links_from=200)


def documents_deletion(blp):
    """A DELETE: 204, or why not."""
    return documented(blp, 401, 403, 404, 409, 412, 428, 507, header=IF_MATCH)


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


def make_api(app) -> ProblemApi:
    """The app's flask-smorest Api, with our completions of the spec; `openapi_of(app)` finds it
    again."""
    plugins = {
        "marshmallow_plugin": ContractMarshmallowPlugin(),
        "extra_plugins": [ContractPlugin()],
    }
    return ProblemApi(app, spec_kwargs=plugins)


def openapi_of(app) -> ProblemApi:
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
