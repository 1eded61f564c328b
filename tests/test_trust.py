"""Trust at the edges: answers that cannot be steered by the Host header, calendar edges and
forged cursors that are 400s, names only the server's writers may bear, spreadsheets no
separator can turn into formulas, tokens too short to start with, references and spans that
say no more than they are, and what browsers are told to keep and to read."""

import base64
import csv
import io
import json
import runpy

import pytest

from api import create_app
from tests.conftest import make_token
from tests.helpers import ROOT, assert_problem


@pytest.mark.parametrize(
    "path, location",
    [
        ("/v1//stances", "/v1/stances"),
        ("/v1/actors//nato", "/v1/actors/nato"),
        ("/docs", "/docs/"),
        ("/v1/actors/macron", "/v1/actors/emmanuel-macron"),
        ("/v1/stances/?limit=2", "/v1/stances?limit=2"),
    ],
)
def test_redirects_are_paths_of_this_server_whatever_the_host(client, path, location):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == location
    assert response.content_type == "application/problem+json"
    assert location in response.json["detail"]


def test_gunicorn_believes_forwarded_headers_only_behind_a_named_proxy(monkeypatch):
    monkeypatch.delenv("PROXY_HOPS", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["forwarded_allow_ips"] == ""
    monkeypatch.setenv("PROXY_HOPS", "1")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["forwarded_allow_ips"] == "*"


@pytest.mark.parametrize(
    "since", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"], ids=["last", "first"]
)
def test_a_time_past_the_calendar_is_a_400(client, since):
    response = client.get("/v1/changes", query_string={"since": since})
    assert "since" in assert_problem(response, 400)["errors"]


def test_a_forged_cursor_past_the_calendar_is_a_400(client):
    forged = json.dumps(["-updated_at", "9999-12-31T23:59:59-14:00", "x"]).encode()
    cursor = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    response = client.get("/v1/stances", query_string={"sort": "-updated_at", "cursor": cursor})
    assert "cursor" in assert_problem(response, 400)["errors"]


@pytest.mark.parametrize("name", ["cli:import", "CLI:seed", "admin (API_ADMIN_TOKEN)"])
def test_a_token_may_not_bear_the_name_of_the_servers_own_writers(runner, name):
    result = runner.invoke(args=["tokens", "create", "--name", name])
    assert result.exit_code != 0
    assert "reserved" in result.output


def test_every_spreadsheet_cell_is_quoted(client):
    lines = client.get("/v1/actors.csv?fields=name&limit=2").get_data(as_text=True).splitlines()
    assert lines[0] == '"id","name"'
    assert all(line.startswith('"') and line.endswith('"') for line in lines)


def test_a_cell_that_starts_a_formula_is_defused_and_stays_one_cell(client, editor, restore):
    aliases = ["ok;=1+1", "=HYPERLINK(1)"]
    patch = {"aliases": aliases}
    etag = client.get("/v1/actors/nato").headers["ETag"]
    response = client.patch("/v1/actors/nato", json=patch, headers={**editor, "If-Match": etag})
    assert response.status_code == 200
    text = client.get("/v1/actors.csv?fields=aliases").get_data(as_text=True)
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(text))}
    assert rows["nato"] == "ok;=1+1; '=HYPERLINK(1)"
    assert '"ok;=1+1; \'=HYPERLINK(1)"' in text


def test_a_short_admin_token_refuses_to_start(app):
    with pytest.raises(RuntimeError, match="at least 32"):
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "API_ADMIN_TOKEN": "letmein",
            }
        )


def test_a_reference_with_more_than_its_id_is_a_422(client, db, editor):
    body = {
        "actor": {"id": "nato", "name": "HACKED"},
        "proposal": "coalition-of-the-willing",
        "position": "supports",
        "certainty": "stated",
        "summary": "NATO supports it.",
        "basis": "article",
        "evidence": [{"source": "nato-divisions-ukraine", "quote": "NATO"}],
    }
    problem = assert_problem(client.post("/v1/stances", json=body, headers=editor), 422)
    assert "actor.name" in problem["errors"]


