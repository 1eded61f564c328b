"""What every collection and item shares: envelope, urls, evidence, details and 404s."""

import pytest

from tests.helpers import assert_problem, ids

COLLECTIONS = ["sources", "actors", "proposals", "stances", "commitments", "events", "statements"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_list_returns_envelope(client, collection):
    body = client.get(f"/v1/{collection}").json
    assert set(body) == {"data", "meta", "links"}
    assert body["meta"]["limit"] == 50
    assert body["meta"]["next_cursor"] is None
    assert body["links"] == {"self": f"/v1/{collection}", "next": None}
    assert len(body["data"]) == body["meta"]["total"] > 0


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_list_items_carry_url_timestamps_and_evidence(client, collection):
    for item in client.get(f"/v1/{collection}").json["data"]:
        assert item["url"] == f"/v1/{collection}/{item['id']}"
        assert item["created_at"].endswith("+00:00")
        assert item["updated_at"] >= item["created_at"]
        if collection != "sources":
            assert item["evidence"]
            assert all(span["quote"] for span in item["evidence"])


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_get_item_equals_its_list_entry(client, collection):
    for item in client.get(f"/v1/{collection}").json["data"]:
        response = client.get(item["url"])
        assert response.status_code == 200
        assert response.json == item


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_get_unknown_id_is_404(client, collection):
    body = assert_problem(client.get(f"/v1/{collection}/no-such-thing"), 404)
    assert "no-such-thing" in body["detail"]
    assert f"/v1/{collection}" in body["detail"]


@pytest.mark.parametrize(
    "path", ["/v1/actors/Frankreich", "/v1/actors/%E0%A5%A7", "/v1/actors/a%00b"]
)
def test_get_malformed_id_is_404(client, path):
    assert_problem(client.get(path), 404)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_list_is_sorted_by_id_by_default(client, collection):
    found = ids(client.get(f"/v1/{collection}"))
    assert found == sorted(found)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_list_sorted_descending(client, collection):
    found = ids(client.get(f"/v1/{collection}?sort=-id"))
    assert found == sorted(found, reverse=True)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_item_rejects_unknown_parameter(client, collection):
    first = client.get(f"/v1/{collection}").json["data"][0]
    body = assert_problem(client.get(first["url"] + "?extra=1"), 400)
    assert "extra" in body["errors"]


def test_json_keeps_curly_quotes_unescaped(client):
    raw = client.get("/v1/proposals/coalition-of-the-willing").get_data()
    assert "“coalition of the willing”".encode() in raw
    assert b"\\u201c" not in raw
