"""What a journalist types, met halfway: any case, ISO codes, several values, one article's
facts, names in URLs, a trailing slash, a starting point, and items that lead with what they
say."""

import pytest

from api.loading.files import SEED_DIR
from tests.helpers import assert_problem, counting_queries, ids


@pytest.mark.parametrize(
    "query",
    ["certainty=likely", "certainty=Likely", "certainty=LIKELY", "certainty=likely&sort=-ID"],
)
def test_fixed_values_take_any_case(client, query):
    assert set(ids(client.get(f"/v1/stances?{query}"))) == set(
        ids(client.get("/v1/stances?certainty=likely"))
    )


@pytest.mark.parametrize("code", ["IT", "it", "It"])
def test_countries_answer_to_their_iso_code_in_any_case(client, code):
    assert ids(client.get(f"/v1/stances?actor={code}")) == ids(
        client.get("/v1/stances?actor=italy")
    )
    assert ids(client.get(f"/v1/actors?iso_code={code}")) == ["italy"]


@pytest.mark.parametrize(
    "query", ["position=opposes,skeptical", "position=opposes&position=skeptical"]
)
def test_several_values_mean_any_of_them(client, query):
    found = client.get(f"/v1/stances?{query}&limit=200").json["data"]
    assert {stance["position"] for stance in found} == {"opposes", "skeptical"}
    opposes = ids(client.get("/v1/stances?position=opposes&limit=200"))
    skeptical = ids(client.get("/v1/stances?position=skeptical&limit=200"))
    assert sorted(stance["id"] for stance in found) == sorted(opposes + skeptical)


def test_several_actors_by_any_of_their_names(client):
    found = client.get("/v1/stances?actor=IT,Macron,UK&limit=200").json["data"]
    assert {stance["actor"]["id"] for stance in found} == {
        "italy",
        "emmanuel-macron",
        "united-kingdom",
    }


@pytest.mark.parametrize(
    ("query", "named"),
    [("position=opposes,adores", "'adores'"), ("actor=italy,atlantis", "'atlantis'")],
)
def test_an_unknown_value_among_several_is_a_400_naming_it(client, query, named):
    body = assert_problem(client.get(f"/v1/stances?{query}"), 400)
    assert named in " ".join(body["errors"][query.split("=")[0]])


@pytest.fixture
def second_article(runner, restore):
    """The example bundle imported beside the seeded article."""
    result = runner.invoke(args=["import", str(SEED_DIR / "examples" / "example-ruritania.yaml")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "collection", ["actors", "proposals", "stances", "commitments", "events", "statements"]
)
def test_source_keeps_one_articles_facts(client, second_article, collection):
    everything = set(ids(client.get(f"/v1/{collection}?limit=200")))
    seeded = set(ids(client.get(f"/v1/{collection}?source=nato-divisions-ukraine&limit=200")))
    example = set(ids(client.get(f"/v1/{collection}?source=example-ruritania&limit=200")))
    assert seeded | example == everything
    assert not seeded & example  # the example's facts are its own
    if collection in ("actors", "proposals", "stances", "commitments"):  # what the example holds
        assert example


def test_source_narrows_the_briefing_and_the_matrix(client, second_article):
    whole = client.get("/v1/briefing").json["counts"]
    example = client.get("/v1/briefing?source=example-ruritania").json
    assert [source["id"] for source in example["sources"]] == ["example-ruritania"]
    assert 0 < example["counts"]["actors"] < whole["actors"]
    matrix = client.get("/v1/stances/matrix?source=nato-divisions-ukraine").json
    assert "ruritania" not in [row["id"] for row in matrix["rows"]]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/v1/actors/macron", "/v1/actors/emmanuel-macron"),
        ("/v1/actors/Emmanuel%20Macron", "/v1/actors/emmanuel-macron"),
        ("/v1/actors/IT?expand=roles", "/v1/actors/italy?expand=roles"),
        ("/v1/actors/uk/stances", "/v1/actors/united-kingdom/stances"),
        ("/v1/stances/", "/v1/stances"),
        ("/v1/actors/italy/?pretty=true", "/v1/actors/italy?pretty=true"),
    ],
)
def test_other_names_of_a_url_answer_308_to_its_own(client, path, location):
    response = client.get(path)
    assert response.status_code == 308
    assert response.headers["Location"] == location
    assert client.get(location).status_code == 200


