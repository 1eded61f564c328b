"""Full-text search: ranked hits with snippets, phrases, prefixes, and forgiving syntax."""

import itertools
import re
import shutil

import flask_migrate
import pytest
import yaml
from sqlalchemy import select, text

from api import create_app
from api.extensions import db as database
from api.loading.bundles import seed
from api.loading.files import SEED_DIR, bundle_paths
from api.search import engine
from api.search.index import document, rowids_of, search_index, search_rows
from api.store.models import Event
from api.store.pagination import encode_cursor
from schemas.collections import names
from schemas.search import HitSchema, dumped_hit
from tests.conftest import close
from tests.helpers import assert_problem, counting_queries


def hits(client, query, **params):
    response = client.get("/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_search_finds_the_summit_with_a_highlighted_snippet(client):
    found = {(hit["type"], hit["id"]): hit for hit in hits(client, "Lancaster")["data"]}
    event = found["events", "lancaster-house-summit"]
    assert event["url"] == "/v1/events/lancaster-house-summit"
    assert "<mark>Lancaster</mark>" in event["snippet"]
    assert ("sources", "nato-divisions-ukraine") in found


def test_search_hits_are_ranked_best_first(client):
    scores = [hit["score"] for hit in hits(client, "ceasefire")["data"]]
    assert scores == sorted(scores, reverse=True)


def test_search_phrase_is_stricter_than_its_words(client):
    phrase = hits(client, '"willing to deploy troops"')["meta"]["total"]
    words = hits(client, "willing deploy troops")["meta"]["total"]
    assert 0 < phrase <= words


def test_search_prefix_matches_longer_words(client):
    ids = {hit["id"] for hit in hits(client, "Zelen*")["data"]}
    assert "volodymyr-zelensky" in ids


@pytest.mark.parametrize("kind", ["actors", "stances", "sources", "statements"])
def test_search_filtered_by_type(client, kind):
    body = hits(client, "Macron", type=kind)
    assert body["data"]
    assert {hit["type"] for hit in body["data"]} == {kind}


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND OR NOT",
        "NEAR(a b)",
        "x' OR '1'='1",
        'x" OR "1"="1',
        "a:b",
        "-Italy",
        "Italy)",
        "(Italy",
        "^Italy",
        "Italy AND",
        "*Italy",
        "“Italy”",
    ],
)
def test_search_survives_syntax_typed_by_mistake(client, query):
    assert client.get("/v1/search", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize("query", ["***", '""', "-", "  ", "%", "a\u0000b"])
def test_search_without_words_is_400(client, query):
    body = assert_problem(client.get("/v1/search", query_string={"q": query}), 400)
    assert "q" in body["errors"]


def test_search_requires_q(client):
    body = assert_problem(client.get("/v1/search"), 400)
    assert "q" in body["errors"]


def test_search_rejects_unknown_type(client):
    assert_problem(client.get("/v1/search?q=NATO&type=planets"), 400)


def test_search_pages_with_cursors(client):
    everything = [(h["type"], h["id"]) for h in hits(client, "NATO", limit=50)["data"]]
    seen, url = [], "/v1/search?q=NATO&limit=3"
    while url:
        body = client.get(url).json
        seen += [(hit["type"], hit["id"]) for hit in body["data"]]
        url = body["links"]["next"]
    assert seen == everything
    assert len(seen) == hits(client, "NATO")["meta"]["total"] > 3


def test_a_search_counts_its_hits_with_its_page(make_app):
    app = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    everything = hits(client, "NATO", limit=50)
    assert everything["meta"]["total"] < 50  # all of them
    with counting_queries(app) as counted:
        page = hits(client, "NATO", limit=2)
    assert page["meta"]["total"] == len(everything["data"]) > 2
    assert not [sql for sql in counted if "count(*) FROM search_index" in sql]
    past_the_end = hits(client, "NATO", limit=2, cursor=encode_cursor("offset", 10_000))
    assert past_the_end["data"] == []
    assert past_the_end["meta"]["total"] == page["meta"]["total"]
    assert hits(client, "zzyzxq")["meta"]["total"] == 0


@pytest.mark.parametrize("cursor", ["x", "WyJpZCIsImEiLCJiIl0", "WyJvZmZzZXQiLC0xXQ"])
def test_search_rejects_forged_cursor(client, cursor):
    assert_problem(client.get(f"/v1/search?q=NATO&cursor={cursor}"), 400)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/stances?q=Italy", ["italy-opposes-coalition"]),
        ("/v1/actors?q=Lancaster", ["lancaster-house-leaders"]),
        ("/v1/proposals?q=frontline", ["macron-30-day-ceasefire"]),
        ("/v1/commitments?q=near%20future", ["united-kingdom-spending-ambition-3-pct"]),
        ("/v1/statements?q=%22worst%20statement%22", ["donald-trump-worst-statement"]),
        ("/v1/events?q=London", ["lancaster-house-summit"]),
        ("/v1/stances?q=likely&actor=hungary", ["hungary-likely-to-block-nato-deployment"]),
    ],
)
def test_q_filters_every_collection(client, path, expected):
    assert [item["id"] for item in client.get(path).json["data"]] == expected


