"""Statements: remarks the article reports."""

import pytest

from tests.helpers import ids


@pytest.mark.parametrize(
    ("query", "count"),
    [("speaker=trump", 3), ("about=zelensky", 1), ("about=nato", 2), ("speaker=Rutte", 1)],
)
def test_list_statements_filtered(client, query, count):
    assert len(ids(client.get(f"/v1/statements?{query}"))) == count


def test_statement_quote_is_verbatim_in_its_evidence(client):
    statement = client.get("/v1/statements/donald-trump-worst-statement").json
    assert statement["quote"] == "the worst statement"
    assert "“the worst statement,”" in statement["evidence"][0]["quote"]
