"""Every fact's stored render is what its schema dumps now: after seed, import, writes, renames,
retirement and synth; a read serves it, and one made before it existed renders afresh."""

from types import SimpleNamespace

import flask_migrate
import orjson
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import undefer

import api.store.reads
from api import create_app
from api.extensions import db as database
from api.loading.files import SEED_DIR
from api.search.engine import hit_sources
from api.search.texts import hit_texts, texts_from_columns
from api.store.models import Stance, model_of
from api.store.queries import load_options
from api.store.reads import CompiledText
from api.store.version import bump_data_version
from schemas.collections import item_schema, names

EXAMPLE = SEED_DIR / "examples" / "example-ruritania.yaml"


def stale_renders() -> list[str]:
    """Paths of the facts whose stored render is missing or differs from a fresh dump."""
    database.session.rollback()
    stale = []
    for collection, model in ((name, model_of(name)) for name in names("facts")):
        statement = select(model).options(*load_options(model), undefer(model.rendered))
        for item in database.session.scalars(statement):
            fresh = item_schema(collection).dump(item)
            if item.rendered is None or orjson.loads(item.rendered) != fresh:
                stale.append(item.url)
    return stale


def fact_count() -> int:
    return sum(
        len(database.session.scalars(select(m.id)).all()) for m in map(model_of, names("facts"))
    )


def test_seed_stores_a_fresh_render_of_every_fact(db):
    assert fact_count() > 50
    assert stale_renders() == []


# What a write changes, and a fact that shows it elsewhere (path, field, what it holds then).
WRITES = {
    "rename an actor": (
        "PATCH",
        "/v1/actors/italy",
        {"name": "Italian Republic"},
        ("/v1/stances/italy-opposes-coalition", "actor", {"name": "Italian Republic"}),
    ),
    "retitle a proposal": (
        "PATCH",
        "/v1/proposals/coalition-of-the-willing",
        {"title": "The coalition"},
        ("/v1/stances/italy-opposes-coalition", "proposal", {"title": "The coalition"}),
    ),
    "drop an event's proposal": (
        "PATCH",
        "/v1/events/lancaster-house-summit",
        {"proposals": ["european-defense-spending-target"]},
        ("/v1/proposals/macron-30-day-ceasefire", "events", []),
    ),
    "rename a group's member": (
        "PATCH",
        "/v1/actors/estonia",
        {"name": "Republic of Estonia"},
        ("/v1/actors/baltic-states", "reference_members", {"name": "Republic of Estonia"}),
    ),
    "retitle the source": (
        "PATCH",
        "/v1/sources/nato-divisions-ukraine",
        {"title": "Allies split"},
        ("/v1/stances/italy-opposes-coalition", "citation", "— Allies split"),
    ),
    "create a stance": (
        "POST",
        "/v1/stances",
        {
            "actor": "italy",
            "proposal": "macron-30-day-ceasefire",
            "position": "opposes",
            "certainty": "stated",
            "summary": "Rejects the idea.",
            "basis": "article",
            "evidence": [
                {
                    "source": "nato-divisions-ukraine",
                    "quote": "others, like Italy, have outright rejected the idea",
                }
            ],
        },
        ("/v1/stances/italy-opposes-macron-30-day-ceasefire", "summary", "Rejects the idea."),
    ),
    "delete an event": (
        "DELETE",
        "/v1/events/lancaster-house-summit",
        None,
        ("/v1/proposals/macron-30-day-ceasefire", "events", []),
    ),
}


def shows(value, wanted) -> bool:
    """Whether a field's value holds what a write put there (in a reference, in a list)."""
    if isinstance(wanted, dict):
        values = value if isinstance(value, list) else [value]
        return any(wanted.items() <= (item or {}).items() for item in values)
    if isinstance(wanted, str) and isinstance(value, str):
        return wanted in value
    return value == wanted


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES)
def test_a_write_refreshes_every_render_that_shows_it(client, editor, admin, restore, db, write):
    method, path, body, (elsewhere, field, wanted) = write
    headers = {**(admin if "/sources/" in path else editor), "If-Match": "*"}
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code in (200, 201, 204), response.json
    assert shows(client.get(elsewhere).json[field], wanted)
    assert stale_renders() == []


def test_a_render_refreshed_for_a_rename_keeps_its_version(client, editor, restore, db):
    before = client.get("/v1/stances/italy-opposes-coalition").headers["ETag"]
    client.patch("/v1/actors/italy", json={"name": "Italia"}, headers={**editor, "If-Match": "*"})
    after = client.get("/v1/stances/italy-opposes-coalition").headers["ETag"]
    # Its body changed, so its ETag did; what it says did not, so an editor's If-Match holds.
    assert after != before
    assert after.split(".")[0] == before.split(".")[0]


def test_a_write_answers_the_etag_its_next_read_has(client, editor, restore):
    path = "/v1/stances/italy-opposes-coalition"
    response = client.patch(
        path, json={"summary": "Rejects it."}, headers={**editor, "If-Match": "*"}
    )
    read = client.get(path)
    assert read.headers["ETag"] == response.headers["ETag"]
    assert read.get_data() == response.get_data()
    assert client.get(path, headers={"If-None-Match": read.headers["ETag"]}).status_code == 304


def test_import_and_retire_leave_every_render_fresh(runner, restore, db):
    assert runner.invoke(args=["import", str(EXAMPLE)]).exit_code == 0
    assert stale_renders() == []
    assert runner.invoke(args=["retire", "example-ruritania"]).exit_code == 0
    assert stale_renders() == []


