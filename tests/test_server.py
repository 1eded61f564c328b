"""gunicorn serves the app with the project's config and stops cleanly on SIGTERM."""

import http.client
import json
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import caught_up, edits, get_json, start_gunicorn, stop


@pytest.fixture
def server(app):
    """gunicorn on a free port of 127.0.0.1, over the test database."""
    process, base = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"])
    yield process, base
    stop(process)


def test_gunicorn_serves_and_stops_on_sigterm(server):
    process, base = server
    deadline = time.monotonic() + 20
    assert get_json(f"{base}/healthz", deadline) == {"status": "ok"}
    assert get_json(f"{base}/v1/stances?actor=UK", deadline)["meta"]["total"] == 3
    with urllib.request.urlopen(f"{base}/healthz") as response:
        assert response.headers["Server"] == "briefing-api"  # no software or version banner
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_a_stopping_server_answers_a_request_on_a_kept_alive_connection(server):
    """A client (nginx without upstream keep-alive, a browser) that sends its next request on a
    kept-alive connection just as gunicorn stops gets it answered, not a reset: each worker
    lingers on such connections for STOP_KEEPALIVE_LINGER (2 s) before closing them."""
    process, base = server
    get_json(f"{base}/healthz", time.monotonic() + 20)
    connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    connection.request("GET", "/v1/stances?limit=1")
    first = connection.getresponse()
    assert first.status == 200 and first.getheader("Connection") != "close"
    first.read()
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    connection.request("GET", "/v1/stances?limit=2")
    second = connection.getresponse()
    assert second.status == 200
    assert len(json.loads(second.read())["data"]) == 2
    connection.close()
    assert process.wait(timeout=30) == 0


def send(url: str, method: str, body: dict, headers: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={**headers, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_racing_editors_on_one_item_one_wins(live_server, client, editor, restore):
    base = live_server
    get_json(f"{base}/healthz", time.monotonic() + 20)
    path = "/v1/stances/italy-opposes-coalition"
    etag = client.get(path).headers["ETag"]
    racers = 8
    barrier = threading.Barrier(racers)

    def race(number: int) -> tuple[int, int]:
        barrier.wait(timeout=20)
        headers = {**editor, "If-Match": etag}
        return number, send(f"{base}{path}", "PATCH", {"summary": racer(number)}, headers)

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    statuses = sorted(status for _, status in results)
    assert statuses == [200] + [412] * (racers - 1)
    winner = next(number for number, status in results if status == 200)
    caught_up(client.application)  # written by the server, read in this process
    assert client.get(path).json["summary"] == racer(winner)
    changes = edits(client, "stances")
    assert [change["after"]["summary"] for change in changes] == [racer(winner)]


def racer(number: int) -> str:
    """A racer's summary: a letter, not a figure, which the stance's quotes would have to name."""
    return f"Racer {chr(ord('A') + number)}."


def test_racing_editors_with_if_match_star_all_land(live_server, client, editor, restore):
    """`*` matches the item whatever its version: a PATCH that lost a race is run again on the
    version that won, never a 412."""
    base, path, racers = live_server, "/v1/stances/italy-opposes-coalition", 8
    barrier = threading.Barrier(racers)

    def race(number: int) -> int:
        barrier.wait(timeout=20)
        headers = {**editor, "If-Match": "*"}
        return send(f"{base}{path}", "PATCH", {"summary": racer(number)}, headers)

    with ThreadPoolExecutor(racers) as pool:
        statuses = list(pool.map(race, range(racers)))
    assert statuses == [200] * racers
    assert len(edits(client, "stances")) == racers


def test_gunicorn_opens_no_control_socket_in_the_home_folder(app, tmp_path):
    """gunicorn 27's control socket would sit at ~/.gunicorn, shared by every instance."""
    process, base = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], HOME=str(tmp_path))
    try:
        assert get_json(f"{base}/healthz", time.monotonic() + 20) == {"status": "ok"}
        assert not (tmp_path / ".gunicorn").exists()
    finally:
        stop(process)


def post(url: str, body: dict, headers: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_racing_retries_with_one_idempotency_key_write_once(live_server, client, editor, restore):
    base = live_server
    racers = 8
    barrier = threading.Barrier(racers)
    body = {
        "name": "Racing summit",
        "kind": "summit",
        "participants": ["france"],
        "basis": "article",
        "evidence": [{"source": "nato-divisions-ukraine", "quote": "Lancaster House"}],
    }

    def race(number: int):
        barrier.wait(timeout=20)
        return post(f"{base}/v1/events", body, {**editor, "Idempotency-Key": "race-1"})

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    created = [answer for status, _, answer in results if status == 201]
    # Each racer gets the one answer, or is told to retry while it is being made: never a
    # second write.
    assert {status for status, _, _ in results} <= {201, 409}
    assert created and all(answer == created[0] for answer in created)
    replayed = [headers.get("Idempotent-Replayed") for status, headers, _ in results]
    assert replayed.count("true") == len(created) - 1
    assert created[0]["id"] == "racing-summit"
    caught_up(client.application)  # written by the server, read in this process
    assert [change["item_id"] for change in edits(client, "events")] == ["racing-summit"]
    assert client.get("/v1/events?q=Racing").json["meta"]["total"] == 1


def hang(port: int, start: bytes = b"") -> socket.socket:
    """A connection that sends `start`, then the beginning of headers it never finishes."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=20)
    connection.sendall(start + b"GET /v1/stances HTTP/1.1\r\nHost: slow\r\nX-Never: ")
    return connection


def closed_after(connection: socket.socket) -> float:
    """Seconds until the server closes this connection (what it sends first is read past)."""
    started = time.monotonic()
    while connection.recv(65536):
        pass
    return time.monotonic() - started


def test_clients_that_never_finish_their_headers_hold_no_thread(app):
    """60 such clients against one worker of 16 threads: others are served meanwhile, and the
    server closes each of them once its headers are HEADER_TIMEOUT late (api/server.py)."""
    process, base = start_gunicorn(
        app.config["SQLALCHEMY_DATABASE_URI"], WEB_CONCURRENCY="1", HEADER_TIMEOUT="2"
    )
    hanging = []
    try:
        port = int(base.rsplit(":", 1)[1])
        hanging = [hang(port) for _ in range(60)]
        # Kept alive after one whole request, then a next one that never ends.
        hanging.append(hang(port, b"GET /healthz HTTP/1.1\r\nHost: slow\r\n\r\n"))
        opened = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            deadline = time.monotonic() + 3
            served = list(pool.map(lambda _: get_json(f"{base}/healthz", deadline), range(8)))
        assert served == [{"status": "ok"}] * 8
        waited = [closed_after(connection) for connection in hanging]
        assert 1.5 < time.monotonic() - opened < 20  # closed on time, not before
        assert max(waited) < 20
    finally:
        for connection in hanging:
            connection.close()
        stop(process)
