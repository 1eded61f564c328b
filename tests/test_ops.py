"""Health and readiness checks."""

from api import create_app
from tests.helpers import assert_problem


def test_healthz_is_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_ok_when_database_answers(client):
    assert client.get("/readyz").json == {"status": "ok"}


def test_readyz_is_503_when_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-dir" / "x.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/readyz")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "database" in body["detail"]
    assert str(missing) not in str(body)


def test_data_endpoints_are_503_when_database_is_unreachable(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/x.db"})
    response = app.test_client().get("/v1/stances")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "retry" in body["detail"]
