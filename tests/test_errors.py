"""One error shape, RFC 9457 problem+json, for every status a client can meet."""

import pytest

from api import create_app
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/actors?limit=0", 400),
        ("GET", "/v1/nothing-here", 404),
        ("GET", "/v1/actors/atlantis", 404),
        ("PUT", "/v1/actors", 405),
        ("PUT", "/v1/stances/italy-opposes-coalition", 405),
        ("PUT", "/healthz", 405),
    ],
)
def test_error_is_problem_json(client, method, path, status):
    body = assert_problem(client.open(path, method=method), status)
    assert body["instance"] == path.split("?")[0]
    assert body["type"] == "about:blank"


def test_method_not_allowed_lists_allowed_methods(client):
    response = client.put("/v1/actors")
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_unhandled_error_is_problem_json_without_trace(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals at /srv/app.py")

    body = assert_problem(app.test_client().get("/boom"), 500)
    assert "secret" not in str(body)
    assert "Traceback" not in str(body)


STANCE = "/v1/stances/italy-opposes-coalition"


def refused_body(client, editor, make_app):
    body = {"actor": "italy", "proposal": "coalition-of-the-willing", "position": "adores"}
    return client.post("/v1/stances", json=body, headers=editor)


def over_the_limit(client, editor, make_app):
    limited = make_app(RATELIMIT_STORAGE_URI="memory://", READ_LIMIT="1 per minute")
    limited.test_client().get("/v1/actors")
    return limited.test_client().get("/v1/actors")


def broken_view(client, editor, make_app):
    app = make_app()  # not TESTING: errors are handled, as in production

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    return app.test_client().get("/boom")


def database_away(client, editor, make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-folder/briefing.db")
    return app.test_client().get("/v1/actors")


# Every status the API answers with, and one request that gets it.
EVERY_ERROR = {
    400: lambda client, editor, make_app: client.get("/v1/actors?limit=0"),
    401: lambda client, editor, make_app: client.post("/v1/stances", json={}),
    403: lambda client, editor, make_app: client.post("/v1/sources", json={}, headers=editor),
    404: lambda client, editor, make_app: client.get("/v1/actors/atlantis"),
    405: lambda client, editor, make_app: client.put("/v1/actors"),
    409: lambda client, editor, make_app: client.delete(
        "/v1/actors/italy", headers={**editor, "If-Match": "*"}
    ),
    412: lambda client, editor, make_app: client.patch(
        STANCE, json={"summary": "x"}, headers={**editor, "If-Match": '"v99.0"'}
    ),
    413: lambda client, editor, make_app: client.post(
        "/v1/stances", data="x" * (2 * 1024 * 1024), content_type="application/json", headers=editor
    ),
    415: lambda client, editor, make_app: client.post(
        "/v1/stances", data="actor=italy", content_type="text/plain", headers=editor
    ),
    422: refused_body,
    428: lambda client, editor, make_app: client.patch(
        STANCE, json={"summary": "x"}, headers=editor
    ),
    429: over_the_limit,
    500: broken_view,
    503: database_away,
}


@pytest.mark.parametrize("status", sorted(EVERY_ERROR))
def test_every_error_status_is_problem_json(client, editor, make_app, status):
    response = EVERY_ERROR[status](client, editor, make_app)
    body = assert_problem(response, status)
    assert body["title"] and body["instance"].startswith("/")
    assert response.headers["X-Request-ID"]


def test_a_full_disk_is_a_507_that_says_so(make_app, editor, monkeypatch):
    """What SQLite says when its disk fills up mid-write: 507, not "unavailable"."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from api.resources import items

    def full(*args, **kwargs):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(items, "commit_write", full)
    client = make_app().test_client()
    path = "/v1/stances/italy-opposes-coalition"
    headers = {**editor, "If-Match": client.get(path).headers["ETag"]}
    response = client.patch(path, json={"summary": "No room."}, headers=headers)
    problem = assert_problem(response, 507)
    assert "disk is full" in problem["detail"]


def test_a_database_gone_once_the_answer_is_made_does_not_undo_it(make_app, monkeypatch):
    """The request's session ends after its answer is made: a rollback that fails then (the
    database stopped meanwhile) lets the connection go and sends the answer, not a 500."""
    app = make_app(RESPONSE_CACHE=False)
    with app.app_context():
        dialect = app.extensions["sqlalchemy"].engine.dialect
    failed = []

    def gone(connection):
        if not failed:  # the first rollback: the server has closed the connection meanwhile
            failed.append(connection)
            connection.dbapi_connection.close()
            raise dialect.loaded_dbapi.OperationalError("server closed the connection")
        connection.rollback()

    client = app.test_client()
    assert client.get("/v1/actors/italy/stances").status_code == 200  # connected before
    monkeypatch.setattr(dialect, "do_rollback", gone)
    response = client.get("/v1/actors/italy/stances?limit=2")
    assert response.status_code == 200 and response.json["data"]
    assert failed  # the session's rollback met the failure
    monkeypatch.undo()
    assert client.get("/v1/actors/italy/stances").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/stances?position=",
        "/v1/disagreements?kind=",
        "/v1/stances/matrix?actor_kind=",
        "/v1/stances/matrix.csv?actor_kind=",
    ],
)
def test_a_filter_given_no_value_is_a_400_that_names_it(client, path):
    """`?kind=` is refused, as the spec says (at least one value), not read as matching
    nothing or everything."""
    problem = assert_problem(client.get(path), 400)
    name = path.rpartition("?")[2].removesuffix("=")
    assert name in problem["errors"] and name in problem["detail"]
