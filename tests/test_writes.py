"""Writes: tokens, validation, optimistic concurrency, dependants, idempotency, change feed."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from api.store.database import (
    WRITE_STALL_SECONDS,
    WRITE_WAIT_SECONDS,
    marked_as_write,
    stalled_writes,
)
from api.store.models import IdempotentResponse, utcnow
from tests.conftest import make_token
from tests.helpers import assert_problem, edits, newest_change, snapshot

QUOTE = {"source": "nato-divisions-ukraine", "quote": "The cracks within NATO are widening"}
NEW = {
    "actors": {
        "id": "moldova",
        "name": "Moldova",
        "kind": "country",
        "iso_code": "MD",
        "evidence": [QUOTE],
    },
    "proposals": {
        "id": "new-plan",
        "title": "A plan",
        "kind": "other",
        "summary": "A plan.",
        "status": "proposed",
        "proposers": ["france"],
        "basis": "reported",
        "asserted_by": "france",
        "evidence": [QUOTE],
    },
    "stances": {
        "id": "italy-skeptical-of-ceasefire",
        "actor": "italy",
        "proposal": "macron-30-day-ceasefire",
        "position": "skeptical",
        "certainty": "likely",
        "summary": "A test stance.",
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [QUOTE],
    },
    "commitments": {
        "id": "italy-2-pct",
        "actor": "italy",
        "metric": "defense_spending_pct_gdp",
        "value_min": 2,
        "value_max": 2,
        "kind": "current",
        "summary": "A test.",
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [QUOTE],
    },
    "events": {
        "id": "another-summit",
        "name": "Another summit",
        "kind": "summit",
        "participants": ["france"],
        "basis": "article",
        "evidence": [QUOTE],
    },
    "statements": {
        "id": "rutte-test",
        "speaker": "mark-rutte",
        "about": ["nato"],
        "summary": "A test remark.",
        "basis": "reported",
        "asserted_by": "mark-rutte",
        "evidence": [QUOTE],
    },
    "sources": {"id": "second-article", "title": "A second article", "text": "Short text."},
}
CHANGE = {
    "actors": ("nato", {"description": "Changed."}),
    "proposals": ("honor-nato-commitments", {"status": "stalled"}),
    "stances": ("italy-opposes-coalition", {"certainty": "reported"}),
    "commitments": ("united-kingdom-spending-plan-2-5-pct", {"horizon": "soon"}),
    "events": ("lancaster-house-summit", {"location": "London"}),
    "statements": ("mark-rutte-collective-defence", {"about": ["nato", "european-countries"]}),
    "sources": ("nato-divisions-ukraine", {"publisher": "Unknown"}),
}
COLLECTIONS = sorted(NEW)
FACTS = [name for name in COLLECTIONS if name != "sources"]


def writer_for(collection, editor, admin):
    return admin if collection == "sources" else editor


def etag_of(client, path):
    return client.get(path).headers["ETag"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_create_returns_201_with_location_and_etag(client, editor, admin, restore, collection):
    response = client.post(
        f"/v1/{collection}", json=NEW[collection], headers=writer_for(collection, editor, admin)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    item_id = NEW[collection]["id"]
    assert response.headers["Location"] == f"/v1/{collection}/{item_id}"
    assert response.headers["ETag"].startswith('"v1.')
    assert client.get(f"/v1/{collection}/{item_id}").json == response.json


def test_create_fills_offsets_from_a_unique_quote(client, editor, restore):
    response = client.post("/v1/actors", json=NEW["actors"], headers=editor)
    assert response.json["evidence"] == [{**QUOTE, "start": 0, "end": 35, "paragraph": 1}]


def test_create_is_recorded_in_the_change_feed(client, editor, restore):
    client.post("/v1/stances", json=NEW["stances"], headers=editor)
    change = newest_change(client)
    assert (change["method"], change["resource"], change["item_id"]) == (
        "POST",
        "stances",
        "italy-skeptical-of-ceasefire",
    )
    assert change["before"] is None
    assert change["after"]["position"] == "skeptical"
    assert change["by"] == "editor"  # its role: the token's name is not shown


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_patch_returns_200_and_a_new_etag(client, editor, admin, restore, collection):
    item_id, changes = CHANGE[collection]
    path = f"/v1/{collection}/{item_id}"
    etag = etag_of(client, path)
    headers = {**writer_for(collection, editor, admin), "If-Match": etag}
    response = client.patch(path, json=changes, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["ETag"] != etag
    for name, value in changes.items():
        got = response.json[name]
        if isinstance(value, list):
            got, value = sorted(ref["id"] for ref in got), sorted(value)
        assert got == value
    change = newest_change(client, collection)
    assert change["method"] == "PATCH" and change["before"] != change["after"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_patch_without_if_match_is_428(client, editor, admin, collection):
    item_id, changes = CHANGE[collection]
    headers = writer_for(collection, editor, admin)
    assert_problem(client.patch(f"/v1/{collection}/{item_id}", json=changes, headers=headers), 428)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_patch_with_stale_etag_is_412_and_changes_nothing(client, db, editor, admin, collection):
    item_id, changes = CHANGE[collection]
    headers = {**writer_for(collection, editor, admin), "If-Match": '"v99.0"'}
    before = snapshot()
    response = client.patch(f"/v1/{collection}/{item_id}", json=changes, headers=headers)
    assert_problem(response, 412)
    db.session.rollback()
    assert snapshot() == before


def test_two_editors_with_the_same_etag_one_wins(client, editor, restore):
    path = "/v1/stances/italy-opposes-coalition"
    headers = {**editor, "If-Match": etag_of(client, path)}
    first = client.patch(path, json={"summary": "First."}, headers=headers)
    second = client.patch(path, json={"summary": "Second."}, headers=headers)
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.get(path).json["summary"] == "First."


def test_if_match_from_a_pretty_or_csv_read_is_accepted(client, editor, restore):
    path = "/v1/stances/italy-opposes-coalition"
    etag = client.get(f"{path}?pretty=true").headers["ETag"]
    response = client.patch(path, json={"summary": "x"}, headers={**editor, "If-Match": etag})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "other"}, "id"),
        ({"url": "/v1/x"}, "url"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"position": "adores"}, "position"),
        ({"actor": "atlantis"}, "actor"),
        ({"summary": 5}, "summary"),
        ({"evidence": []}, "evidence"),
        (
            {"evidence": [{"source": "nato-divisions-ukraine", "quote": "not there"}]},
            "evidence.0.quote",
        ),
    ],
)
def test_patch_with_invalid_body_is_422_naming_the_field(client, db, editor, body, field):
    path = "/v1/stances/italy-opposes-coalition"
    before = snapshot()
    response = client.patch(path, json=body, headers={**editor, "If-Match": "*"})
    assert field in assert_problem(response, 422)["errors"]
    db.session.rollback()
    assert snapshot() == before


def invalid(collection, **changes):
    return {**NEW[collection], **changes}


@pytest.mark.parametrize(
    ("collection", "body", "field"),
    [
        ("stances", invalid("stances", extra=1), "extra"),
        ("stances", invalid("stances", position="adores"), "position"),
        ("stances", invalid("stances", actor="atlantis"), "actor"),
        ("stances", invalid("stances", actor=7), "actor"),
        ("stances", {"id": "x"}, "summary"),
        ("stances", invalid("stances", evidence=[{"quote": "NATO"}]), "evidence.0.quote"),
        (
            "stances",
            invalid("stances", evidence=[{"source": "nato-divisions-ukraine", "quote": "NATO"}]),
            "evidence.0.quote",
        ),
        ("stances", invalid("stances", id="Not A Slug"), "id"),
        ("actors", invalid("actors", kind="planet"), "kind"),
        ("actors", invalid("actors", iso_code="EST"), "iso_code"),
        ("actors", invalid("actors", members=["atlantis"]), "members"),
        ("commitments", invalid("commitments", value_min=3, value_max=2), "value_min"),
        ("commitments", invalid("commitments", value_max=1e20), "value_max"),
        ("stances", invalid("stances", summary="a\u0000b"), "summary"),
        ("stances", invalid("stances", summary="\ud800"), "summary"),
        ("actors", invalid("actors", aliases=["ok", "x\u0000"]), "aliases.1"),
        ("proposals", invalid("proposals", proposers=["atlantis"]), "proposers"),
        ("events", invalid("events", date="someday"), "date"),
        ("statements", invalid("statements", speaker=None), "speaker"),
        ("sources", invalid("sources", original_url="not a url"), "original_url"),
    ],
)
def test_create_with_invalid_body_is_422_and_writes_nothing(
    client, db, editor, admin, collection, body, field
):
    before = snapshot()
    headers = {**writer_for(collection, editor, admin), "Content-Type": "application/json"}
    response = client.post(f"/v1/{collection}", data=json.dumps(body), headers=headers)
    assert field in assert_problem(response, 422)["errors"]
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_create_with_existing_id_is_409(client, editor, admin, collection):
    body = {**NEW[collection], "id": CHANGE[collection][0]}
    response = client.post(
        f"/v1/{collection}", json=body, headers=writer_for(collection, editor, admin)
    )
    assert_problem(response, 409)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_write_without_token_is_401_with_challenge(client, collection):
    response = client.post(f"/v1/{collection}", json=NEW[collection])
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization", ["Bearer wrong", "Basic dXNlcjpwYXNz", "Bearer", "bearer  ", "Token x"]
)
def test_write_with_bad_token_is_401(client, authorization):
    response = client.post(
        "/v1/stances", json=NEW["stances"], headers={"Authorization": authorization}
    )
    assert_problem(response, 401)


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_editor_cannot_write_sources(client, editor, method):
    path = "/v1/sources" if method == "post" else "/v1/sources/nato-divisions-ukraine"
    response = getattr(client, method)(
        path, json=NEW["sources"], headers={**editor, "If-Match": "*"}
    )
    assert_problem(response, 403)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_write_that_is_not_json_is_415(client, editor, admin, collection):
    headers = {**writer_for(collection, editor, admin), "Content-Type": "text/plain"}
    assert_problem(client.post(f"/v1/{collection}", data="id=x", headers=headers), 415)


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("body", ["{", '{"id": ', "[1, 2", "nul", '{"a": 1}}'])
def test_malformed_json_is_400(client, editor, admin, collection, body):
    headers = {**writer_for(collection, editor, admin), "Content-Type": "application/json"}
    assert_problem(client.post(f"/v1/{collection}", data=body, headers=headers), 400)


@pytest.mark.parametrize(
    "body",
    [
        '{"id": NaN}',
        '{"value_max": Infinity}',
        '{"id": "a", "id": "b"}',
        "[" * 5000 + "]" * 5000,
        b'{"id": "\xff"}',
    ],
)
def test_ambiguous_or_broken_json_is_400(client, editor, body):
    headers = {**editor, "Content-Type": "application/json"}
    assert_problem(client.post("/v1/commitments", data=body, headers=headers), 400)


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_422(client, editor, body):
    headers = {**editor, "Content-Type": "application/json"}
    assert_problem(client.post("/v1/stances", data=body, headers=headers), 422)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_body_over_one_mebibyte_is_413(client, editor, admin, collection):
    body = '{"id": "x", "summary": "' + "a" * (1024 * 1024) + '"}'
    headers = {**writer_for(collection, editor, admin), "Content-Type": "application/json"}
    assert_problem(client.post(f"/v1/{collection}", data=body, headers=headers), 413)
    item_id, _ = CHANGE[collection]
    headers["If-Match"] = "*"
    assert_problem(client.patch(f"/v1/{collection}/{item_id}", data=body, headers=headers), 413)


def test_delete_returns_204_and_the_item_is_gone(client, editor, restore):
    path = "/v1/stances/italy-opposes-coalition"
    response = client.delete(path, headers={**editor, "If-Match": etag_of(client, path)})
    assert response.status_code == 204
    assert_problem(client.get(path), 410)
    change = newest_change(client)
    assert (change["method"], change["after"]) == ("DELETE", None)
    assert client.get("/v1/search?q=Italy&type=stances").json["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("path", "dependant"),
    [
        ("/v1/actors/italy", "/v1/stances/italy-opposes-coalition"),
        ("/v1/actors/united-kingdom", "/v1/actors/keir-starmer"),
        (
            "/v1/actors/european-countries",
            "/v1/commitments/emmanuel-macron-european-target-3-3-5-pct",
        ),
        ("/v1/proposals/macron-30-day-ceasefire", "/v1/events/lancaster-house-summit"),
        ("/v1/sources/nato-divisions-ukraine", "/v1/actors/nato"),
    ],
)
def test_delete_with_dependants_is_409_listing_them(client, db, editor, admin, path, dependant):
    before = snapshot()
    headers = {**(admin if "sources" in path else editor), "If-Match": "*"}
    body = assert_problem(client.delete(path, headers=headers), 409)
    assert dependant in body["errors"]["dependants"]
    db.session.rollback()
    assert snapshot() == before


def test_delete_without_if_match_is_428(client, editor):
    assert_problem(client.delete("/v1/stances/italy-opposes-coalition", headers=editor), 428)


def test_delete_with_stale_etag_is_412(client, editor):
    headers = {**editor, "If-Match": '"v7.x"'}
    assert_problem(client.delete("/v1/stances/italy-opposes-coalition", headers=headers), 412)


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_write_to_unknown_item_is_404(client, editor, admin, collection, method):
    headers = {**writer_for(collection, editor, admin), "If-Match": "*"}
    response = getattr(client, method)(f"/v1/{collection}/nothing", json={}, headers=headers)
    assert_problem(response, 404)


PREFLIGHT = {
    "Origin": "https://elsewhere.example",
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "Authorization, If-Match, Content-Type",
}


def test_any_origin_may_write_when_cors_origins_is_unset(client):
    allowed = client.options("/v1/actors/nato", headers=PREFLIGHT)
    assert allowed.headers["Access-Control-Allow-Origin"] == "*"  # no credentials: any origin
    assert "If-Match" in allowed.headers["Access-Control-Allow-Headers"]


def test_cors_origins_narrows_the_origins_that_may_write(make_app, editor, db):
    client = make_app(CORS_ORIGINS=["https://desk.example"]).test_client()
    before = snapshot()
    # A failed preflight stops the browser from sending the write; a write sent anyway is
    # refused before anything is read, and says which origins may write.
    refused = client.options("/v1/actors/nato", headers=PREFLIGHT)
    assert "https://desk.example" in assert_problem(refused, 403)["detail"]
    write = client.patch(
        "/v1/actors/nato",
        json={"description": "x"},
        headers={**editor, "If-Match": "*", "Origin": "https://elsewhere.example"},
    )
    assert_problem(write, 403)
    assert snapshot() == before
    desk = client.options(
        "/v1/actors/nato", headers={**PREFLIGHT, "Origin": "https://desk.example"}
    )
    assert desk.headers["Access-Control-Allow-Origin"] == "*"
    read = client.get("/v1/actors/nato", headers={"Origin": "https://elsewhere.example"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("post", "/v1/stances", "nobody", NEW["stances"], 401),
        ("post", "/v1/sources", "editor", NEW["sources"], 403),
        ("patch", "/v1/stances/italy-opposes-coalition", "stale", {"summary": "x"}, 412),
        ("post", "/v1/stances", "editor", {**NEW["stances"], "position": "adores"}, 422),
        ("patch", "/v1/stances/italy-opposes-coalition", "editor", {"summary": "x"}, 428),
    ],
)
def test_write_errors_are_readable_by_a_page_on_another_origin(
    client, editor, method, path, headers, body, status
):
    extra = {
        "editor": editor,
        "stale": {**editor, "If-Match": '"v99.0"'},
    }.get(headers, {})
    origin = {"Origin": "https://front.example", **extra}
    response = getattr(client, method)(path, json=body, headers=origin)
    assert_problem(response, status)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


def test_weak_etag_never_matches_if_match(client, db, editor):
    path = "/v1/stances/italy-opposes-coalition"
    before = snapshot()
    weak = f"W/{etag_of(client, path)}"
    response = client.patch(path, json={"summary": "x"}, headers={**editor, "If-Match": weak})
    assert "weak ETag" in assert_problem(response, 412)["detail"]
    db.session.rollback()
    assert snapshot() == before


def test_if_match_star_matches_any_existing_item(client, editor, restore):
    path = "/v1/stances/italy-opposes-coalition"
    response = client.patch(path, json={"summary": "Any."}, headers={**editor, "If-Match": "*"})
    assert response.status_code == 200
    missing = client.patch("/v1/stances/none", json={}, headers={**editor, "If-Match": "*"})
    assert_problem(missing, 404)


@pytest.mark.parametrize(
    ("collection", "body", "expected"),
    [
        ("events", {**NEW["events"], "name": "Lancaster House"}, "lancaster-house"),
        ("actors", {**NEW["actors"], "name": "Côte d’Ivoire"}, "cote-d-ivoire"),
        ("stances", NEW["stances"], "italy-skeptical-macron-30-day-ceasefire"),
        ("events", {**NEW["events"], "name": "Lancaster House summit"}, "lancaster-house-summit-2"),
        ("actors", {**NEW["actors"], "name": "!!!"}, "actor"),
    ],
)
def test_create_without_id_derives_a_readable_slug(
    client, editor, restore, collection, body, expected
):
    body = {key: value for key, value in body.items() if key != "id"}
    response = client.post(f"/v1/{collection}", json=body, headers=editor)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["id"] == expected
    assert response.headers["Location"] == f"/v1/{collection}/{expected}"
    assert client.get(f"/v1/{collection}/{expected}").status_code == 200


def test_matrix_is_a_valid_id_outside_stances(client, editor, restore):
    response = client.post("/v1/actors", json={**NEW["actors"], "id": "matrix"}, headers=editor)
    assert response.status_code == 201
    assert client.get(response.headers["Location"]).json["id"] == "matrix"


def test_matrix_is_refused_as_a_stance_id(client, db, editor):
    before = snapshot()
    response = client.post("/v1/stances", json={**NEW["stances"], "id": "matrix"}, headers=editor)
    assert "id" in assert_problem(response, 422)["errors"]
    db.session.rollback()
    assert snapshot() == before


def test_stance_derived_id_skips_the_matrix(client, editor, restore):
    body = {key: value for key, value in NEW["stances"].items() if key != "id"}
    response = client.post("/v1/stances", json=body, headers=editor)
    assert response.json["id"] != "matrix"


def test_idempotency_key_replays_the_first_create(client, editor, restore):
    headers = {**editor, "Idempotency-Key": "retry-1"}
    first = client.post("/v1/stances", json=NEW["stances"], headers=headers)
    again = client.post("/v1/stances", json=NEW["stances"], headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [change["method"] for change in edits(client, "stances")] == ["POST"]


def test_idempotency_key_reused_elsewhere_is_422(client, editor, restore):
    headers = {**editor, "Idempotency-Key": "retry-2"}
    client.post("/v1/stances", json=NEW["stances"], headers=headers)
    assert_problem(client.post("/v1/actors", json=NEW["actors"], headers=headers), 422)


def test_idempotency_key_with_another_body_is_422_and_writes_nothing(client, db, admin, restore):
    headers = {**admin, "Idempotency-Key": "k-1"}
    first = client.post("/v1/sources", json={**NEW["sources"], "id": "probe-a"}, headers=headers)
    assert first.status_code == 201
    before = snapshot()
    other = client.post("/v1/sources", json={**NEW["sources"], "id": "probe-b"}, headers=headers)
    problem = assert_problem(other, 422)
    assert "'k-1' was already used for another request" in problem["detail"]
    assert "Idempotency-Key" in problem["errors"]
    db.session.rollback()
    assert snapshot() == before
    assert_problem(client.get("/v1/sources/probe-b"), 404)


def test_idempotency_key_replays_the_same_body_in_another_key_order(client, admin, restore):
    headers = {**admin, "Idempotency-Key": "k-order"}
    body = {**NEW["sources"], "id": "probe-c"}
    first = client.post("/v1/sources", json=body, headers=headers)
    reordered = json.dumps(dict(reversed(list(body.items()))))
    again = client.post(
        "/v1/sources", data=reordered, headers={**headers, "Content-Type": "application/json"}
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_idempotency_keys_belong_to_one_token(app, client, editor, restore):
    other = {"Authorization": f"Bearer {make_token(app, 'editor')}"}
    body = {key: value for key, value in NEW["events"].items() if key != "id"}
    first = client.post("/v1/events", json=body, headers={**editor, "Idempotency-Key": "shared"})
    second = client.post("/v1/events", json=body, headers={**other, "Idempotency-Key": "shared"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert first.json["id"] != second.json["id"]


def test_idempotency_key_expires_after_a_day_and_is_pruned(client, db, editor, restore):
    headers = {**editor, "Idempotency-Key": "old-key"}
    body = {key: value for key, value in NEW["events"].items() if key != "id"}
    first = client.post("/v1/events", json=body, headers=headers)
    stored = db.session.scalar(
        select(IdempotentResponse).where(IdempotentResponse.key == "old-key")
    )
    stored.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    again = client.post("/v1/events", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in again.headers
    assert again.json["id"] == first.json["id"] + "-2"
    db.session.expire_all()
    renewed = db.session.get(IdempotentResponse, (stored.token_name, "old-key")).created_at
    db.session.rollback()  # before restore reseeds
    assert renewed > utcnow() - timedelta(hours=1)


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "caf\u00e9", "two words"])
def test_malformed_idempotency_key_is_400_and_writes_nothing(client, db, editor, key):
    before = snapshot()
    headers = {**editor, "Idempotency-Key": key}
    response = client.post("/v1/stances", json=NEW["stances"], headers=headers)
    assert "Idempotency-Key" in assert_problem(response, 400)["errors"]
    db.session.rollback()
    assert snapshot() == before


def test_reads_see_a_new_etag_after_a_write(client, editor, restore):
    before = etag_of(client, "/v1/stances")
    client.post("/v1/stances", json=NEW["stances"], headers=editor)
    assert etag_of(client, "/v1/stances") != before


def test_admin_token_from_the_environment_can_write(make_app, restore):
    token = "from-the-environment-" + "x" * 32
    client = make_app(API_ADMIN_TOKEN=token).test_client()
    response = client.post(
        "/v1/sources", json=NEW["sources"], headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201


def test_revoked_token_is_401(app, client, runner):
    token = runner.invoke(args=["tokens", "create", "--name", "temp-desk"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/v1/stances", json={}, headers=headers).status_code == 422
    assert runner.invoke(args=["tokens", "revoke", "temp-desk"]).exit_code == 0
    assert_problem(client.post("/v1/stances", json={}, headers=headers), 401)


def sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock")


def test_a_write_that_stops_moving_while_holding_the_lock_is_stalled(db):
    """A worker's watch (gunicorn.conf.py) ends it when one of its writes holds SQLite's write
    lock with no statement ending for WRITE_STALL_SECONDS; a write that moves is not stalled."""
    sqlite_only(db)
    db.session.rollback()
    with marked_as_write():
        db.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
        moved = time.monotonic()
        assert stalled_writes(moved + WRITE_STALL_SECONDS - 1) == []
        assert len(stalled_writes(moved + WRITE_STALL_SECONDS + 1)) == 1
        later = time.monotonic()
        db.session.execute(text("SELECT 1"))
        assert stalled_writes(later + WRITE_STALL_SECONDS - 0.5) == []
        db.session.rollback()
    assert stalled_writes(time.monotonic() + 3600) == []


def test_a_read_is_never_a_stalled_write(db):
    sqlite_only(db)
    db.session.rollback()
    db.session.execute(text("SELECT 1"))  # a read's BEGIN: no write lock
    assert stalled_writes(time.monotonic() + 3600) == []


def test_a_write_waits_five_seconds_at_most_for_the_lock(db):
    sqlite_only(db)
    waits = db.session.execute(text("PRAGMA busy_timeout")).scalar()
    assert waits == WRITE_WAIT_SECONDS * 1000 == 5000