def test_a_span_that_ends_past_the_text_is_a_422(client, editor):
    text = client.get("/v1/sources/nato-divisions-ukraine").json["text"]
    quote = text[-20:]
    start = len(text) - len(quote)
    span = {
        "source": "nato-divisions-ukraine",
        "start": start,
        "end": len(text) + 1000,
        "quote": quote,
    }
    body = {"name": "Tail", "kind": "group", "evidence": [span]}
    problem = assert_problem(client.post("/v1/actors", json=body, headers=editor), 422)
    assert "length" in problem["errors"]["evidence.0.quote"][0]


def test_browsers_revalidate_every_read_and_shared_caches_keep_it_only_when_told(make_app, client):
    assert client.get("/v1/stances").headers["Cache-Control"] == "public, no-cache"
    shared = make_app(API_CACHE_CONTROL="public, no-cache, s-maxage=60").test_client()
    assert shared.get("/v1/stances").headers["Cache-Control"] == "public, no-cache, s-maxage=60"


def test_shared_cache_seconds_come_from_the_environment(monkeypatch):
    from api.config import Config

    monkeypatch.setenv("SHARED_CACHE_SECONDS", "60")
    assert Config().API_CACHE_CONTROL == "public, no-cache, s-maxage=60"


def test_a_page_reading_again_what_it_just_changed_sees_the_change(client, editor, restore):
    """What a browser does with no-cache: revalidate with the ETag it has."""
    path = "/v1/stances/italy-opposes-coalition"
    before = client.get(path)
    edited = client.patch(
        path, json={"summary": "Changed."}, headers={**editor, "If-Match": before.headers["ETag"]}
    )
    again = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] == edited.headers["ETag"]


def test_preflights_say_the_methods_the_routes_take_and_for_how_long(client):
    response = client.options(
        "/v1/stances",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "PATCH"},
    )
    methods = response.headers["Access-Control-Allow-Methods"]
    assert "PUT" not in methods and "PATCH" in methods
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_pages_may_read_whether_a_post_was_replayed(client):
    exposed = client.get("/v1/stances", headers={"Origin": "https://x.example"}).headers
    assert "Idempotent-Replayed" in exposed["Access-Control-Expose-Headers"]


def test_a_deleted_item_is_410_with_its_change_feed_entry(client, editor, restore):
    path = "/v1/statements/donald-trump-accuses-european-leaders"
    etag = client.get(path).headers["ETag"]
    assert client.delete(path, headers={**editor, "If-Match": etag}).status_code == 204
    problem = assert_problem(client.get(path), 410)
    assert "deleted" in problem["detail"] and "change" in problem["detail"]
    assert_problem(client.get("/v1/statements/never-was"), 404)


@pytest.fixture
def limited(make_app):
    """An app with a tiny write limit, counted in memory."""
    return make_app(RATELIMIT_STORAGE_URI="memory://", WRITE_LIMIT="2 per minute").test_client()


def test_each_token_has_its_own_write_budget_behind_one_address(app, limited):
    first, second = (f"Bearer {make_token(app, 'editor')}" for _ in range(2))
    patch = {"description": "x"}
    tries = [
        limited.patch(
            "/v1/actors/nato", json=patch, headers={"Authorization": first, "If-Match": '"v0.x"'}
        )
        for _ in range(3)
    ]
    assert [answer.status_code for answer in tries] == [412, 412, 429]
    other = limited.patch(
        "/v1/actors/nato", json=patch, headers={"Authorization": second, "If-Match": '"v0.x"'}
    )
    assert other.status_code == 412


def test_guessing_tokens_is_limited_by_address_however_many_are_tried(limited):
    statuses = [
        limited.post(
            "/v1/actors", json={}, headers={"Authorization": f"Bearer guess-{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]


@pytest.mark.parametrize(
    "path, cost", [("/v1/briefing", 5), ("/v1/stances.csv", 10), ("/v1/stances.csv?limit=5", 1)]
)
def test_expensive_reads_count_as_the_work_they_are(make_app, path, cost):
    client = make_app(RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="20 per minute").test_client()
    assert client.get(path).status_code == 200
    assert client.get("/v1/actors").headers["X-RateLimit-Remaining"] == str(20 - cost - 1)


def test_a_page_that_expands_holds_at_most_50(client):
    problem = assert_problem(client.get("/v1/stances?expand=actor&limit=51"), 400)
    assert "expand" in problem["errors"]["limit"][0]
    assert client.get("/v1/stances?expand=actor&limit=50").status_code == 200
