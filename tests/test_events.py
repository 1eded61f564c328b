"""Events: the Lancaster House summit and its filters."""

import pytest

from tests.helpers import ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=summit", ["lancaster-house-summit"]),
        ("kind=meeting", []),
        ("participant=lancaster-house-leaders", ["lancaster-house-summit"]),
        ("participant=european leaders", []),
        ("proposal=macron-30-day-ceasefire", ["lancaster-house-summit"]),
        ("sort=-name", ["lancaster-house-summit"]),
    ],
)
def test_list_events_filtered(client, query, expected):
    assert ids(client.get(f"/v1/events?{query}")) == expected


def test_get_event_has_no_date_the_article_does_not_give(client):
    event = client.get("/v1/events/lancaster-house-summit").json
    assert event["date"] is None
    assert event["location"] == "Lancaster House, London"
    assert "significant progress" in event["outcome"]