@pytest.mark.parametrize("path", ["/v1/actors/atlantis", "/v1/nothing/", "/v1/stances/x/y/"])
def test_what_names_nothing_stays_a_404(client, path):
    assert_problem(client.get(path), 404)


@pytest.mark.parametrize("path", ["/", "/v1"])
def test_the_index_lists_every_collection_and_view(client, path):
    index = client.get(path).json
    assert set(index["collections"]) >= {"stances", "actors", "sources", "changes"}
    for link in [*index["collections"].values(), *index["views"]]:
        url = link["url"] + ("nato" if link["url"].endswith("q=") else "")
        assert client.get(url).status_code == 200, url
    assert client.get(index["openapi"]).status_code == 200


def test_items_lead_with_what_they_say(client):
    stance = client.get("/v1/stances/italy-opposes-coalition").json
    keys = list(stance)
    assert keys[:5] == ["id", "actor", "proposal", "position", "certainty"]
    assert keys[-6:] == [
        "evidence",
        "first_reported_on",
        "reported_on",
        "url",
        "created_at",
        "updated_at",
    ]


def test_facets_count_the_whole_filtered_collection(client):
    page = client.get("/v1/stances?facet=position,certainty&limit=2").json
    everything = client.get("/v1/stances?limit=200").json["data"]
    positions = page["meta"]["facets"]["position"]
    assert sum(positions.values()) == page["meta"]["total"] == len(everything)
    for position, count in positions.items():
        assert count == sum(stance["position"] == position for stance in everything)
    assert list(positions.values()) == sorted(positions.values(), reverse=True)
    assert set(page["meta"]["facets"]) == {"position", "certainty"}


def test_facets_follow_the_filters(client):
    meta = client.get("/v1/stances?actor=italy&facet=proposal").json["meta"]
    assert sum(meta["facets"]["proposal"].values()) == meta["total"]


def test_more_than_two_facets_at_once_are_a_400(client):
    """Each facet counts every filtered item: a request's cost stays bounded."""
    assert client.get("/v1/stances?facet=actor,proposal").status_code == 200
    body = assert_problem(client.get("/v1/stances?facet=actor,proposal,basis"), 400)
    assert body["errors"]["facet"] == ["Give 1 to 2 of them at once."]


def test_facets_are_counted_once_per_data_version(make_app, editor, restore):
    app = make_app()  # the response cache on, as served
    client = app.test_client()
    with counting_queries(app) as counted:
        first = client.get("/v1/stances?facet=position&limit=1").json["meta"]["facets"]["position"]
        again = client.get("/v1/stances?facet=position&limit=2").json["meta"]["facets"]["position"]
    assert first == again
    assert len([sql for sql in counted if "GROUP BY stances.position" in sql]) == 1
    patched = client.patch(
        "/v1/stances/italy-opposes-coalition",
        json={"position": "skeptical"},
        headers={**editor, "If-Match": "*"},
    )
    assert patched.status_code == 200
    after = client.get("/v1/stances?facet=position&limit=3").json["meta"]["facets"]["position"]
    assert after["skeptical"] == first["skeptical"] + 1


def test_an_unknown_facet_is_a_400(client):
    body = assert_problem(client.get("/v1/stances?facet=mood"), 400)
    assert "'mood'" in body["errors"]["facet"][0]


def test_a_sources_facts_total_counts_facts_not_quotes(client):
    meta = client.get("/v1/sources/nato-divisions-ukraine/facts?limit=200").json
    spans = meta["data"]
    facts = {(span["type"], span["id"]) for span in spans}
    assert len(spans) > len(facts)  # some facts have several quotes
    assert meta["meta"]["total"] == len(facts)


