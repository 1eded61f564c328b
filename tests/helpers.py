"""Small helpers shared by the tests."""

from api.extensions import db

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def snapshot() -> dict:
    """Every row of every table in key order: equal snapshots mean an unchanged database."""
    return {
        table.name: db.session.execute(table.select().order_by(*table.primary_key.columns)).all()
        for table in db.Model.metadata.sorted_tables
    }


def assert_problem(response, status: int) -> dict:
    """Check an RFC 9457 body and return it."""
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["detail"]
    return body


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["data"]]
