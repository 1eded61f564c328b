"""How responses are shaped: CSV, JSON layout, ETags, caching, CORS, request ids, logs."""

import csv
import io
import json
import logging

import pytest

from tests.helpers import assert_problem

COLLECTIONS = ["sources", "actors", "proposals", "stances", "commitments", "events", "statements"]


def table(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_csv_has_header_and_one_row_per_item(client, collection):
    rows = table(client.get(f"/v1/{collection}.csv"))
    items = client.get(f"/v1/{collection}").json["data"]
    # What the item says first, then its evidence, when it was reported, URL and timestamps.
    assert rows[0][0] == "id"
    reported = ["first_reported_on", "reported_on"] if collection != "sources" else []
    assert rows[0][-4 - len(reported) :] == [
        "evidence",
        *reported,
        "url",
        "created_at",
        "updated_at",
    ]
    assert [row[0] for row in rows[1:]] == [item["id"] for item in items]


def test_csv_by_accept_header(client):
    rows = table(client.get("/v1/stances?actor=italy", headers={"Accept": "text/csv"}))
    assert len(rows) == 2


def test_csv_flattens_references_to_ids(client):
    rows = table(client.get("/v1/stances.csv?actor=italy"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["actor"] == "italy"
    assert record["proposal"] == "coalition-of-the-willing"
    assert record["evidence"] == "“others, like Italy, have outright rejected the idea”"


def test_csv_of_empty_page_still_has_header(client):
    rows = table(client.get("/v1/stances.csv?actor=italy&position=supports"))
    assert rows[0][0] == "id"
    assert len(rows) == 1


def test_csv_keeps_curly_quotes_as_utf8(client):
    body = client.get("/v1/actors.csv").get_data()
    assert "“coalition of the willing”".encode() in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=cmd()", "'=cmd()"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM", "'@SUM"), ("plain", "plain")],
)
def test_csv_defuses_formula_injection(value, expected):
    from api.http.formats import cell

    assert cell(value) == expected


def test_format_csv_is_a_400_that_says_where_csv_is(client):
    body = assert_problem(client.get("/v1/stances?format=csv&actor=italy"), 400)
    assert "/v1/stances.csv" in body["errors"]["format"][0]


def test_csv_is_its_own_path_not_an_item(client):
    assert client.get("/v1/actors.csv").content_type.startswith("text/csv")
    assert_problem(client.get("/v1/actors/nato.csv"), 404)


@pytest.mark.parametrize("path", ["/v1/stances", "/v1/stances/matrix", "/v1/search?q=nato"])
def test_json_operations_answer_json_only_unless_asked(client, path):
    assert client.get(path).content_type == "application/json"


def test_json_is_compact_by_default(client):
    assert client.get("/v1/actors/nato").get_data(as_text=True).startswith('{"id":"nato",')


@pytest.mark.parametrize(
    ("query", "agent", "indented"),
    [
        ("", "curl/8.5.0", True),
        ("?pretty=true", "Mozilla/5.0", True),
        ("?pretty=false", "curl/8.5.0", False),
        ("", "Mozilla/5.0", False),
    ],
)
def test_json_is_indented_for_people(client, query, agent, indented):
    body = client.get(f"/v1/actors/nato{query}", headers={"User-Agent": agent}).get_data(True)
    assert body.startswith('{\n  "id"') is indented


def test_every_get_has_a_strong_etag_and_short_cache(client):
    response = client.get("/v1/stances")
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Cache-Control"] == "public, no-cache"


def test_if_none_match_gives_304(client):
    etag = client.get("/v1/stances/italy-opposes-coalition").headers["ETag"]
    response = client.get("/v1/stances/italy-opposes-coalition", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_stale_if_none_match_gives_200(client):
    response = client.get("/v1/stances", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200


def test_etag_differs_between_json_and_csv(client):
    json_tag = client.get("/v1/actors").headers["ETag"]
    assert client.get("/v1/actors.csv?limit=50").headers["ETag"] != json_tag
    assert "ETag" not in client.get("/v1/actors.csv").headers  # streamed: no digest up front


def test_cors_is_open_for_reads_and_exposes_headers(client):
    response = client.get("/v1/actors", headers={"Origin": "https://newsroom.example"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://newsroom.example")
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "X-Request-ID"} <= exposed


def test_a_cached_answer_has_the_cors_headers_once_without_flask_cors_working_again(
    make_app, monkeypatch
):
    """The cache keeps Flask-CORS's headers (the same for every origin), and Flask-CORS lets an
    answer that has them alone: if a new version of it stopped doing so, this says."""
    import flask_cors.extension

    client = make_app(RATELIMIT_ENABLED=False).test_client()
    path = "/v1/actors?limit=3&sort=-id"
    first = client.get(path)
    calls = []
    monkeypatch.setattr(flask_cors.extension, "set_cors_headers", lambda *a: calls.append(a))
    for origin in ({}, {"Origin": "https://newsroom.example"}):
        again = client.get(path, headers=origin)
        assert again.get_data() == first.get_data()
        for name in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"):
            assert again.headers.getlist(name) == first.headers.getlist(name) != []
    assert calls == []


def test_cors_preflight_is_answered(client):
    response = client.options(
        "/v1/actors",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "desk-42"})
    assert response.headers["X-Request-ID"] == "desk-42"


@pytest.mark.parametrize("given", [None, "", "bad id with spaces", "x" * 200, "a\u00e9"])
def test_request_id_is_generated_when_missing_or_unsafe(client, given):
    headers = {"X-Request-ID": given} if given is not None else {}
    generated = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert len(generated) == 32 and generated != given


def test_request_id_is_on_errors_too(client):
    response = client.get("/v1/nothing", headers={"X-Request-ID": "desk-43"})
    assert response.headers["X-Request-ID"] == "desk-43"


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_one_json_log_line_per_request(client):
    collect, logger = Collect(), logging.getLogger("api.access")
    logger.addHandler(collect)
    try:
        client.get("/v1/actors?kind=person", headers={"X-Request-ID": "desk-44"})
    finally:
        logger.removeHandler(collect)
    lines = [json.loads(record.getMessage()) for record in collect.records]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "desk-44"
    assert (lines[0]["method"], lines[0]["path"], lines[0]["status"]) == ("GET", "/v1/actors", 200)
    assert lines[0]["duration_ms"] >= 0


@pytest.mark.parametrize("path", ["/v1/actors", "/v1/nothing", "/healthz", "/openapi.json"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_docs_policy_allows_only_local_assets(client):
    policy = client.get("/docs/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy


def test_retry_after_only_where_it_means_something(client):
    assert "Retry-After" not in client.get("/v1/actors").headers


def test_a_spreadsheet_holds_every_row_streamed_unless_limit_is_given(client, monkeypatch):
    from api.resources import spreadsheets

    monkeypatch.setattr(spreadsheets, "STREAMED_PAGE", 7)  # several pages of the seed's stances
    total = client.get("/v1/stances").json["meta"]["total"]
    response = client.get("/v1/stances.csv?sort=-position")
    assert response.is_streamed
    rows = table(response)
    assert len(rows) == 1 + total > 8
    assert [row[0] for row in rows[1:]] == [
        stance["id"] for stance in client.get("/v1/stances?sort=-position&limit=200").json["data"]
    ]
    page = client.get("/v1/stances.csv?limit=5")
    assert len(table(page)) == 6 and 'rel="next"' in page.headers["Link"]


def test_a_bad_filter_on_a_whole_spreadsheet_is_a_400_before_any_row(client):
    assert_problem(client.get("/v1/stances.csv?actor=atlantis"), 400)


def test_a_spreadsheet_names_what_its_references_name(client):
    rows = table(client.get("/v1/stances.csv?actor=italy&proposal=coalition-of-the-willing"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0].index("actor_name") == rows[0].index("actor") + 1
    assert (record["actor"], record["actor_name"]) == ("italy", "Italy")
    assert record["proposal_name"] == "Coalition of the willing"
    events = table(client.get("/v1/events.csv"))
    assert "participants_name" in events[0]


@pytest.mark.parametrize(
    "query", ["fields=actor,position,summary", "fields=actor&fields=summary,position"]
)
def test_a_spreadsheet_takes_the_columns_asked_for(client, query):
    rows = table(client.get(f"/v1/stances.csv?{query}"))
    assert rows[0] == ["id", "actor", "actor_name", "position", "summary"]
    assert len(rows) == 1 + client.get("/v1/stances").json["meta"]["total"]
    paged = table(client.get(f"/v1/stances.csv?{query}&limit=3"))
    assert paged[0] == rows[0] and paged[1:] == rows[1:4]


def test_an_unknown_column_is_a_400_naming_it(client):
    body = assert_problem(client.get("/v1/stances.csv?fields=actor,mood"), 400)
    assert "'mood'" in body["errors"]["fields"][0]


def test_a_spreadsheet_runs_its_search_once_however_many_batches(app, client, monkeypatch):
    from api.resources import spreadsheets
    from tests.helpers import counting_queries

    monkeypatch.setattr(spreadsheets, "STREAMED_PAGE", 3)  # several batches of the seed's stances
    with counting_queries(app) as statements:
        lines = client.get("/v1/stances.csv?q=ceasefire OR coalition").get_data(as_text=True)
    searches = [statement for statement in statements if "search_index" in statement]
    assert len(lines.splitlines()) > 7  # more than two batches of rows
    assert len(searches) == 1
