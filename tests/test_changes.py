"""The change feed: every write, oldest first, filtered by resource and time."""

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def two_writes(client, editor, restore):
    """Change an actor, then a stance; the feed from the first of them on."""
    for path, body in [
        ("/v1/actors/nato", {"description": "One."}),
        ("/v1/stances/italy-opposes-coalition", {"summary": "Two."}),
    ]:
        response = client.patch(path, json=body, headers={**editor, "If-Match": "*"})
        assert response.status_code == 200
    first = client.get("/v1/changes?resource=actors&sort=-id&limit=1").json["data"][0]
    return "/v1/changes?since=" + first["at"].replace("+00:00", "Z")


def test_changes_start_with_what_the_seed_loaded(client):
    first = client.get("/v1/changes?limit=1").json["data"][0]
    assert (first["method"], first["by"], first["resource"]) == (
        "POST",
        "cli:seed",
        "sources",
    )


def test_changes_list_oldest_first(client, two_writes):
    changes = client.get(two_writes).json["data"]
    assert [change["resource"] for change in changes] == ["actors", "stances"]
    assert changes[0]["id"] < changes[1]["id"]
    assert changes[1]["url"] == "/v1/stances/italy-opposes-coalition"
    assert changes[1]["before"]["summary"] != changes[1]["after"]["summary"] == "Two."


def test_changes_filtered_by_resource(client, two_writes):
    changes = client.get(f"{two_writes}&resource=actors").json["data"]
    assert [change["item_id"] for change in changes] == ["nato"]


def test_changes_since_a_time(client, two_writes):
    changes = client.get(two_writes).json["data"]
    since = changes[1]["at"].replace("+00:00", "Z")
    assert [c["id"] for c in client.get(f"/v1/changes?since={since}").json["data"]] == [
        changes[1]["id"]
    ]
    assert client.get("/v1/changes?since=2999-01-01T00:00:00Z").json["data"] == []


def test_changes_page_with_cursors(client, two_writes):
    first = client.get(f"{two_writes}&limit=1").json
    second = client.get(first["links"]["next"]).json
    assert first["data"][0]["id"] < second["data"][0]["id"]
    assert second["links"]["next"] is None


@pytest.mark.parametrize(
    "query", ["since=yesterday", "since=2026-13-01", "resource=planets", "q=nato"]
)
def test_changes_reject_bad_parameters(client, query):
    assert_problem(client.get(f"/v1/changes?{query}"), 400)