SPARSE = [
    ("/v1/stances", "position,summary"),
    ("/v1/actors/italy/stances", "summary"),
    ("/v1/actors", "name,kind"),
    ("/v1/proposals", "title,status"),
    ("/v1/commitments", "value_min,value_max"),
    ("/v1/events", "name"),
    ("/v1/statements", "speaker,quote"),
    ("/v1/sources", "title"),
    ("/v1/sources/nato-divisions-ukraine/facts", "type,quote"),
    ("/v1/changes", "resource"),
    ("/v1/search?q=ceasefire", "label,snippet"),
]


def sparse_path(path: str) -> str:
    """The path of a list narrowed by `fields=`: `/v1/search.sparse?q=…` of `/v1/search?q=…`."""
    where, _, query = path.partition("?")
    return f"{where}.sparse?{query}" if query else f"{where}.sparse"


@pytest.mark.parametrize(("path", "chosen"), SPARSE)
def test_sparse_fields_keep_only_those_and_the_id(client, path, chosen):
    joiner = "&" if "?" in path else "?"
    full = client.get(path).json
    answer = client.get(f"{sparse_path(path)}{joiner}fields={chosen}")
    assert answer.mimetype == "application/vnd.briefing.sparse+json"
    sparse = answer.json
    kept = ["id", *chosen.split(",")]
    assert sparse["data"], path
    for whole, item in zip(full["data"], sparse["data"], strict=True):
        assert list(item) == [name for name in whole if name in kept]
        assert item == {name: whole[name] for name in item}
    assert sparse["meta"] == full["meta"]


@pytest.mark.parametrize(("path", "chosen"), SPARSE)
def test_fields_on_a_full_list_lead_to_its_sparse_path(client, path, chosen):
    joiner = "&" if "?" in path else "?"
    answer = client.get(f"{path}{joiner}fields={chosen}")
    body = assert_problem(answer, 308)
    assert answer.headers["Location"] == f"{sparse_path(path)}{joiner}fields={chosen}"
    assert answer.headers["Location"] in body["detail"]
    followed = client.get(f"{path}{joiner}fields={chosen}", follow_redirects=True)
    assert followed.mimetype == "application/vnd.briefing.sparse+json"


def test_a_sparse_path_needs_the_fields_and_only_reads(client):
    body = assert_problem(client.get("/v1/stances.sparse?position=opposes"), 400)
    assert "/v1/stances" in body["errors"]["fields"][0]
    assert client.post("/v1/stances.sparse", json={}).status_code == 405
    assert client.get("/v1/stances.sparse.csv?fields=id").status_code == 404


def test_sparse_fields_repeat_and_take_any_case(client):
    one = client.get("/v1/stances.sparse?fields=position,summary").json
    again = client.get("/v1/stances.sparse?fields=Position&fields=SUMMARY").json
    assert again["data"] == one["data"]


def test_sparse_fields_follow_the_paging_and_leave_expand_whole(client):
    page = client.get("/v1/stances.sparse?fields=actor&expand=actor&limit=2").json
    assert [list(item) for item in page["data"]] == [["id", "actor"]] * 2
    assert "kind" in page["data"][0]["actor"] and "evidence" in page["data"][0]["actor"]
    following = client.get(page["links"]["next"]).json
    assert [list(item) for item in following["data"]] == [["id", "actor"]] * 2


def test_an_unknown_field_is_a_400_naming_it(client):
    body = assert_problem(client.get("/v1/stances.sparse?fields=position,mood"), 400)
    assert "'mood'" in body["errors"]["fields"][0]
    assert "summary" in body["errors"]["fields"][0]


def test_sparse_fields_reach_the_spreadsheet_by_accept_too(client):
    answer = client.get("/v1/stances?fields=summary", headers={"Accept": "text/csv"})
    assert answer.text.splitlines()[0] == '"id","summary"'
