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
