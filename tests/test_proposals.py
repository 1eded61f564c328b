"""Proposals: filters, provisions and the stances on each proposal."""

import pytest

from tests.helpers import assert_problem, assert_sorted, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=stalled", ["macron-30-day-ceasefire"]),
        ("status=unknown", ["nato-collective-deployment"]),
        ("kind=troop_deployment", ["coalition-of-the-willing", "nato-collective-deployment"]),
        ("proposer=macron", ["european-defense-spending-target", "macron-30-day-ceasefire"]),
        ("proposer=ukraine", ["robust-security-agreement"]),
        (
            "event=lancaster-house-summit",
            ["european-defense-spending-target", "macron-30-day-ceasefire"],
        ),
        ("kind=ceasefire&status=adopted", []),
        ("effect=halts", ["macron-30-day-ceasefire"]),
        ("effect=excludes", ["coalition-of-the-willing", "macron-30-day-ceasefire"]),
    ],
)
def test_list_proposals_filtered(client, query, expected):
    assert ids(client.get(f"/v1/proposals?{query}")) == expected


def test_get_proposal_shows_provisions_proposers_and_events(client):
    proposal = client.get("/v1/proposals/macron-30-day-ceasefire").json
    assert proposal["duration_days"] == 30
    assert {"text": "fighting on the frontline", "effect": "allows"} in proposal["provisions"]
    assert [actor["id"] for actor in proposal["proposers"]] == ["emmanuel-macron"]
    assert [event["id"] for event in proposal["events"]] == ["lancaster-house-summit"]


def test_list_proposal_stances(client):
    found = ids(client.get("/v1/proposals/macron-30-day-ceasefire/stances"))
    assert len(found) == 6
    assert "ceasefire-critics-oppose-ceasefire" in found


def test_list_proposal_stances_of_unknown_proposal_is_404(client):
    assert_problem(client.get("/v1/proposals/peace-now/stances"), 404)


@pytest.mark.parametrize("sort", ["title", "-status"])
def test_list_proposals_sorted(client, sort):
    assert len(ids(client.get(f"/v1/proposals?sort={sort}"))) == 6
    assert_sorted(client, "proposals", sort)