def test_a_fact_without_a_render_is_rendered_afresh_then_stored_by_seed(
    client, runner, restore, db
):
    path = "/v1/stances/italy-opposes-coalition"
    item, page = client.get(path).get_data(), client.get("/v1/stances?limit=200").json
    search = client.get("/v1/search?q=coalition&type=stances").json
    # As a database migrated from before stored renders has them; a new data version, so that
    # no cached answer stands in for the read.
    database.session.execute(update(Stance).values(rendered=None, updated_at=Stance.updated_at))
    bump_data_version()
    database.session.commit()
    assert client.get(path).get_data() == item
    assert client.get("/v1/stances?limit=200").json["data"] == page["data"]
    assert client.get("/v1/search?q=coalition&type=stances").json["data"] == search["data"] != []
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert stale_renders() == []


def test_expand_renders_afresh(client):
    stance = client.get("/v1/stances/italy-opposes-coalition?expand=actor").json
    assert stance["actor"]["kind"] == "country"
    page = client.get("/v1/stances?expand=actor&limit=1").json
    assert "kind" in page["data"][0]["actor"]


def test_synth_stores_a_fresh_render_of_every_fact(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/synth.db"})
    with app.app_context():
        flask_migrate.upgrade()
    assert app.test_cli_runner().invoke(args=["synth", "--stances", "60"]).exit_code == 0
    with app.app_context():
        assert fact_count() > 60
        assert stale_renders() == []
        database.session.remove()
        database.engine.dispose()
    app.extensions["data_version"].close()
    app.extensions["direct_reads"].dispose()


def test_a_page_of_compact_json_holds_each_stored_render_byte_for_byte(client, db):
    body = client.get("/v1/stances?limit=200").get_data()
    stored = dict(db.session.execute(select(Stance.id, Stance.rendered)).all())
    items = orjson.loads(body)["data"]
    assert len(items) == len(stored) > 10
    assert all(stored[item["id"]].encode() in body for item in items)
    # Parsed for the other forms: pretty output and chosen fields say the same.
    assert client.get("/v1/stances?limit=200&pretty=true").json["data"] == items
    chosen = client.get("/v1/stances.sparse?limit=200&fields=position").json["data"]
    assert chosen == [{"id": item["id"], "position": item["position"]} for item in items]


def refuse(*args, **kwargs):
    raise OperationalError("SELECT", {}, Exception("connection refused"))


def fail_with(error_class):
    def execute(*args, **kwargs):
        raise error_class("the connection broke")

    return execute


def refuse_unwrapped(reads):
    """What a server with no connection slot left raised: the driver's own error."""

    def connect(*args, **kwargs):
        raise reads.dbapi_error("too many clients already")

    return connect


def pool_full(*args, **kwargs):
    raise PoolTimeout("QueuePool limit reached, connection timed out")


@pytest.mark.parametrize(
    "failure", ["a failed statement", "no connection", "the driver's refusal", "a full pool"]
)
def test_reads_go_through_the_session_when_their_own_connection_fails(
    make_app, monkeypatch, failure
):
    app = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    paths = [
        "/v1/stances/italy-opposes-coalition",
        "/v1/stances?limit=5",
        "/v1/stances?actor=italy",
        "/v1/search?q=NATO",
    ]
    expected = [client.get(path).get_data() for path in paths]
    reads = app.extensions["direct_reads"]
    if failure == "a failed statement":
        broken = {model: ("SELECT no_such_column", False) for model in reads.item_queries}
        monkeypatch.setattr(reads, "item_queries", broken)
        monkeypatch.setattr(
            api.store.reads, "compiled_text", lambda *_: CompiledText("SELECT no_such_column", None)
        )
        monkeypatch.setattr(reads.engine.dialect, "do_execute", fail_with(reads.dbapi_error))
    else:
        broke = {
            "no connection": refuse,
            "the driver's refusal": refuse_unwrapped(reads),
            "a full pool": pool_full,
        }[failure]
        monkeypatch.setattr(reads.engine, "raw_connection", broke)
        monkeypatch.setattr(reads.engine, "connect", broke)
    answers = [client.get(path) for path in paths]
    assert [answer.status_code for answer in answers] == [200] * len(paths)
    assert [answer.get_data() for answer in answers] == expected


def test_a_hits_texts_read_from_its_render_are_its_columns_and_quotes(db):
    """…and then the names of what it refers to, which a render holds and its columns not;
    and the sources it notes are the ones its evidence names."""
    for collection, model in ((name, model_of(name)) for name in names("facts")):
        rows = [
            SimpleNamespace(type=collection, item_id=item_id, rendered=rendered)
            for item_id, rendered in database.session.execute(select(model.id, model.rendered))
        ]
        from_renders, noted = hit_texts(rows)
        from_renders = {key: list(texts) for key, texts in from_renders.items()}
        from_columns = texts_from_columns({collection: [row.item_id for row in rows]})
        assert len(from_renders) == len(rows) > 0
        # The sources a hit shows, from its render, are its evidence's.
        assert noted == hit_sources(rows)
        for key, texts in from_columns.items():
            assert from_renders[key][: len(texts)] == texts
            named = from_renders[key][len(texts) :]
            assert all(len(entry) == 2 or entry[2]["url"].startswith("/v1/") for entry in named)
