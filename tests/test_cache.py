"""Rendered responses cached under the data version: one query per hit, fresh after any write."""

import json
import logging
import sqlite3
import time
from contextlib import contextmanager
from types import SimpleNamespace

import flask_migrate
import pytest
import werkzeug.test
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from api.extensions import db as database
from api.http.cache import CacheHits, LocalStore
from api.loading.bundles import seed
from api.loading.files import bundle_paths
from api.store.models import DataVersion
from api.store.version import (
    ChangeCounter,
    CountedVersionReader,
    NotifiedVersionReader,
    Version,
    VersionReader,
    bump_data_version,
    change_counter,
)
from tests.conftest import make_token
from tests.helpers import assert_problem, counting_queries
from tests.test_formats import Collect


@contextmanager
def counting_reads(app):
    """The SQL statements an app sends, plus its reads of the data version (which go to the
    database on a connection of their own, outside the engine's events)."""
    reader = app.extensions["data_version"]
    read = reader.read

    def counted_read():
        counted.append(VersionReader.QUERY)
        return read()

    reader.read = counted_read
    try:
        with counting_queries(app) as counted:
            yield counted
    finally:
        del reader.read


@pytest.fixture
def count_queries(app):
    """The queries the shared test app sends while the test runs."""
    with counting_reads(app) as counted:
        yield counted


def test_a_repeated_read_costs_one_query(client, count_queries):
    first = client.get("/v1/stances?expand=actor&limit=7")
    count_queries.clear()
    again = client.get("/v1/stances?expand=actor&limit=7")
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert count_queries == [VersionReader.QUERY]


def test_a_304_costs_one_query(client, count_queries):
    etag = client.get("/v1/proposals?limit=3").headers["ETag"]
    count_queries.clear()
    response = client.get("/v1/proposals?limit=3", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert count_queries == [VersionReader.QUERY]


def test_the_version_is_read_again_after_its_connection_fails(client, app, monkeypatch):
    """A broken version connection is replaced by the pool's next read, then a fresh one."""
    reader = app.extensions["data_version"]
    monkeypatch.setattr(reader, "RECHECK_SECONDS", 0)  # the table on every read
    client.get("/v1/events")
    reader.connection.close()
    assert client.get("/v1/events").status_code == 200
    assert reader.connection is None  # dropped, read through the pool this time
    assert client.get("/v1/events").status_code == 200
    assert reader.connection is not None


def test_variants_are_cached_apart(client):
    client.get("/v1/actors?limit=4")
    csv = client.get("/v1/actors?limit=4", headers={"Accept": "text/csv"})
    pretty = client.get("/v1/actors?limit=4&pretty=true")
    assert csv.content_type.startswith("text/csv")
    assert pretty.get_data(as_text=True).startswith("{\n")
    assert client.get("/v1/actors?limit=4").get_data(as_text=True).startswith('{"data"')


@pytest.fixture
def hits_before_flask(make_app):
    """An app whose cache hits are answered before Flask (rate limits off), with a count of the
    requests that reached Flask's hooks, and a client of Flask alone (behind `CacheHits`)."""
    app = make_app(RATELIMIT_ENABLED=False)
    reached = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: reached.append(1))
    assert isinstance(app.wsgi_app, CacheHits)
    flask_alone = werkzeug.test.Client(app.wsgi_app.app, app.response_class)
    return SimpleNamespace(client=app.test_client(), flask_alone=flask_alone, reached=reached)


