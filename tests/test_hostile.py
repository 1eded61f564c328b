"""A catalogue of hostile requests, sent over a real socket to gunicorn.

Each gets its exact status, errors come as problem+json, and the data is unchanged afterwards.
"""

import json
import socket

import pytest
from sqlalchemy import select

from api.extensions import db as database
from api.http.auth import hash_token
from api.store.models import ApiToken, utcnow
from tests.conftest import make_token
from tests.helpers import snapshot

LONG = "x" * 6000
STANCE = {
    "id": "hostile-stance",
    "actor": "italy",
    "proposal": "coalition-of-the-willing",
    "position": "opposes",
    "certainty": "stated",
    "summary": "A hostile test.",
    "basis": "reported",
    "asserted_by": "italy",
    "evidence": [{"source": "nato-divisions-ukraine", "quote": "like Italy"}],
}


def body(**changes) -> bytes:
    return json.dumps({**STANCE, **changes}).encode()


# (name, method, target, extra headers, body, auth, expected status)
# auth: "editor", "revoked", "none", or a literal Authorization value.
CASES = [
    # Malformed, truncated and non-object JSON.
    ("truncated object", "POST", "/v1/stances", {}, b'{"id": "a"', "editor", 400),
    ("unclosed array", "POST", "/v1/stances", {}, b"[1, 2", "editor", 400),
    ("bare word", "POST", "/v1/stances", {}, b"nul", "editor", 400),
    ("trailing garbage", "POST", "/v1/stances", {}, b'{"a": 1}}', "editor", 400),
    ("single quotes", "POST", "/v1/stances", {}, b"{'id': 'a'}", "editor", 400),
    ("trailing comma", "POST", "/v1/stances", {}, b'{"id": "a",}', "editor", 400),
    ("empty body", "POST", "/v1/stances", {}, b"", "editor", 422),
    ("array body", "POST", "/v1/stances", {}, b"[]", "editor", 422),
    ("string body", "POST", "/v1/stances", {}, b'"stance"', "editor", 422),
    ("number body", "POST", "/v1/stances", {}, b"42", "editor", 422),
    ("null body", "POST", "/v1/stances", {}, b"null", "editor", 422),
    ("true body", "POST", "/v1/stances", {}, b"true", "editor", 422),
    ("deep arrays", "POST", "/v1/stances", {}, b"[" * 100_000 + b"]" * 100_000, "editor", 400),
    (
        "deep objects",
        "POST",
        "/v1/stances",
        {},
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "editor",
        400,
    ),
    ("duplicate keys", "POST", "/v1/stances", {}, b'{"id": "a", "id": "b"}', "editor", 400),
    # Numbers.
    ("NaN", "POST", "/v1/commitments", {}, b'{"value_min": NaN}', "editor", 400),
    ("Infinity", "POST", "/v1/commitments", {}, b'{"value_min": Infinity}', "editor", 400),
    ("-Infinity", "POST", "/v1/commitments", {}, b'{"value_min": -Infinity}', "editor", 400),
    (
        "overflowing float",
        "POST",
        "/v1/commitments",
        {},
        b'{"id": "x", "actor": "italy", "metric": "defense_spending_pct_gdp", "value_min": 1e999, '
        b'"value_max": 1e999, "kind": "current", "summary": "s", "basis": "article", '
        b'"evidence": [{"quote": "Italy"}]}',
        "editor",
        422,
    ),
    (
        "integer past 64 bits",
        "PATCH",
        "/v1/proposals/macron-30-day-ceasefire",
        {"If-Match": "*"},
        b'{"duration_days": 123456789012345678901234567890}',
        "editor",
        422,
    ),
    (
        "offset past 64 bits",
        "POST",
        "/v1/stances",
        {},
        body(evidence=[{"source": "nato-divisions-ukraine", "quote": "x", "start": 2**70}]),
        "editor",
        422,
    ),
    (
        "negative offset",
        "POST",
        "/v1/stances",
        {},
        body(evidence=[{"source": "nato-divisions-ukraine", "quote": "x", "start": -1}]),
        "editor",
        422,
    ),
    (
        "number as string",
        "PATCH",
        "/v1/commitments/united-kingdom-spending-plan-2-5-pct",
        {"If-Match": "*"},
        b'{"value_min": "2.5"}',
        "editor",
        422,
    ),
    # Wrong types.
    ("summary as number", "POST", "/v1/stances", {}, body(summary=5), "editor", 422),
    ("evidence as string", "POST", "/v1/stances", {}, body(evidence="x"), "editor", 422),
    ("actor as list", "POST", "/v1/stances", {}, body(actor=["italy"]), "editor", 422),
    ("actor as object without id", "POST", "/v1/stances", {}, body(actor={}), "editor", 422),
    (
        "aliases as object",
        "PATCH",
        "/v1/actors/nato",
        {"If-Match": "*"},
        b'{"aliases": {}}',
        "editor",
        422,
    ),
    (
        "boolean as number",
        "PATCH",
        "/v1/proposals/macron-30-day-ceasefire",
        {"If-Match": "*"},
        b'{"duration_days": true}',
        "editor",
        422,
    ),
    ("unknown field", "POST", "/v1/stances", {}, body(secret=1), "editor", 422),
    ("server-owned url", "POST", "/v1/stances", {}, body(url="/x"), "editor", 422),
    (
        "server-owned timestamp",
        "PATCH",
        "/v1/actors/nato",
        {"If-Match": "*"},
        b'{"updated_at": "2020-01-01T00:00:00Z"}',
        "editor",
        422,
    ),
    ("id change", "PATCH", "/v1/actors/nato", {"If-Match": "*"}, b'{"id": "otan"}', "editor", 422),
    # NUL, surrogates, invalid UTF-8.
    ("NUL in body", "POST", "/v1/stances", {}, body(summary="a\u0000b"), "editor", 422),
    ("NUL in key", "POST", "/v1/stances", {}, b'{"a\\u0000": 1}', "editor", 422),
    ("lone surrogate", "POST", "/v1/stances", {}, body(summary="\ud800"), "editor", 422),
    ("invalid UTF-8 body", "POST", "/v1/stances", {}, b'{"id": "\xff\xfe"}', "editor", 400),
    ("NUL in query", "GET", "/v1/sources?language=e%00n", {}, b"", "none", 400),
    ("NUL in search", "GET", "/v1/search?q=a%00b", {}, b"", "none", 400),
    ("NUL in path", "GET", "/v1/actors/nato%00", {}, b"", "none", 404),
    ("invalid UTF-8 in query", "GET", "/v1/actors?kind=%FF%FE", {}, b"", "none", 400),
    # Over-long strings.
    ("long summary", "POST", "/v1/stances", {}, body(summary=LONG), "editor", 422),
    ("long id", "POST", "/v1/stances", {}, body(id="a" * 101), "editor", 422),
    ("long language", "GET", "/v1/sources?language=" + "e" * 40, {}, b"", "none", 400),
    ("long q", "GET", "/v1/search?q=" + "a" * 600, {}, b"", "none", 400),
    ("long cursor", "GET", "/v1/stances?cursor=" + "a" * 1100, {}, b"", "none", 400),
    (
        "long title",
        "PATCH",
        "/v1/proposals/macron-30-day-ceasefire",
        {"If-Match": "*"},
        json.dumps({"title": LONG}).encode(),
        "editor",
        422,
    ),
    # SQL and FTS syntax.
    ("SQL in q", "GET", "/v1/search?q=%27%20OR%201%3D1%20--", {}, b"", "none", 200),
    ("FTS operators in q", "GET", "/v1/search?q=NEAR(a%20b)%20OR%20*", {}, b"", "none", 200),
    ("unbalanced quote in q", "GET", "/v1/search?q=%22coalition", {}, b"", "none", 200),
    ("tsquery syntax in q", "GET", "/v1/search?q=a%20%26%20!b%20%3A*", {}, b"", "none", 200),
    ("only operators in q", "GET", "/v1/search?q=%26%7C!()", {}, b"", "none", 400),
    (
        "SQL in collection q",
        "GET",
        "/v1/stances?q=%27%3B%20DROP%20TABLE%20stances",
        {},
        b"",
        "none",
        200,
    ),
    (
        "SQL in reference filter",
        "GET",
        "/v1/stances?actor=%27%3B%20DROP%20TABLE%20actors%3B--",
        {},
        b"",
        "none",
        400,
    ),
    (
        "SQL in enum filter",
        "GET",
        "/v1/stances?position=opposes%27%20OR%20%271",
        {},
        b"",
        "none",
        400,
    ),
    ("LIKE wildcard filter", "GET", "/v1/stances?actor=%25", {}, b"", "none", 400),
    # Paths and ids.
    ("path traversal", "GET", "/v1/actors/../../etc/passwd", {}, b"", "none", 404),
    ("encoded traversal", "GET", "/v1/actors/..%2F..%2Fetc%2Fpasswd", {}, b"", "none", 404),
    ("non-ASCII digit id", "GET", "/v1/actors/%D9%A1", {}, b"", "none", 404),
    ("uppercase id: the item's own URL", "GET", "/v1/actors/NATO", {}, b"", "none", 308),
    ("space in id", "GET", "/v1/actors/na%20to", {}, b"", "none", 404),
    ("newline in id", "GET", "/v1/actors/na%0Ato", {}, b"", "none", 404),
    ("emoji id", "GET", "/v1/actors/%F0%9F%92%A3", {}, b"", "none", 404),
    ("encoded letter in path", "GET", "/v1/%61ctors/nato", {}, b"", "none", 200),
    ("double-encoded path", "GET", "/v1/%2561ctors", {}, b"", "none", 404),
    ("unknown resource", "GET", "/v1/secrets", {}, b"", "none", 404),
    ("dot segment", "GET", "/v1/./actors", {}, b"", "none", 404),
    # limit and cursors.
    ("negative limit", "GET", "/v1/actors?limit=-1", {}, b"", "none", 400),
    ("zero limit", "GET", "/v1/actors?limit=0", {}, b"", "none", 400),
    ("limit past 200", "GET", "/v1/actors?limit=201", {}, b"", "none", 400),
    ("enormous limit", "GET", "/v1/actors?limit=99999999999999999999999", {}, b"", "none", 400),
    ("float limit", "GET", "/v1/actors?limit=1.5", {}, b"", "none", 400),
    ("word limit", "GET", "/v1/actors?limit=ten", {}, b"", "none", 400),
    ("repeated limit", "GET", "/v1/actors?limit=1&limit=2", {}, b"", "none", 400),
    ("empty limit", "GET", "/v1/actors?limit=", {}, b"", "none", 400),
    ("garbage cursor", "GET", "/v1/stances?cursor=%2F%2F%2F", {}, b"", "none", 400),
    (
        "cursor of another sort",
        "GET",
        "/v1/stances?cursor=WyJwb3NpdGlvbiIsImEiLCJiIl0",
        {},
        b"",
        "none",
        400,
    ),
    ("cursor with wrong types", "GET", "/v1/stances?cursor=WyJpZCIsMSwyXQ", {}, b"", "none", 400),
    ("cursor of a dict", "GET", "/v1/stances?cursor=eyJpZCI6MX0", {}, b"", "none", 400),
    (
        "search offset cursor on a list",
        "GET",
        "/v1/stances?cursor=WyJvZmZzZXQiLDJd",
        {},
        b"",
        "none",
        400,
    ),
    (
        "negative search offset",
        "GET",
        "/v1/search?q=nato&cursor=WyJvZmZzZXQiLC0xXQ",
        {},
        b"",
        "none",
        400,
    ),
    ("unknown parameter", "GET", "/v1/actors?contry=FR", {}, b"", "none", 400),
    # Methods.
    ("PUT on a collection", "PUT", "/v1/actors", {}, body(), "editor", 405),
    ("DELETE on a collection", "DELETE", "/v1/stances", {}, b"", "editor", 405),
    ("PATCH on the briefing", "PATCH", "/v1/briefing", {}, b"{}", "editor", 405),
    ("POST on the matrix", "POST", "/v1/stances/matrix", {}, b"{}", "editor", 405),
    ("TRACE", "TRACE", "/v1/actors", {}, b"", "none", 405),
    ("made-up method", "BREW", "/v1/actors", {}, b"", "none", 405),
    # Tokens.
    ("no token", "POST", "/v1/stances", {}, body(), "none", 401),
    ("empty bearer", "POST", "/v1/stances", {}, body(), "Bearer ", 401),
    ("wrong token", "POST", "/v1/stances", {}, body(), "Bearer not-a-token", 401),
    ("basic auth", "POST", "/v1/stances", {}, body(), "Basic ZWRpdG9yOmVkaXRvcg==", 401),
    ("token without scheme", "POST", "/v1/stances", {}, body(), "not-a-token", 401),
    ("revoked token", "POST", "/v1/stances", {}, body(), "revoked", 401),
    (
        "editor writing a source",
        "POST",
        "/v1/sources",
        {},
        b'{"id": "s", "title": "t", "text": "x"}',
        "editor",
        403,
    ),
    ("no If-Match", "PATCH", "/v1/actors/nato", {}, b'{"description": "x"}', "editor", 428),
    ("empty If-Match", "DELETE", "/v1/actors/nato", {"If-Match": ""}, b"", "editor", 428),
    (
        "stale If-Match",
        "DELETE",
        "/v1/stances/italy-opposes-coalition",
        {"If-Match": '"v9.x"'},
        b"",
        "editor",
        412,
    ),
    (
        "garbage If-Match",
        "DELETE",
        "/v1/stances/italy-opposes-coalition",
        {"If-Match": "garbage"},
        b"",
        "editor",
        412,
    ),
    # Content types.
    (
        "text/plain body",
        "POST",
        "/v1/stances",
        {"Content-Type": "text/plain"},
        body(),
        "editor",
        415,
    ),
    (
        "form body",
        "POST",
        "/v1/stances",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"id=x",
        "editor",
        415,
    ),
    (
        "multipart body",
        "POST",
        "/v1/stances",
        {"Content-Type": "multipart/form-data; boundary=x"},
        b"--x--",
        "editor",
        415,
    ),
    ("no content type", "POST", "/v1/stances", {"Content-Type": None}, body(), "editor", 415),
    (
        "XML body",
        "PATCH",
        "/v1/actors/nato",
        {"Content-Type": "application/xml", "If-Match": "*"},
        b"<a/>",
        "editor",
        415,
    ),
]


