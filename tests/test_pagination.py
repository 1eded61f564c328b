"""Keyset pagination: cursors, Link headers, and parameter validation."""

import base64
import json

import pytest

from tests.helpers import assert_problem


def walk(client, url):
    """Follow links.next to the end; return every id seen and every response."""
    seen, responses = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        responses.append(response)
        seen += [item["id"] for item in response.json["data"]]
        url = response.json["links"]["next"]
    return seen, responses


@pytest.mark.parametrize("sort", ["id", "-id", "position", "-certainty", "updated_at"])
def test_cursor_walk_returns_every_item_once_in_order(client, sort):
    everything = [s["id"] for s in client.get(f"/v1/stances?sort={sort}&limit=200").json["data"]]
    seen, responses = walk(client, f"/v1/stances?sort={sort}&limit=5")
    assert seen == everything
    assert len(seen) == 19
    assert len(responses) == 4


def test_link_header_matches_links_next(client):
    response = client.get("/v1/stances?position=skeptical&limit=2")
    next_url = response.json["links"]["next"]
    assert response.headers["Link"] == f'<{next_url}>; rel="next"'
    assert "position=skeptical" in next_url
    assert response.json["meta"]["next_cursor"] in next_url


def test_last_page_has_no_next(client):
    _, responses = walk(client, "/v1/stances?limit=10")
    last = responses[-1]
    assert "Link" not in last.headers
    assert last.json["meta"]["next_cursor"] is None


def test_total_counts_every_match_not_the_page(client):
    assert client.get("/v1/stances?limit=1").json["meta"]["total"] == 19


def forge(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",
        forge(["position", "opposes", "x"]),
        forge(["id", 5, "x"]),
        forge(["id", "a"]),
        forge({"id": "a"}),
        forge(["updated_at", "yesterday", "x"]),
    ],
)
def test_bad_cursor_is_400(client, cursor):
    body = assert_problem(client.get(f"/v1/stances?cursor={cursor}"), 400)
    assert "links.next" in body["errors"]["cursor"][0]


def test_cursor_from_another_sort_is_400(client):
    cursor = client.get("/v1/stances?limit=2&sort=position").json["meta"]["next_cursor"]
    assert_problem(client.get(f"/v1/stances?limit=2&cursor={cursor}"), 400)


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1e3", "99999999999999999999"])
def test_limit_out_of_range_is_400(client, limit):
    body = assert_problem(client.get(f"/v1/actors?limit={limit}"), 400)
    assert "limit" in body["errors"]


@pytest.mark.parametrize("limit", ["1", "200"])
def test_limit_bounds_are_accepted(client, limit):
    assert client.get(f"/v1/actors?limit={limit}").json["meta"]["limit"] == int(limit)


def test_unknown_parameter_is_400_listing_valid_ones(client):
    body = assert_problem(client.get("/v1/actors?contry=FR"), 400)
    message = body["errors"]["contry"][0]
    assert message.startswith("Unknown parameter.")
    for name in ("kind", "iso_code", "limit", "cursor", "sort"):
        assert name in message
    assert "contry" in body["detail"]


@pytest.mark.parametrize("limit", ["５", "٥", "٣٠", "5٥"])
def test_limit_takes_ascii_digits_only(client, limit):
    body = assert_problem(client.get("/v1/stances", query_string={"limit": limit}), 400)
    assert "limit" in body["errors"]