def comparable(response) -> list:
    """A response's headers but those that differ by request: its id, its rate-limit budget."""
    return sorted(
        (name, value)
        for name, value in response.headers
        if name != "X-Request-ID" and not name.startswith("X-RateLimit-")
    )


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/v1/stances?position=opposes&limit=3", {}),
        ("/v1/stances?position=opposes&limit=3", {"Origin": "https://desk.example"}),
        ("/v1/actors/baltic-states", {"User-Agent": "curl/8.5.0"}),
        ("/v1/actors?limit=4", {"Accept": "text/csv"}),
        ("/v1/commitments.csv?limit=5", {}),
        ("/v1/search?q=troops", {"X-Request-ID": "desk-45"}),
    ],
)
def test_a_cache_hit_is_sent_before_flask_as_flask_sends_it(hits_before_flask, path, headers):
    fresh = hits_before_flask.client.get(path, headers=headers)
    hits_before_flask.reached.clear()
    hit = hits_before_flask.client.get(path, headers=headers)
    assert hits_before_flask.reached == []  # Flask never saw it
    from_flask = hits_before_flask.flask_alone.get(path, headers=headers)
    assert hits_before_flask.reached == [1]
    assert fresh.status_code == hit.status_code == from_flask.status_code == 200
    assert hit.get_data() == from_flask.get_data() == fresh.get_data()
    assert comparable(hit) == comparable(from_flask)
    given = headers.get("X-Request-ID")
    assert hit.headers["X-Request-ID"] == (given or hit.headers["X-Request-ID"])
    assert len(hit.headers["X-Request-ID"]) == (len(given) if given else 32)


@pytest.mark.parametrize(
    "method, headers, status",
    [
        ("HEAD", {}, 200),
        ("GET", {"If-None-Match": "*"}, 304),
        ("GET", {"If-Modified-Since": "Mon, 07 Dec 2026 10:00:00 GMT"}, 200),
    ],
)
def test_what_a_hit_before_flask_cannot_decide_goes_to_flask(
    hits_before_flask, method, headers, status
):
    hits_before_flask.client.get("/v1/events")
    hits_before_flask.reached.clear()
    response = hits_before_flask.client.open("/v1/events", method=method, headers=headers)
    assert response.status_code == status
    assert hits_before_flask.reached == [1]


@pytest.mark.parametrize("headers", [{}, {"Accept": "text/csv"}, {"User-Agent": "curl/8.5.0"}])
def test_a_miss_reads_the_version_and_looks_its_answer_up_once(
    hits_before_flask, monkeypatch, headers
):
    """What `CacheHits` found out before passing a miss on (the version, the layout, the key)
    Flask's hooks take from it: one read and one lookup of the query as sent (and one of the
    query as parsed, `serve_equivalent`); the answer is then kept, and the next request is a
    hit, laid out the same."""
    app = hits_before_flask.client.application
    reads, lookups = [], []
    reader, store = app.extensions["data_version"], app.extensions["response_cache"]
    for owner, name, calls in ((reader, "read", reads), (store, "get", lookups)):
        original = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, f=original, c=calls: c.append(a) or f(*a))
    first = hits_before_flask.client.get("/v1/proposals?limit=2", headers=headers)
    [(sent,), (parsed,)] = lookups
    assert sent.endswith("/v1/proposals?limit=2") and "#" in parsed
    assert (hits_before_flask.reached, len(reads)) == ([1], 1)
    second = hits_before_flask.client.get("/v1/proposals?limit=2", headers=headers)
    assert (hits_before_flask.reached, len(reads), lookups[2:]) == ([1], 2, [(sent,)])
    assert first.get_data() == second.get_data()
    assert first.headers["Content-Type"] == second.headers["Content-Type"]


def test_a_hit_that_cannot_be_looked_up_before_flask_is_answered_by_flask(
    hits_before_flask, monkeypatch
):
    """The database away: the version cannot be read, and Flask answers the problem (503),
    never the WSGI layer with an error of its own."""
    client = hits_before_flask.client
    client.get("/v1/events")
    reader = client.application.extensions["data_version"]

    def unreadable():
        raise OperationalError("SELECT version, stamp FROM data_version", {}, Exception("gone"))

    monkeypatch.setattr(reader, "read", unreadable)
    response = client.get("/v1/events")
    assert_problem(response, 503)
    assert hits_before_flask.reached == [1, 1]


def test_a_hit_before_flask_has_its_access_log_line(hits_before_flask):
    hits_before_flask.client.get("/v1/actors?kind=person")
    collect, logger = Collect(), logging.getLogger("api.access")
    logger.addHandler(collect)
    try:
        hits_before_flask.client.get("/v1/actors?kind=person", headers={"X-Request-ID": "desk-46"})
    finally:
        logger.removeHandler(collect)
    assert hits_before_flask.reached == [1]  # the first request only
    [line] = [json.loads(record.getMessage()) for record in collect.records]
    assert line["request_id"] == "desk-46"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/v1/actors", 200)
    assert line["duration_ms"] >= 0


