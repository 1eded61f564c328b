"""Small helpers shared by the tests."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from api.extensions import db

ROOT = Path(__file__).resolve().parent.parent

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def snapshot() -> dict:
    """Every row of every table in key order: equal snapshots mean an unchanged database."""
    return {
        table.name: db.session.execute(table.select().order_by(*table.primary_key.columns)).all()
        for table in db.Model.metadata.sorted_tables
        if table.name != "data_version"  # a cache counter, not data
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


def assert_sorted(client, collection: str, sort: str) -> None:
    """A collection in the order `sort` asks for: by that field, then by id, both ascending or
    (with a leading '-') both descending, and the field's values not all one (or the order
    would prove nothing)."""
    name = sort.removeprefix("-")
    items = client.get(f"/v1/{collection}?sort={sort}&limit=200").json["data"]
    keys = [(item[name], item["id"]) for item in items]
    assert keys == sorted(keys, reverse=sort.startswith("-"))
    assert len({key for key, _ in keys}) > 1


def newest_change(client, resource: str | None = None) -> dict:
    """The latest entry of the change feed (of one resource)."""
    query = f"&resource={resource}" if resource else ""
    return client.get(f"/v1/changes?sort=-id&limit=1{query}").json["data"][0]


def edits(client, resource: str) -> list[dict]:
    """The change feed of one resource, less what the seed loaded."""
    changes = client.get(f"/v1/changes?resource={resource}&limit=200").json["data"]
    return [change for change in changes if change["by"] != "cli:seed"]


def caught_up(app) -> None:
    """Let an app's version reader catch up with a write another process made: on PostgreSQL
    the news reaches each listener a moment after the commit (`NotifiedVersionReader`)."""
    with app.app_context():
        app.extensions["data_version"].catch_up()


def run_command(*command: str, **environment) -> str:
    """Run a command from the project's root; return what it printed, stripped."""
    return subprocess.run(
        command,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str, deadline: float):
    """GET JSON, retrying until the server answers or the deadline passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start_gunicorn(database_url: str, **environment) -> tuple[subprocess.Popen, str]:
    """gunicorn with the project's config on a free port of 127.0.0.1; waits until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "api:create_app()",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "DATABASE_URL": database_url,
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    get_json(f"{base}/healthz", time.monotonic() + 30)
    return process, base


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def counting_queries(app):
    """Collect the SQL statements an app sends (transaction control left out), through the
    session's engine and the direct reads' (an item read there is a plain DBAPI cursor, which
    no event sees: one statement)."""
    counted = []

    def count(connection, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            counted.append(statement)

    with app.app_context():
        engines = [db.engine, app.extensions["direct_reads"].engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def italy_on_the_coalition(position: str, summary: str, source: str, quote: str) -> dict:
    """A POST body: an Italian stance on the coalition of the willing, quoted from `source`."""
    return {
        "actor": "italy",
        "proposal": "coalition-of-the-willing",
        "position": position,
        "certainty": "stated",
        "summary": summary,
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [{"source": source, "quote": quote}],
    }
