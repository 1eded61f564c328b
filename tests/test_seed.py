"""The curated seed: integrity, coverage of the article, and an all-or-nothing loader."""

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from api.loading.files import SEED_DIR
from api.store.models import (
    Actor,
    Commitment,
    Event,
    Evidence,
    Proposal,
    Source,
    Stance,
    model_of,
)
from schemas.collections import names
from tests.conftest import reseed
from tests.helpers import run_command, snapshot

BUNDLE = SEED_DIR / "nato-divisions-ukraine.yaml"
COUNTS = {
    "sources": 1,
    "actors": 24,
    "proposals": 6,
    "events": 1,
    "stances": 19,
    "commitments": 3,
    "statements": 7,
}


@pytest.fixture
def restore_seed(db):
    """Put the shared database back as seeded after a test that changes it."""
    yield
    reseed()


def write_bundle(tmp_path: Path, change) -> Path:
    """Copy the seed bundle into tmp_path with `change(document)` applied."""
    document = yaml.safe_load(BUNDLE.read_text(encoding="utf-8"))
    change(document)
    shutil.copy(SEED_DIR / "nato-divisions-ukraine.txt", tmp_path)
    path = tmp_path / "bundle.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def item(document, collection, item_id):
    return next(entry for entry in document[collection] if entry["id"] == item_id)


def test_every_evidence_span_is_verbatim(db):
    texts = dict(db.session.execute(select(Source.id, Source.text)).all())
    spans = db.session.scalars(select(Evidence)).all()
    assert len(spans) > 60
    for span in spans:
        assert texts[span.source_id][span.start : span.end] == span.quote


@pytest.mark.parametrize("collection", sorted(names("facts")))
def test_every_fact_has_evidence(db, collection):
    facts = db.session.scalars(select(model_of(collection))).all()
    assert facts
    assert all(fact.evidence for fact in facts)


def test_every_span_backs_an_existing_fact(db):
    for span in db.session.scalars(select(Evidence)):
        assert db.session.get(model_of(span.fact_type), span.fact_id) is not None


@pytest.mark.parametrize(("collection", "count"), COUNTS.items())
def test_seed_holds_every_fact_of_the_article(client, collection, count):
    assert client.get(f"/v1/{collection}").json["meta"]["total"] == count


def test_source_drops_the_web_page_leftover(db):
    text = db.session.get(Source, "nato-divisions-ukraine").text
    assert text.rstrip().endswith("an increasingly assertive Russia.")
    assert "Share." not in text


def test_source_records_nothing_the_article_does_not_give(db):
    source = db.session.get(Source, "nato-divisions-ukraine")
    assert (source.publisher, source.original_url) == (None, None)
    # The month is reference knowledge (the events it reports), marked as such: no day.
    assert (source.published_on, source.date_known_from) == ("2025-03", "reference")
    assert all(event.date is None for event in db.session.scalars(select(Event)))
    assert all(c.target_year is None for c in db.session.scalars(select(Commitment)))


def test_hedged_stances_keep_their_certainty(db):
    likely = db.session.scalars(select(Stance).where(Stance.certainty == "likely")).all()
    assert sorted(stance.actor_id for stance in likely) == ["hungary", "slovakia"]
    assert all("likely to block" in stance.evidence[0].quote for stance in likely)


def test_spending_range_stays_a_range_and_vague_horizon_stays_vague(db):
    target = db.session.get(Commitment, "emmanuel-macron-european-target-3-3-5-pct")
    assert (target.value_min, target.value_max) == (3.0, 3.5)
    assert [actor.id for actor in target.applies_to] == ["european-countries"]
    ambition = db.session.get(Commitment, "united-kingdom-spending-ambition-3-pct")
    assert ambition.horizon == "in the near future"


def test_ceasefire_provisions_record_what_it_halts_allows_and_excludes(db):
    ceasefire = db.session.get(Proposal, "macron-30-day-ceasefire")
    effects = {provision.text: provision.effect for provision in ceasefire.provisions}
    assert effects["air attacks"] == effects["sea attacks"] == "halts"
    assert effects["fighting on the frontline"] == "allows"
    assert effects["security assurances for Ukraine"] == "excludes"
    assert ceasefire.duration_days == 30