def heard(app, version: int) -> bool:
    """Whether an instance's reader hears of `version` within two seconds. On PostgreSQL a
    notification reaches each listener a moment after the commit (the writer waits for its
    own: `NotifiedVersionReader.catch_up`); on SQLite every read reads the table."""
    reader = app.extensions["data_version"]
    deadline = time.monotonic() + 2
    with app.app_context():
        while reader.read().number < version and time.monotonic() < deadline:
            time.sleep(0.001)
        return reader.read().number >= version


# Rate limits on: a hit goes through Flask; off: it is sent before Flask (`CacheHits`).
HIT_PATHS = pytest.mark.parametrize(
    "limits", [True, False], ids=["hits through Flask", "hits before Flask"]
)


@HIT_PATHS
def test_a_write_on_one_instance_is_seen_by_another(make_app, editor, restore, limits):
    reading, writing = make_app(RATELIMIT_ENABLED=limits), make_app(RATELIMIT_ENABLED=limits)
    reader, writer = reading.test_client(), writing.test_client()
    path = "/v1/stances/italy-opposes-coalition"
    before = reader.get(path)
    assert reader.get(path).get_data() == before.get_data()  # now cached on the reader
    with reading.app_context():
        version = reading.extensions["data_version"].read().number
    response = writer.patch(
        path,
        json={"summary": "Seen everywhere."},
        headers={**editor, "If-Match": before.headers["ETag"]},
    )
    assert response.status_code == 200
    assert heard(reading, version + 1)
    after = reader.get(path)
    assert after.json["summary"] == "Seen everywhere."
    assert after.headers["ETag"] != before.headers["ETag"]


@HIT_PATHS
def test_a_write_is_seen_by_its_own_instance_at_once(make_app, editor, restore, limits):
    """The writing instance knows its new version before it answers: the editor's next
    request there sees the write (on PostgreSQL, the reader has heard its notification already,
    rather than maybe on a later look at its socket)."""
    app = make_app(RATELIMIT_ENABLED=limits)
    client, reader = app.test_client(), app.extensions["data_version"]
    path = "/v1/stances/italy-opposes-coalition"
    before = client.get(path)
    for summary in ("Seen here.", "Seen here again."):
        with app.app_context():
            version = reader.read().number
        response = client.patch(
            path, json={"summary": summary}, headers={**editor, "If-Match": "*"}
        )
        assert response.status_code == 200
        if isinstance(reader, NotifiedVersionReader):
            assert reader.version.number == version + 1
        assert client.get(path).json["summary"] == summary
    assert client.get(path).headers["ETag"] != before.headers["ETag"]


@HIT_PATHS
def test_instances_share_the_cache_through_redis(make_app, redis_url, limits):
    config = {"REDIS_URL": redis_url, "RATELIMIT_ENABLED": limits}
    one, two = make_app(**config), make_app(**config)
    first = one.test_client().get("/v1/events")
    with counting_reads(two) as counted:
        shared = two.test_client().get("/v1/events")
    assert shared.get_data() == first.get_data()
    assert comparable(shared) == comparable(first)
    assert counted == [VersionReader.QUERY]


def test_reads_survive_a_redis_outage(make_app):
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    assert down.get("/v1/events").status_code == 200
    assert down.get("/v1/events").status_code == 200


def test_the_local_cache_keeps_to_its_size_by_dropping_the_least_recently_used():
    store = LocalStore(limit=10)
    store.set("a", ([], b"1234"))
    store.set("b", ([], b"5678"))
    assert store.get("a") == ([], b"1234")  # now the most recently used
    store.set("c", ([], b"90ab"))
    assert store.get("b") is None
    assert store.get("a") and store.get("c")
    assert store.size == 8
    store.set("huge", ([], b"x" * 11))  # larger than the whole cache: not kept
    assert store.get("huge") is None and store.size == 8


