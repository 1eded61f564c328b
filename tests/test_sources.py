"""Sources: the stored article and the facts it backs."""

import hashlib

import pytest

from tests.helpers import assert_problem


def test_get_source_has_text_hash_and_word_count(client):
    source = client.get("/v1/sources/nato-divisions-ukraine").json
    assert source["sha256"] == hashlib.sha256(source["text"].encode()).hexdigest()
    assert source["word_count"] == len(source["text"].split())
    assert source["language"] == "en"


def test_list_sources_filtered_by_language(client):
    assert client.get("/v1/sources?language=fr").json["meta"]["total"] == 0


def test_list_facts_covers_every_span(client):
    body = client.get("/v1/sources/nato-divisions-ukraine/facts?limit=200").json
    text = client.get("/v1/sources/nato-divisions-ukraine").json["text"]
    assert body["meta"]["total"] == len(body["data"]) > 60
    starts = [fact["start"] for fact in body["data"]]
    assert starts == sorted(starts)
    for fact in body["data"]:
        assert text[fact["start"] : fact["end"]] == fact["quote"]
        assert fact["url"] == f"/v1/{fact['type']}/{fact['id']}"


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("type=commitments", lambda fact: fact["type"] == "commitments"),
        ("fact=italy", lambda fact: fact["id"] == "italy"),
        ("sort=-type", lambda fact: True),
    ],
)
def test_list_facts_filtered(client, query, check):
    facts = client.get(f"/v1/sources/nato-divisions-ukraine/facts?{query}").json["data"]
    assert facts
    assert all(check(fact) for fact in facts)


def test_list_facts_labels_each_fact(client):
    facts = client.get("/v1/sources/nato-divisions-ukraine/facts?fact=mark-rutte").json["data"]
    assert facts[0]["label"] == "Mark Rutte"


def test_list_facts_of_unknown_source_is_404(client):
    assert_problem(client.get("/v1/sources/le-monde/facts"), 404)