def test_q_filters_the_facts_of_a_source(client):
    facts = client.get("/v1/sources/nato-divisions-ukraine/facts?q=Rutte").json["data"]
    assert facts
    assert {fact["type"] for fact in facts} <= {"actors", "proposals", "stances", "statements"}


def test_q_without_words_is_400(client):
    assert_problem(client.get("/v1/stances?q=%2A%2A"), 400)


HOSTILE = '<img src=x onerror=alert(document.cookie)> Strelsau & "friends"'


def test_snippet_escapes_html_an_editor_wrote(client, editor, restore):
    headers = {**editor, "If-Match": "*"}
    response = client.patch("/v1/actors/nato", json={"description": HOSTILE}, headers=headers)
    assert response.status_code == 200
    hits = client.get("/v1/search?q=onerror&type=actors").json["data"]
    assert_escaped_with_marks(hits[0]["snippet"])


def assert_escaped_with_marks(snippet: str) -> None:
    """Only our <mark> tags are markup; the editor's text is escaped (`&gt;`, `&amp;`)."""
    assert "<mark>onerror</mark>" in snippet
    assert "&gt;" in snippet and "&amp;" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_snippet_escapes_html_an_import_brought(client, runner, tmp_path, restore):
    example = SEED_DIR / "examples"
    document = yaml.safe_load((example / "example-ruritania.yaml").read_text(encoding="utf-8"))
    # (without the digit, which the import would refuse: its evidence names no number)
    document["actors"][0]["description"] = HOSTILE.replace("(1)", "()")
    shutil.copy(example / "example-ruritania.txt", tmp_path)
    path = tmp_path / "bundle.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    assert_escaped_with_marks(client.get("/v1/search?q=onerror").json["data"][0]["snippet"])


def found(client, q: str, **more) -> list[tuple[str, str]]:
    response = client.get("/v1/search", query_string={"q": q, "limit": 50, **more})
    assert response.status_code == 200, response.json
    return [(hit["type"], hit["id"]) for hit in response.json["data"]]


@pytest.mark.parametrize(
    "prefix", ["assurance*", "assurances*", "negotiation*", "negotiat*", "coalit*", "skeptic*"]
)
def test_a_prefix_finds_the_words_it_begins_past_their_stem(client, prefix):
    hits = client.get("/v1/search", query_string={"q": prefix, "limit": 50}).json["data"]
    begun = prefix.removesuffix("*")
    # (A hit found through an item it names shows its own text, with nothing to mark.)
    assert any(f"<mark>{begun}" in hit["snippet"].lower() for hit in hits)


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("defence", "defense"),
        ("honour", "honor"),
        ("sceptical", "skeptical"),
        ("emphasised", "emphasized"),
    ],
)
def test_british_and_american_spellings_are_one_word(client, british, american):
    assert found(client, british) == found(client, american) != []