def test_a_write_reaches_every_reader_without_a_read_of_the_table(make_app, editor, restore):
    """The readers learn of a write without reading the table on each request: on PostgreSQL
    the new version is pushed (NOTIFY) to every instance's reader; on SQLite each commit
    counts itself in shared memory, which every reader looks at."""
    reading, writing = make_app(), make_app()
    reader = reading.extensions["data_version"]
    with reading.app_context():
        before = reader.read().number
    if isinstance(reader, NotifiedVersionReader):
        reader.checked = float("inf")  # no reading of the table from now on: only notifications
    else:
        assert isinstance(reader, CountedVersionReader)
        reader.RECHECK_SECONDS = float("inf")  # the table is read only when the count moves
    with counting_table_reads(reader) as table_reads:
        with reading.app_context():
            assert reader.read().number == before
        assert table_reads == []
        response = writing.test_client().patch(
            "/v1/stances/italy-opposes-coalition",
            json={"summary": "Pushed."},
            headers={**editor, "If-Match": "*"},
        )
        assert response.status_code == 200
        assert heard(reading, before + 1)
        with reading.app_context():
            assert reader.read().number == before + 1
    if isinstance(reader, CountedVersionReader):
        assert len(table_reads) == 1  # once, when the count moved


@contextmanager
def counting_table_reads(reader):
    """The times a version reader reads the data version's table."""
    counted, in_table = [], reader.in_table

    def counted_in_table(connection):
        counted.append(VersionReader.QUERY)
        return in_table(connection)

    reader.in_table = counted_in_table
    try:
        yield counted
    finally:
        del reader.in_table


def counted_reader(make_app):
    """An app whose version reader looks at the shared count of commits (SQLite's), and it."""
    app = make_app()
    reader = app.extensions["data_version"]
    if not isinstance(reader, CountedVersionReader):
        pytest.skip("the count of commits is SQLite's: PostgreSQL notifies")
    return app, reader


def test_a_cache_hit_on_sqlite_asks_the_database_nothing(make_app):
    app, reader = counted_reader(make_app)
    client = app.test_client()
    first = client.get("/v1/events?limit=3")
    with counting_table_reads(reader) as table_reads, counting_queries(app) as sql:
        again = client.get("/v1/events?limit=3")
    assert again.get_data() == first.get_data()
    assert table_reads == [] and sql == []


def test_a_write_the_count_missed_is_seen_within_a_second(make_app, restore):
    """Another program writing the file (the sqlite3 shell) does not count its commit: the
    table is read again at least once a second all the same."""
    app, reader = counted_reader(make_app)
    with app.app_context():
        before = reader.read()
    with sqlite3.connect(reader.engine.url.database) as shell:
        shell.execute("UPDATE data_version SET version = version + 1, stamp = 'by the shell'")
    with app.app_context():
        assert reader.read() == before  # not counted: not seen yet
        reader.known = (*reader.known[:2], time.monotonic() - reader.RECHECK_SECONDS)
        assert reader.read() == Version(before.number + 1, "by the shell")


def test_a_rolled_back_write_counts_nothing(make_app):
    app, reader = counted_reader(make_app)
    count = reader.counter.seen()
    with app.app_context():
        bump_data_version()
        database.session.rollback()
        database.session.commit()
    assert reader.counter.seen() == count


def test_a_database_in_memory_reads_the_table_every_time():
    assert change_counter(":memory:") is None
    assert change_counter(None) is None


def test_the_count_is_shared_by_every_mapping_of_its_file(tmp_path):
    """Each worker maps the file on its own (or inherits the mapping): one's bump is the
    others' news."""
    one, two = (
        ChangeCounter(str(tmp_path / "x.db-version")),
        ChangeCounter(str(tmp_path / "x.db-version")),
    )
    seen = two.seen()
    one.bump()
    assert two.seen() != seen and two.seen() == one.seen()


def test_a_late_notification_does_not_move_the_version_back():
    """A notification can arrive after the table was read at a newer version."""
    reader = NotifiedVersionReader(engine=None)
    reader.version = Version(7, "c7")  # as read from the table
    reader.hear([SimpleNamespace(payload="6:b6"), SimpleNamespace(payload="8:d8")])
    assert reader.version == Version(8, "d8")
    reader.hear([SimpleNamespace(payload="7:c7")])
    assert reader.version == Version(8, "d8")


