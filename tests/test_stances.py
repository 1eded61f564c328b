"""Stances: who stands where, filtered as a journalist would type it."""

import pytest

from tests.helpers import assert_problem, ids


@pytest.mark.parametrize("actor", ["united-kingdom", "UK", "uk", "Britain", "british government"])
def test_filter_by_actor_takes_id_name_or_alias(client, actor):
    assert len(ids(client.get(f"/v1/stances?actor={actor}"))) == 3


def test_filter_by_actor_and_position(client):
    assert ids(client.get("/v1/stances?actor=italy&position=opposes")) == [
        "italy-opposes-coalition"
    ]


def test_filter_by_proposal_title(client):
    found = ids(client.get("/v1/stances?proposal=coalition of the willing"))
    assert found == [
        "baltic-states-support-coalition",
        "france-supports-coalition",
        "italy-opposes-coalition",
        "united-kingdom-proposes-coalition",
    ]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("certainty=likely", 2),
        ("certainty=reported", 1),
        ("position=skeptical", 4),
        ("position=conditional", 1),
        ("position=supports", 2),
    ],
)
def test_filter_by_enum(client, query, count):
    assert len(ids(client.get(f"/v1/stances?{query}"))) == count


def test_stance_shows_compact_references(client):
    stance = client.get("/v1/stances/italy-opposes-coalition").json
    assert stance["actor"] == {"id": "italy", "name": "Italy", "url": "/v1/actors/italy"}
    assert stance["proposal"]["title"] == "Coalition of the willing"
    assert stance["evidence"][0]["quote"] == "others, like Italy, have outright rejected the idea"


def test_conditional_stance_states_its_condition(client):
    stance = client.get("/v1/stances/ukraine-conditional-on-ceasefire").json
    assert "robust agreement" in stance["condition"]


def test_unknown_actor_suggests_close_names(client):
    body = assert_problem(client.get("/v1/stances?actor=britian"), 400)
    assert "united-kingdom" in body["errors"]["actor"][0]
    assert "britian" in body["detail"]


def test_actor_matching_nothing_lists_candidates(client):
    body = assert_problem(client.get("/v1/stances?actor=zzzz"), 400)
    assert "Valid ids include: baltic-states" in body["errors"]["actor"][0]


@pytest.mark.parametrize("query", ["position=loves", "certainty=sure", "sort=actor"])
def test_bad_enum_is_400_listing_valid_values(client, query):
    name = query.split("=")[0]
    body = assert_problem(client.get(f"/v1/stances?{query}"), 400)
    value = query.split("=")[1]
    assert body["errors"][name][0].startswith(f"'{value}' is not one of:")


SCALE = ["proposes", "supports", "conditional", "skeptical", "opposes"]


@pytest.mark.parametrize("sort", ["position", "-position"])
def test_sort_by_position_follows_the_scale(client, sort):
    positions = [s["position"] for s in client.get(f"/v1/stances?sort={sort}").json["data"]]
    assert positions == sorted(positions, key=SCALE.index, reverse=sort.startswith("-"))
    assert positions != sorted(positions)  # not the alphabet


def test_sort_by_certainty_follows_the_scale(client):
    found = [s["certainty"] for s in client.get("/v1/stances?sort=certainty").json["data"]]
    assert found == sorted(found, key=["stated", "reported", "likely"].index)