def test_or_finds_either_word(client):
    either = set(found(client, "frontline OR Lancaster"))
    assert either == set(found(client, "frontline")) | set(found(client, "Lancaster"))
    assert len(either) > len(set(found(client, "frontline")))


def test_a_minus_leaves_a_word_out(client):
    everything = set(found(client, "ceasefire"))
    without = set(found(client, "ceasefire -Macron"))
    assert without and without < everything
    assert not without & set(found(client, "ceasefire Macron"))


@pytest.mark.parametrize(
    ("q", "words"), [("-Italy", "Italy"), ("OR", "or"), ('-"Keir Starmer"', "Keir Starmer")]
)
def test_nothing_but_operators_is_taken_as_words(client, q, words):
    assert found(client, q) == found(client, words)


def test_a_misspelt_search_suggests_the_closest_words(client):
    body = client.get("/v1/search?q=coalitoin").json
    assert body["data"] == [] and "coalition" in body["meta"]["suggestions"]
    assert "suggestions" not in client.get("/v1/search?q=coalition").json["meta"]


def test_the_list_filter_q_takes_the_same_syntax(client):
    found = client.get("/v1/stances", query_string={"q": "ceasefire -Macron"}).json["data"]
    assert found and all("macron" not in str(stance).lower() for stance in found)


def test_a_hit_says_which_field_matched_and_shows_that_fields_text(client):
    data = client.get("/v1/search?q=assurance*&type=stances").json["data"]
    hit = next(hit for hit in data if hit["id"] == "united-kingdom-skeptical-of-ceasefire")
    stance = client.get(f"/v1/stances/{hit['id']}").json
    assert hit["field"] == "summary"
    assert hit["snippet"].replace("<mark>", "").replace("</mark>", "") == stance["summary"]
    assert "<mark>assurances</mark>" in hit["snippet"]


def test_a_hit_is_made_as_its_schema_dumps_it(app, monkeypatch):
    """Hits are made as HitSchema would dump them (`dumped_hit`): the same, for hits matched
    through their own text and through an item they name (`via`)."""
    monkeypatch.setattr(engine, "dumped_hit", lambda hit: hit)
    made = []
    with app.test_request_context():
        for query in ("Italy", "Lancaster", '"coalition of the willing"', "troops", "Zelensky"):
            made += engine.search(query, None, 50, 0)[0]
    assert any(hit["via"] for hit in made) and any(not hit["via"] for hit in made)
    for hit in made:
        assert dumped_hit(hit) == HitSchema().dump(hit)


def test_a_snippet_keeps_the_items_own_spelling(client):
    data = client.get("/v1/search?q=defense&type=commitments").json["data"]
    assert any("<mark>defence</mark>" in hit["snippet"] for hit in data)  # as the summary has it


def test_a_phrase_is_marked_where_its_words_follow_one_another(client):
    hit = client.get('/v1/search?q="coalition of the willing"&type=proposals').json["data"][0]
    assert (
        "<mark>Coalition</mark> <mark>of</mark> <mark>the</mark> <mark>willing</mark>"
        in (hit["snippet"])
    )
    stances = client.get('/v1/search?q="coalition of the willing"&type=stances').json["data"]
    assert all(
        "<mark>the</mark> UK" not in hit["snippet"] for hit in stances
    )  # a lone "the" is not the phrase


def test_a_phrase_ending_in_a_prefix_is_marked_whole(client):
    hit = client.get('/v1/search?q="deploy troop*"&type=proposals').json["data"][0]
    assert "<mark>deploy</mark> <mark>troops</mark>" in hit["snippet"]