def database_of_its_own(make_app, folder, name: str, **config):
    """An app on a fresh SQLite database of its own, migrated and seeded."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/{name}.db", **config)
    with app.app_context():
        flask_migrate.upgrade()
        seed(bundle_paths())
    return app


def set_version_number(app, number: int) -> None:
    with app.app_context():
        database.session.execute(update(DataVersion).values(version=number))
        database.session.commit()


def test_two_databases_sharing_a_redis_never_answer_for_each_other(
    make_app, tmp_path, redis_url, editor
):
    first = database_of_its_own(make_app, tmp_path, "first", REDIS_URL=redis_url)
    second = database_of_its_own(make_app, tmp_path, "second", REDIS_URL=redis_url)
    path = "/v1/stances/italy-opposes-coalition"
    with second.app_context():
        token = make_token(second, "editor")
    etag = second.test_client().get(path).headers["ETag"]
    headers = {"Authorization": f"Bearer {token}", "If-Match": etag}
    second.test_client().patch(path, json={"summary": "Only in the second."}, headers=headers)
    for app in (first, second):
        set_version_number(app, 42)  # the same number, other data
    assert first.test_client().get(path).json["summary"] != "Only in the second."
    assert second.test_client().get(path).json["summary"] == "Only in the second."


def copy_database(source, target) -> None:
    """An online copy of a SQLite database (its backup API), as a backup or a restore makes."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)


def test_a_restored_database_is_not_answered_from_the_cache_of_its_lost_writes(
    make_app, tmp_path, redis_url
):
    """Backed up, edited (and the edit cached), restored, written again: the number comes back,
    the lost edit must not."""
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    app = database_of_its_own(make_app, tmp_path, "live", REDIS_URL=redis_url)
    copy_database(live, backup)
    client, path = app.test_client(), "/v1/stances/italy-opposes-coalition"
    headers = {"Authorization": f"Bearer {make_token(app, 'editor')}", "If-Match": "*"}
    edited = client.patch(path, json={"summary": "Lost in the restore."}, headers=headers)
    assert edited.status_code == 200
    assert client.get(path).json["summary"] == "Lost in the restore."  # cached
    copy_database(backup, live)
    headers = {"Authorization": f"Bearer {make_token(app, 'editor')}", "If-Match": "*"}
    other = client.patch(
        "/v1/stances/ukraine-conditional-on-ceasefire",
        json={"condition": "After the restore."},
        headers=headers,
    )
    assert other.status_code == 200  # the same number as the lost edit's
    assert client.get(path).json["summary"] != "Lost in the restore."


@pytest.mark.parametrize(
    "first, again",
    [
        ("/v1/stances/matrix?pretty=0", "/v1/stances/matrix?pretty=no"),
        (
            "/v1/stances?position=opposes,skeptical",
            "/v1/stances?position=opposes&position=skeptical",
        ),
        ("/v1/stances?certainty=Likely&limit=5", "/v1/stances?limit=5&certainty=likely"),
    ],
)
def test_equivalent_queries_share_one_cached_answer(make_app, first, again):
    """Only the parsed parameters make the key: other spellings do not make the work again."""
    client = make_app().test_client()
    answer = client.get(first)
    with counting_reads(client.application) as counted:
        repeated = client.get(again)
    assert repeated.get_data() == answer.get_data()
    assert counted == [VersionReader.QUERY]


def test_a_listener_whose_session_the_server_ended_is_not_trusted(make_app, editor, restore):
    """PostgreSQL ends the listener's session (a restart, pg_terminate_backend) and another
    instance writes: the next read answers the new version at once, not the one from before
    (the ended connection looked alive for one more look, within the 1 s between table reads)."""
    reading, writing = make_app(), make_app()
    reader = reading.extensions["data_version"]
    if not isinstance(reader, NotifiedVersionReader):
        pytest.skip("SQLite reads the table every time")
    with reading.app_context():
        before = reader.read().number
        listener = reader.connection.info.backend_pid
    with writing.app_context():
        database.session.execute(database.text(f"SELECT pg_terminate_backend({listener})"))
        database.session.commit()
    response = writing.test_client().patch(
        "/v1/stances/italy-opposes-coalition",
        json={"summary": "Written while the listener was ended."},
        headers={**editor, "If-Match": "*"},
    )
    assert response.status_code == 200
    reader.checked = time.monotonic()  # the table was read just now: only notifications count
    with reading.app_context():
        assert reader.read().number == before + 1