def test_countries_have_iso_codes_and_people_have_roles(db):
    actors = db.session.scalars(select(Actor)).all()
    assert all(actor.iso_code for actor in actors if actor.kind == "country")
    assert all(actor.roles for actor in actors if actor.kind == "person")


def test_seed_twice_changes_nothing(db, runner):
    before = snapshot()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert snapshot() == before


def test_seed_reset_rebuilds_the_same_facts(db, runner, restore_seed):
    result = runner.invoke(args=["seed", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert "--reset deletes every source and fact" in result.output
    assert "61 added" in result.output
    assert db.session.scalar(select(Evidence.id).limit(1)) is not None


def rename_macron(document):
    """A change that would be written before a later error, were the load not atomic."""
    item(document, "actors", "emmanuel-macron")["name"] = "Changed"


def bad_quote(document):
    rename_macron(document)
    item(document, "stances", "italy-opposes-coalition")["evidence"][0]["quote"] = "Italy loves it"


def bad_reference(document):
    rename_macron(document)
    item(document, "stances", "italy-opposes-coalition")["actor"] = "atlantis"


def bad_enum(document):
    item(document, "stances", "italy-opposes-coalition")["position"] = "adores"


def repeated_quote(document):
    item(document, "actors", "russia")["evidence"] = [{"quote": "Russia"}]


def wrong_offset(document):
    item(document, "actors", "russia")["evidence"] = [{"quote": "Russia", "start": 3}]


def unknown_field(document):
    item(document, "events", "lancaster-house-summit")["attendance"] = 40


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (bad_quote, ["stances[11] (id italy-opposes-coalition)", "evidence.0.quote", "is not in"]),
        (bad_reference, ["stances[11]", "actor: unknown actor 'atlantis'"]),
        (bad_enum, ["stances[11]", "position: Must be one of"]),
        (repeated_quote, ["actors[2] (id russia)", "occurs 9 times", "start offset"]),
        (wrong_offset, ["actors[2]", "not at 3..9", "it is at 528..534"]),
        (unknown_field, ["events[0]", "attendance: Unknown field"]),
    ],
)
def test_seed_refuses_bad_bundle_and_changes_nothing(db, runner, tmp_path, change, expected):
    path = write_bundle(tmp_path, change)
    before = snapshot()
    result = runner.invoke(args=["seed", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output
    for fragment in expected:
        assert fragment in result.output
    assert "Nothing was loaded." in result.output
    db.session.rollback()
    assert snapshot() == before


def test_seed_takes_a_start_offset_for_a_repeated_quote(db, runner, tmp_path, restore_seed):
    text = (SEED_DIR / "nato-divisions-ukraine.txt").read_text(encoding="utf-8")
    second = text.index("Russia", text.index("Russia") + 1)

    def second_russia(document):
        item(document, "actors", "russia")["evidence"] = [{"quote": "Russia", "start": second}]

    result = runner.invoke(args=["import", str(write_bundle(tmp_path, second_russia))])
    assert result.exit_code == 0, result.output
    span = db.session.get(Actor, "russia").evidence[0]
    assert (span.start, span.end) == (second, second + len("Russia"))


STANCE = "/v1/stances/italy-opposes-coalition"


def edit_italy(client, editor) -> dict:
    headers = {**editor, "If-Match": "*"}
    response = client.patch(STANCE, json={"summary": "An editor's correction."}, headers=headers)
    assert response.status_code == 200
    return response.json


def assert_feed_agrees_with_data(client):
    """Each item's latest change says what the item is now (or that it is gone)."""
    changes = client.get("/v1/changes?limit=200").json
    assert changes["links"]["next"] is None
    latest = {(c["resource"], c["item_id"]): c for c in changes["data"]}
    for (resource, item_id), change in latest.items():
        response = client.get(f"/v1/{resource}/{item_id}")
        if change["method"] == "DELETE":
            assert response.status_code == 410  # Gone, as the feed says
        else:
            assert response.json == change["after"], (resource, item_id)
    for resource in COUNTS:
        for found in client.get(f"/v1/{resource}?limit=200").json["data"]:
            assert (resource, found["id"]) in latest


def test_start_up_keeps_an_editors_change(client, editor, restore):
    edited = edit_italy(client, editor)
    # What ./dev serve and the container run before gunicorn: migrate, then seed.
    run_command(
        sys.executable,
        "-m",
        "flask",
        "--app",
        "api",
        "db",
        "upgrade",
        DATABASE_URL=client.application.config["SQLALCHEMY_DATABASE_URI"],
    )
    output = run_command(
        sys.executable,
        "-m",
        "flask",
        "--app",
        "api",
        "seed",
        DATABASE_URL=client.application.config["SQLALCHEMY_DATABASE_URI"],
    )
    assert "0 added" in output
    assert f"left alone {STANCE}: edited by " in output
    assert client.get(STANCE).json == edited
    assert_feed_agrees_with_data(client)


def test_seed_twice_after_an_edit_keeps_it(client, runner, editor, restore):
    edited = edit_italy(client, editor)
    for _ in range(2):
        assert runner.invoke(args=["seed"]).exit_code == 0
    assert client.get(STANCE).json == edited


def test_seed_does_not_bring_back_what_an_editor_deleted(client, runner, editor, restore):
    response = client.delete(STANCE, headers={**editor, "If-Match": "*"})
    assert response.status_code == 204
    result = runner.invoke(args=["seed"])
    assert f"left alone {STANCE}: deleted by " in result.output
    assert client.get(STANCE).status_code == 410
    assert_feed_agrees_with_data(client)


def test_seed_adds_what_is_missing_and_records_it(client, runner, db, tmp_path, restore):
    def add_iceland(document):
        document["actors"].append(
            {
                "id": "iceland",
                "name": "Iceland",
                "kind": "country",
                "iso_code": "IS",
                "evidence": [{"quote": "the alliance’s long-term viability"}],
            }
        )
        item(document, "actors", "emmanuel-macron")["name"] = "Not applied"

    result = runner.invoke(args=["seed", str(write_bundle(tmp_path, add_iceland))])
    assert "1 added" in result.output and "61 left alone" in result.output
    assert client.get("/v1/actors/iceland").status_code == 200
    assert client.get("/v1/actors/emmanuel-macron").json["name"] == "Emmanuel Macron"
    change = client.get("/v1/changes?resource=actors&sort=-id&limit=1").json["data"][0]
    assert (change["method"], change["item_id"], change["by"]) == (
        "POST",
        "iceland",
        "cli:seed",
    )
    assert_feed_agrees_with_data(client)


def test_import_updates_unedited_items_and_keeps_edited_ones(
    client, runner, editor, tmp_path, restore
):
    edited = edit_italy(client, editor)

    def revise(document):
        item(document, "stances", "italy-opposes-coalition")["summary"] = "From the YAML."
        item(document, "actors", "italy")["description"] = "Revised in the YAML."

    result = runner.invoke(args=["import", str(write_bundle(tmp_path, revise))])
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    assert f"left alone {STANCE}: edited by " in result.output
    assert client.get(STANCE).json == edited
    assert client.get("/v1/actors/italy").json["description"] == "Revised in the YAML."
    change = client.get("/v1/changes?resource=actors&sort=-id&limit=1").json["data"][0]
    assert (change["method"], change["by"]) == ("PATCH", "cli:import")
    assert_feed_agrees_with_data(client)


def test_seed_reset_asks_before_it_undoes_edits(client, runner, editor, restore):
    edit_italy(client, editor)
    result = runner.invoke(args=["seed", "--reset"], input="n\n")
    assert result.exit_code == 1
    assert f"undoing the editors' work on {STANCE}" in result.output
    assert client.get(STANCE).json["summary"] == "An editor's correction."


def test_seed_reset_records_every_deletion_and_addition(client, runner, editor, restore):
    edit_italy(client, editor)
    result = runner.invoke(args=["seed", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert client.get(STANCE).json["summary"] != "An editor's correction."
    stances = client.get("/v1/changes?resource=stances&limit=200").json["data"]
    reset = [(c["method"], c["by"]) for c in stances[-38:]]
    assert reset == [("DELETE", "cli:seed")] * 19 + [("POST", "cli:seed")] * 19
    assert_feed_agrees_with_data(client)


def test_seed_leaves_the_planner_statistics_of_what_it_loaded(db):
    if db.engine.dialect.name == "postgresql":
        query = "SELECT reltuples FROM pg_class WHERE relname = 'stances'"
    else:
        query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'stances'"
    assert db.session.execute(text(query)).scalar() > 0
