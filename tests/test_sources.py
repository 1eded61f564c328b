"""Sources: the stored article and the facts it backs."""

import hashlib

import pytest

from api.loading.files import SEED_DIR
from tests.helpers import assert_problem, snapshot


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
    assert len(body["data"]) > 60  # every span, on one page
    assert body["meta"]["total"] == len({(span["type"], span["id"]) for span in body["data"]})
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


EXAMPLE = SEED_DIR / "examples" / "example-ruritania.yaml"
RURITANIA = "/v1/sources/example-ruritania"


@pytest.fixture
def imported(runner, restore):
    """The example bundle, imported into the live briefing."""
    assert runner.invoke(args=["import", str(EXAMPLE)]).exit_code == 0


def test_retire_deletes_the_source_and_the_facts_drawn_only_from_it(client, admin, imported):
    briefing_before = client.get("/v1/briefing").json
    response = client.post(f"{RURITANIA}/retire", headers={**admin, "If-Match": "*"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["source"] == "example-ruritania"
    assert RURITANIA in response.json["deleted"]
    assert "/v1/actors/ruritania" in response.json["deleted"]
    assert len(response.json["deleted"]) == 7  # the bundle: a source and 6 facts
    for path in response.json["deleted"]:
        assert client.get(path).status_code == 410
    assert "Ruritania" not in client.get("/v1/briefing").get_data(as_text=True)
    assert "Ruritania" in str(briefing_before)
    changes = client.get("/v1/changes?sort=-id&limit=7").json["data"]
    assert {(change["method"], change["after"]) for change in changes} == {("DELETE", None)}


def test_retire_with_something_else_referring_is_409_and_deletes_nothing(
    client, db, admin, editor, imported
):
    stance = {
        "actor": "ruritania",
        "proposal": "macron-30-day-ceasefire",
        "position": "supports",
        "certainty": "stated",
        "summary": "Drawn from the seed article, naming an example actor.",
        "basis": "reported",
        "asserted_by": "ruritania",
        "evidence": [{"source": "nato-divisions-ukraine", "quote": "French President"}],
    }
    created = client.post("/v1/stances", json=stance, headers=editor)
    assert created.status_code == 201
    before = snapshot()
    response = client.post(f"{RURITANIA}/retire", headers={**admin, "If-Match": "*"})
    problem = assert_problem(response, 409)
    assert created.headers["Location"] in problem["errors"]["dependants"]
    assert created.headers["Location"] in problem["detail"]
    db.session.rollback()
    assert snapshot() == before


def test_retire_needs_an_admin_and_if_match(client, editor, admin, imported):
    assert_problem(client.post(f"{RURITANIA}/retire", headers={**editor, "If-Match": "*"}), 403)
    assert_problem(client.post(f"{RURITANIA}/retire", headers=admin), 428)
    stale = {**admin, "If-Match": '"v99.0"'}
    assert_problem(client.post(f"{RURITANIA}/retire", headers=stale), 412)
    assert_problem(
        client.post("/v1/sources/nothing/retire", headers={**admin, "If-Match": "*"}), 404
    )


def test_retired_source_is_not_brought_back_by_seed(client, runner, admin, imported):
    client.post("/v1/sources/nato-divisions-ukraine/retire", headers={**admin, "If-Match": "*"})
    assert client.get("/v1/sources/nato-divisions-ukraine").status_code == 410
    result = runner.invoke(args=["seed"])
    assert "0 added" in result.output
    assert client.get("/v1/actors/nato").status_code == 410


def test_import_brings_a_retired_source_back_whole(client, runner, admin, imported):
    client.post(f"{RURITANIA}/retire", headers={**admin, "If-Match": "*"})
    result = runner.invoke(args=["import", str(EXAMPLE)])
    assert "7 added" in result.output, result.output
    assert client.get("/v1/actors/ruritania").status_code == 200


def test_retire_from_the_command_line(client, runner, imported):
    dry = runner.invoke(args=["retire", "example-ruritania", "--dry-run"])
    assert (
        dry.exit_code == 0 and "Would delete 7 items: /v1/sources/example-ruritania," in dry.output
    )
    assert client.get(RURITANIA).status_code == 200
    result = runner.invoke(args=["retire", "example-ruritania"])
    assert result.exit_code == 0, result.output
    assert "deleted 7 items" in result.output
    assert client.get(RURITANIA).status_code == 410
    change = client.get("/v1/changes?sort=-id&limit=1").json["data"][0]
    assert change["by"] == "cli:retire"


def test_retire_an_unknown_source_from_the_command_line_fails(runner):
    result = runner.invoke(args=["retire", "nothing"])
    assert result.exit_code == 1 and "No source with id 'nothing'" in result.output