def test_a_search_ranks_and_counts_so_many_matches_at_most(make_app, monkeypatch):
    """Past MATCHES_COUNTED matches, the total says so many and that more matched, and the pages
    hold the best of those: a word in every fact costs what a narrower query does."""
    client = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False).test_client()
    every = hits(client, "NATO", limit=50)
    assert every["meta"]["total_is_lower_bound"] is False
    monkeypatch.setattr(engine, "MATCHES_COUNTED", 3)
    first = hits(client, "NATO", limit=2)
    assert first["meta"]["total"] == 3 and first["meta"]["total_is_lower_bound"] is True
    second = client.get(first["links"]["next"]).json
    assert len(second["data"]) == 1 and second["links"]["next"] is None
    scores = [hit["score"] for hit in first["data"] + second["data"]]
    assert scores == sorted(scores, reverse=True)
    monkeypatch.setattr(engine, "MATCHES_COUNTED", every["meta"]["total"])
    whole = hits(client, "NATO", limit=50)
    assert whole["meta"]["total_is_lower_bound"] is False
    assert [hit["id"] for hit in whole["data"]] == [hit["id"] for hit in every["data"]]


def test_a_search_page_holds_fifty_hits_at_most(client):
    assert_problem(client.get("/v1/search?q=NATO&limit=51"), 400)


def test_the_words_of_the_index_are_kept_by_writes_not_read_from_every_text(
    make_app, editor, restore
):
    """A prefix's words and a typo's suggestions come from the index's words, which a write
    adds to: no read of every text of the index after a write (430 ms at 100,000 stances)."""
    app = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    response = client.patch(
        "/v1/stances/italy-opposes-coalition",
        json={"summary": "Italy's zygomorphic doubts about the coalition."},
        headers={**editor, "If-Match": "*"},
    )
    assert response.status_code == 200
    with counting_queries(app) as counted:
        found = hits(client, "zygomorph*")
        suggested = hits(client, "zygomorphik")["meta"]["suggestions"]
    assert [hit["id"] for hit in found["data"]] == ["italy-opposes-coalition"]
    assert "zygomorphic" in suggested
    assert not [sql for sql in counted if "SELECT body FROM search_index" in sql]
    # Its row is rewritten, not added beside: the word it no longer says finds it no more.
    response = client.patch(
        "/v1/stances/italy-opposes-coalition",
        json={"summary": "Italy's doubts about the coalition."},
        headers={**editor, "If-Match": "*"},
    )
    assert response.status_code == 200
    assert hits(client, "zygomorphic")["data"] == []
    assert [hit["id"] for hit in hits(client, "Italy's doubts")["data"]] == [
        "italy-opposes-coalition"
    ]


def every_page(client, path: str) -> list[dict]:
    """Every item of a list, following links.next."""
    items = []
    while path:
        body = client.get(path).json
        items += body["data"]
        path = body["links"]["next"]
    return items


def test_a_list_filtered_by_a_common_word_pages_every_match_and_counts_so_many(
    make_app, monkeypatch
):
    """Past MATCHES_COUNTED matches, a list's pages still hold every match in the list's order;
    its total and facets count the first MATCHES_COUNTED matches and say more matched."""
    app = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    path = "/v1/stances?q=NATO&limit=2&facet=position"
    whole = client.get(path).json
    assert whole["meta"]["total_is_lower_bound"] is False
    every = every_page(client, path)
    assert len(every) == whole["meta"]["total"] > 3
    monkeypatch.setattr(engine, "MATCHES_COUNTED", 3)
    # Another instance: this one remembers the totals it counted under the data version.
    client = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False).test_client()
    first = client.get(path).json
    assert first["meta"]["total"] == 3 and first["meta"]["total_is_lower_bound"] is True
    assert sum(first["meta"]["facets"]["position"].values()) == 3
    assert every_page(client, path) == every
    narrowed = client.get("/v1/stances?q=NATO&position=opposes&limit=50").json
    opposing = [stance for stance in every if stance["position"] == "opposes"]
    assert narrowed["data"] == opposing
    assert narrowed["meta"]["total"] <= len(opposing) and narrowed["meta"]["total_is_lower_bound"]