@pytest.fixture(scope="module")
def live(app, editor, live_server):
    """gunicorn over the test database (its port), plus the tokens the cases use."""
    revoked = make_token(app, "editor")
    with app.app_context():
        token = database.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(revoked))
        )
        token.revoked_at = utcnow()
        database.session.commit()
    port = int(live_server.rsplit(":", 1)[1])
    return port, {"editor": editor["Authorization"], "revoked": f"Bearer {revoked}"}


def exchange(port: int, raw: bytes) -> tuple[int, dict, bytes]:
    """Send raw bytes, read the whole answer (the request asks to close), parse it."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(raw)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, payload


def request_bytes(method, target, headers, payload, authorization) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    headers = (
        {"Content-Type": "application/json", **headers}
        if payload or method in ("POST", "PATCH")
        else dict(headers)
    )
    if authorization:
        headers["Authorization"] = authorization
    for name, value in headers.items():
        if value is not None:
            lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def check(db, live_port, raw, expected):
    before = snapshot()
    status, headers, payload = exchange(live_port, raw)
    assert status == expected, payload[:500]
    if status >= 400:
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(payload)
        assert problem["status"] == status and problem["title"] and problem["detail"]
        assert "Traceback" not in payload.decode("utf-8", "replace")
    db.session.rollback()
    assert snapshot() == before


def test_catalogue_is_large_enough():
    assert len(CASES) + len(RAW_CASES) >= 80


@pytest.mark.parametrize(
    ("method", "target", "headers", "payload", "auth", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hostile_request_gets_exact_status_and_changes_nothing(
    db, live, method, target, headers, payload, auth, expected
):
    port, tokens = live
    authorization = None if auth == "none" else tokens.get(auth, auth)
    check(db, port, request_bytes(method, target, headers, payload, authorization), expected)


def chunked(payload: bytes, authorization: str) -> bytes:
    head = (
        "POST /v1/stances HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nAuthorization: {authorization}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    size = 64 * 1024
    chunks = b"".join(
        f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        for piece in (payload[i : i + size] for i in range(0, len(payload), size))
    )
    return head + chunks + b"0\r\n\r\n"


TWO_MIB = b'{"summary": "' + b"a" * (2 * 1024 * 1024) + b'"}'
RAW_CASES = [
    (
        "oversized body with length",
        lambda auth: request_bytes("POST", "/v1/stances", {}, TWO_MIB, auth),
        413,
    ),
    ("oversized chunked body", lambda auth: chunked(TWO_MIB, auth), 413),
    (
        "request line too long",
        lambda auth: request_bytes("GET", "/v1/search?q=" + "a" * 5000, {}, b"", None),
        414,
    ),
    (
        "header line too long",
        lambda auth: request_bytes("GET", "/v1/actors", {"X-Junk": "a" * 9000}, b"", None),
        431,
    ),
    (
        "too many headers",
        lambda auth: request_bytes(
            "GET", "/v1/actors", {f"X-Junk-{n}": "a" for n in range(150)}, b"", None
        ),
        431,
    ),
    ("garbage request line", lambda auth: b"HELLO\r\n\r\n", 400),
    ("bad HTTP version", lambda auth: b"GET /v1/actors HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    ("space in method", lambda auth: b"GE T /v1/actors HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (
        "bad chunk size",
        lambda auth: (
            b"POST /v1/stances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\nAuthorization: "
            + auth.encode()
            + b"\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
        ),
        400,
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [case[1:] for case in RAW_CASES], ids=[case[0] for case in RAW_CASES]
)
def test_hostile_http_gets_exact_status_and_changes_nothing(db, live, make, expected):
    port, tokens = live
    check(db, port, make(tokens["editor"]), expected)
