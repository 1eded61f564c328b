"""Commitments: spending figures, ranges and vague horizons."""

import pytest

from tests.helpers import ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "actor=UK",
            ["united-kingdom-spending-ambition-3-pct", "united-kingdom-spending-plan-2-5-pct"],
        ),
        ("kind=ambition", ["united-kingdom-spending-ambition-3-pct"]),
        ("applies_to=european countries", ["emmanuel-macron-european-target-3-3-5-pct"]),
        (
            "metric=defense_spending_pct_gdp",
            [
                "emmanuel-macron-european-target-3-3-5-pct",
                "united-kingdom-spending-ambition-3-pct",
                "united-kingdom-spending-plan-2-5-pct",
            ],
        ),
    ],
)
def test_list_commitments_filtered(client, query, expected):
    assert ids(client.get(f"/v1/commitments?{query}")) == expected


def test_list_commitments_sorted_by_value(client):
    values = [c["value_max"] for c in client.get("/v1/commitments?sort=-value_max").json["data"]]
    assert values == [3.5, 3.0, 2.5]


def test_get_commitment_keeps_range_and_gives_no_year(client):
    commitment = client.get("/v1/commitments/emmanuel-macron-european-target-3-3-5-pct").json
    assert (commitment["value_min"], commitment["value_max"]) == (3.0, 3.5)
    assert commitment["target_year"] is None
    assert commitment["applies_to"][0]["id"] == "european-countries"
