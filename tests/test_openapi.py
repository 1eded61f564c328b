"""The committed OpenAPI document is generated from the code and describes every response."""

import csv
import functools
import io
import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from api.http.openapi import openapi_of

SPEC_FILE = Path(__file__).resolve().parent.parent / "openapi.yaml"
REGENERATE = "flask --app api openapi write --format=yaml openapi.yaml"


@functools.cache
def committed() -> dict:
    """The committed spec, parsed once (with libyaml's loader): tests read it, never change it."""
    return yaml.load(SPEC_FILE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def test_committed_spec_matches_code(app):
    generated = openapi_of(app).spec.to_dict()
    assert committed() == generated, f"openapi.yaml is stale: run `{REGENERATE}`"


def test_committed_spec_is_valid_openapi_3_1():
    assert committed()["openapi"] == "3.1.0"
    validate(committed())


def test_openapi_json_is_served(client):
    assert client.get("/openapi.json").json == committed()


def test_openapi_yaml_is_served(client):
    response = client.get("/openapi.yaml")
    spec = yaml.load(response.get_data(as_text=True), Loader=yaml.CSafeLoader)
    assert spec["info"]["title"] == "Briefing API"


def test_docs_are_served_without_any_cdn(client):
    page = client.get("/docs/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/docs/"), asset
        with client.get(asset) as response:
            assert response.status_code == 200


def answer(client, path: str, query: str = ""):
    """GET a path with this query, its template filled with the first id that gives a
    non-empty answer."""
    if path.startswith("/v1/search"):
        query = f"q=NATO&{query}"
    if "{" not in path:
        return client.get(f"{path}?{query}")
    collection = path.split("/")[2].removesuffix(".sparse")
    for item in client.get(f"/v1/{collection}").json["data"]:
        response = client.get(re.sub(r"\{\w+\}", item["id"], path) + f"?{query}")
        if response.json.get("data", True):
            return response
    raise AssertionError(f"no {collection} item gives {path} any data")


def resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    return schema


# Lists with nothing in them on the seed alone: tests/test_follow_up.py reads them full.
EMPTY_ON_THE_SEED = {"/v1/disagreements"}


@pytest.mark.parametrize(
    "path",
    sorted(
        path
        for path, operations in committed()["paths"].items()
        if "get" in operations and not path.endswith((".csv", ".xlsx", ".sparse"))
    ),
)
def test_every_path_answers_with_the_documented_fields(client, path):
    document = committed()
    components = document["components"]["schemas"]
    operation = document["paths"][path]["get"]
    response = answer(client, path)
    assert str(response.status_code) in operation["responses"]
    schema = resolve(
        operation["responses"]["200"]["content"]["application/json"]["schema"], components
    )
    body = response.json
    # What is sent only sometimes is not required (the briefing's `reported_elsewhere`).
    assert set(schema.get("required", [])) <= set(body) <= set(schema["properties"])
    assert set(schema["properties"]) - set(body) <= {"reported_elsewhere"}
    if "data" in body and path not in EMPTY_ON_THE_SEED:
        item_schema = resolve(schema["properties"]["data"]["items"], components)
        assert body["data"]
        for item in body["data"]:
            assert set(item) == set(item_schema["properties"])


@pytest.mark.parametrize(
    "path", sorted(path for path in committed()["paths"] if path.endswith(".csv"))
)
def test_every_csv_path_has_a_column_per_field_of_its_json_twin(client, path):
    document = committed()
    components = document["components"]["schemas"]
    twin = document["paths"][path.removesuffix(".csv")]["get"]
    response = answer(client, path)
    assert response.content_type == "text/csv; charset=utf-8"
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    schema = resolve(twin["responses"]["200"]["content"]["application/json"]["schema"], components)
    if "data" in schema["properties"]:
        item_schema = resolve(schema["properties"]["data"]["items"], components)
        # A column per field, and after each reference one with the name of what it names.
        names = [c for c in header if c.endswith("_name") and c.removesuffix("_name") in header]
        assert {column for column in header if column not in names} == set(
            item_schema["properties"]
        )
        for column in names:
            assert header[header.index(column) - 1] == column.removesuffix("_name")
    else:  # the matrix: an actor column, then one per proposal
        assert header[0] == "actor" and len(header) > 1


@pytest.mark.parametrize(
    "path", sorted(path for path in committed()["paths"] if path.endswith(".sparse"))
)
def test_every_sparse_path_is_its_twins_page_with_only_the_fields_named(client, path):
    """A list narrowed by `fields=` is its own operation, so that the full list's operation
    answers one media type, its items typed in full (a default generated client reads them
    without casts)."""
    document = committed()
    sparse, full = document["paths"][path]["get"], document["paths"][path.removesuffix(".sparse")]
    assert list(full["get"]["responses"]["200"]["content"]) == ["application/json"]
    assert "fields" not in [parameter.get("name") for parameter in full["get"]["parameters"]]
    fields = next(p for p in sparse["parameters"] if p.get("name") == "fields")
    assert fields["required"] is True
    content = sparse["responses"]["200"]["content"]
    assert list(content) == ["application/vnd.briefing.sparse+json"]
    schema = resolve(
        content["application/vnd.briefing.sparse+json"]["schema"], document["components"]["schemas"]
    )
    item_schema = resolve(schema["properties"]["data"]["items"], document["components"]["schemas"])
    assert item_schema["required"] == ["id"]
    assert answer(client, path).status_code == 400  # no fields named
    narrowed = answer(client, path, "fields=id")
    assert narrowed.mimetype == "application/vnd.briefing.sparse+json"
    assert narrowed.json["data"] and all(list(item) == ["id"] for item in narrowed.json["data"])


def test_every_error_response_in_the_spec_is_problem_json():
    """Our override of flask-smorest's response components still takes effect."""
    responses = committed()["components"]["responses"]
    errors = {name: body for name, body in responses.items() if "schema" in str(body)}
    assert {"NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"} <= set(errors)
    for body in errors.values():
        assert list(body["content"]) == ["application/problem+json"]


def test_each_app_serves_its_own_spec(app, make_app, client):
    other = make_app()
    assert openapi_of(other) is not openapi_of(app)
    assert client.get("/openapi.json").json == openapi_of(app).spec.to_dict()