def test_a_page_filtered_by_a_common_word_reads_no_more_matches_than_it_counts(
    make_app, monkeypatch
):
    """At 100,000 matching stances, reading every match's id for a page of 50 cost 100 times a
    page: past MATCHES_COUNTED matches, every read of matching ids stops there."""
    app = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    monkeypatch.setattr(engine, "MATCHES_COUNTED", 3)
    with counting_queries(app) as counted:
        response = client.get("/v1/stances?q=NATO&limit=2&facet=position")
    assert response.status_code == 200 and response.json["meta"]["total_is_lower_bound"]
    reads = [sql for sql in counted if "item_id FROM search_index" in sql]
    assert reads and all("LIMIT" in sql for sql in reads), reads


def test_a_hit_scores_by_its_words_in_the_label_and_the_text(app, client):
    """SQLite scores a hit by how often the query's words occur in its label (four times over)
    and its text, not by bm25, whose weighing of rare words read every posting of every word
    of the query on every search (18 times a page for a long OR query at 100,000 stances);
    PostgreSQL's ts_rank_cd weighs the label more too."""
    found = hits(client, "Lancaster", type="events")["data"]
    summit = next(hit for hit in found if hit["id"] == "lancaster-house-summit")
    with app.app_context():
        row = document(database.session.get(Event, "lancaster-house-summit"))
    in_label, in_text = (len(re.findall(r"\bLancaster\b", row[key])) for key in ("label", "body"))
    assert in_label == 1 and in_text >= 1
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert summit["score"] == 4 * in_label + in_text
    else:
        assert summit["score"] > 0


def test_every_collection_has_its_own_range_of_index_rows():
    ranges = sorted(rowids_of(name) for name in names("items"))
    assert all(last < following for (_, last), (following, _) in itertools.pairwise(ranges))
    assert all(0 < first and last < 2**63 for first, last in ranges)


def test_the_migration_names_every_row_of_an_existing_sqlite_index(tmp_path):
    """An index written before search_rows (rowids 1, 2, …) is renumbered into its
    collections' ranges and named row by row: searches and lists find what they found."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"})
    questions = ["/v1/search?q=coalition", "/v1/stances?q=troops", "/v1/search?q=assurance*"]
    with app.app_context():
        flask_migrate.upgrade()
        seed(bundle_paths())
    client = app.test_client()
    before = [client.get(path).json["data"] for path in questions]
    with app.app_context():
        flask_migrate.downgrade(revision="0013")
        session = database.session
        rows = session.execute(text("SELECT type, item_id, label, body FROM search_index"))
        rows = [dict(row) for row in rows.mappings()]
        session.execute(text("DELETE FROM search_index"))
        session.execute(search_index.insert(), rows)  # numbered 1, 2, … as before
        session.commit()
        flask_migrate.upgrade(revision="0018")
        named = session.execute(select(search_rows.c.id, search_rows.c.type)).all()
        indexed = session.scalars(text("SELECT rowid FROM search_index")).all()
        assert sorted(indexed) == sorted(rowid for rowid, _ in named) and len(named) == len(rows)
        assert all(rowids_of(kind)[0] <= rowid <= rowids_of(kind)[1] for rowid, kind in named)
        # 0019 empties the index (it holds other words since): the next seed builds it again.
        session.rollback()  # end the read: the migration writes on a connection of its own
        flask_migrate.upgrade()
        assert session.scalar(text("SELECT count(*) FROM search_index")) == 0
        seed(bundle_paths())
        session.remove()
    assert [client.get(path).json["data"] for path in questions] == before
    close(app)


def test_a_renamed_actor_finds_its_stances_by_its_new_name(client, editor, restore):
    """A stance's row in the index holds its actor's name: a rename brings the rows of the
    facts that show the actor up to date too, not only the actor's own."""
    response = client.patch(
        "/v1/actors/italy", json={"name": "Zorblattia"}, headers={**editor, "If-Match": "*"}
    )
    assert response.status_code == 200
    found = {(hit["type"], hit["id"]) for hit in hits(client, "Zorblattia", limit=50)["data"]}
    italys = client.get("/v1/stances?actor=italy&limit=50").json["data"]
    assert ("actors", "italy") in found
    assert {("stances", stance["id"]) for stance in italys} <= found
