"""A page costs a fixed number of SQL queries, whatever its size or what it expands (no N+1)."""

import pytest

from tests.helpers import counting_queries


@pytest.fixture
def count_queries(app):
    """The SQL statements the shared test app sends while the test runs."""
    with counting_queries(app) as counted:
        yield counted


PATHS = [
    "/v1/actors?expand=members,roles",
    "/v1/proposals?expand=proposers,events",
    "/v1/stances?expand=actor,proposal",
    "/v1/commitments?expand=actor,applies_to",
    "/v1/events?expand=participants,proposals",
    "/v1/statements?expand=speaker,about",
    "/v1/sources/nato-divisions-ukraine/facts",
    "/v1/stances?actor=UK",
    "/v1/search?q=nato",
    "/v1/changes",
]


def queries_for(client, counted, path) -> int:
    counted.clear()
    assert client.get(path).status_code == 200
    return len(counted)


@pytest.mark.parametrize("path", PATHS)
def test_query_count_does_not_grow_with_the_page(client, count_queries, path):
    joiner = "&" if "?" in path else "?"
    # 50: the most a page that expands may hold, and more than the seed has of anything.
    one = queries_for(client, count_queries, f"{path}{joiner}limit=1")
    many = queries_for(client, count_queries, f"{path}{joiner}limit=50")
    # One query per relationship (or fact type) at most, never one per item: a page of one
    # may skip a relationship it has nothing in, a full page may not.
    assert many <= one + 6
    assert many <= 16


@pytest.mark.parametrize(
    "path",
    [
        "/v1/briefing",
        "/v1/stances/matrix",
        "/v1/stances/italy-opposes-coalition?expand=actor,proposal",
    ],
)
def test_views_use_a_bounded_number_of_queries(client, count_queries, path):
    assert queries_for(client, count_queries, path) <= 30
