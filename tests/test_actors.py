"""Actors: filters, roles, and the stances and commitments under each actor."""

import pytest

from tests.helpers import assert_problem, assert_sorted, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "kind=person",
            ["donald-trump", "emmanuel-macron", "keir-starmer", "mark-rutte", "volodymyr-zelensky"],
        ),
        ("kind=organization", ["nato"]),
        ("iso_code=GB", ["united-kingdom"]),
        ("member=france", []),
        ("role_of=UK", ["keir-starmer"]),
        ("role_of=nato&kind=person", ["mark-rutte"]),
    ],
)
def test_list_actors_filtered(client, query, expected):
    assert ids(client.get(f"/v1/actors?{query}")) == expected


@pytest.mark.parametrize("sort", ["name", "-name", "kind", "updated_at"])
def test_list_actors_sorted(client, sort):
    assert len(ids(client.get(f"/v1/actors?sort={sort}"))) == 24
    assert_sorted(client, "actors", sort)


def test_list_actors_sorted_by_name(client):
    names = [actor["name"] for actor in client.get("/v1/actors?sort=name").json["data"]]
    assert names == sorted(names)


def test_get_actor_shows_role_with_reference(client):
    actor = client.get("/v1/actors/keir-starmer").json
    assert actor["roles"] == [
        {
            "title": "Prime Minister",
            "of": {
                "id": "united-kingdom",
                "name": "United Kingdom",
                "url": "/v1/actors/united-kingdom",
            },
        }
    ]


def test_get_country_shows_iso_code_and_aliases(client):
    actor = client.get("/v1/actors/united-kingdom").json
    assert actor["iso_code"] == "GB"
    assert actor["aliases"] == ["UK", "British government"]  # the article's own words
    assert actor["reference_aliases"] == ["Britain"]  # not in the article


def test_list_actor_stances(client):
    assert ids(client.get("/v1/actors/united-kingdom/stances")) == [
        "united-kingdom-proposes-coalition",
        "united-kingdom-proposes-robust-agreement",
        "united-kingdom-skeptical-of-ceasefire",
    ]


def test_list_actor_stances_filtered(client):
    found = ids(client.get("/v1/actors/united-kingdom/stances?position=skeptical"))
    assert found == ["united-kingdom-skeptical-of-ceasefire"]


def test_list_actor_commitments(client):
    assert ids(client.get("/v1/actors/united-kingdom/commitments")) == [
        "united-kingdom-spending-ambition-3-pct",
        "united-kingdom-spending-plan-2-5-pct",
    ]


@pytest.mark.parametrize("path", ["/v1/actors/atlantis/stances", "/v1/actors/atlantis/commitments"])
def test_sub_collection_of_unknown_actor_is_404(client, path):
    assert_problem(client.get(path), 404)


def test_list_actors_rejects_bad_kind(client):
    body = assert_problem(client.get("/v1/actors?kind=planet"), 400)
    assert body["errors"]["kind"] == [
        "'planet' is not one of: person, country, organization, group."
    ]
