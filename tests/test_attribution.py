"""Who says so: the basis of every claim and the actor it comes from, a citation on every item,
reference knowledge kept apart from what the article states, and summaries that say no more
than their evidence."""

import csv
import io
import re

import pytest

from api.loading.checks import check_summaries
from api.loading.files import SEED_DIR, Bundle, bundle_paths
from tests.helpers import assert_problem, ids, snapshot
from tests.test_seed import item, write_bundle

CLAIMS = ["proposals", "stances", "commitments", "events", "statements"]

# Written from the article, not from the YAML: a span of the article, the collection of the
# claims it backs, who asserts it there (basis) and the actor it comes from.
EXPECTED = [
    # Trump's own words, in quotation marks
    ("statements", "“the worst statement,”", "quoted", "donald-trump"),
    # a perception no one is named behind
    (
        "statements",
        "have been perceived as an attempt to undermine European unity",
        "perceived",
        None,
    ),
    # reported speech of unnamed critics
    ("stances", "critics argue that such a partial ceasefire", "reported", "ceasefire-critics"),
    # speech and acts the article reports
    (
        "stances",
        "met with skepticism by the UK and other allies",
        "reported",
        ("united-kingdom", "other-allies"),
    ),
    ("stances", "others, like Italy, have outright rejected the idea", "reported", "italy"),
    (
        "proposals",
        "Emmanuel Macron recently proposed a 30-day ceasefire",
        "reported",
        "emmanuel-macron",
    ),
    (
        "stances",
        "Emmanuel Macron recently proposed a 30-day ceasefire",
        "reported",
        "emmanuel-macron",
    ),
    (
        "statements",
        "Macron called on European countries to increase",
        "reported",
        "emmanuel-macron",
    ),
    ("commitments", "announced plans to boost its defense spending", "reported", "united-kingdom"),
    (
        "statements",
        "Mark Rutte emphasized the importance of collective defense",
        "reported",
        "mark-rutte",
    ),
    # the article's own assertions
    ("stances", "other European countries have been slower to act", "article", None),
    ("events", "the meeting failed to produce significant progress", "article", None),
    ("proposals", "the participation of NATO as a whole is complicated", "article", None),
]


def every(client, collection: str, query: str = "") -> list[dict]:
    return client.get(f"/v1/{collection}?limit=200&{query}").json["data"]


def asserted_by(claim: dict) -> str | None:
    return claim["asserted_by"] and claim["asserted_by"]["id"]


@pytest.mark.parametrize(("collection", "span", "basis", "actor"), EXPECTED)
def test_the_article_s_key_claims_say_who_asserts_them(client, collection, span, basis, actor):
    backed = [
        claim
        for claim in every(client, collection)
        if any(span in evidence["quote"] for evidence in claim["evidence"])
    ]
    assert backed, f"no {collection} backed by {span!r}"
    actors = actor if isinstance(actor, tuple) else (actor,)
    for claim in backed:
        assert claim["basis"] == basis and asserted_by(claim) in actors, claim["id"]


@pytest.mark.parametrize("collection", CLAIMS)
def test_every_claim_has_its_attribution(client, collection):
    for claim in every(client, collection):
        assert claim["basis"] in ("quoted", "reported", "article", "perceived")
        assert (asserted_by(claim) is not None) == (claim["basis"] in ("quoted", "reported"))


def test_what_the_article_asserts_on_its_own_authority_is_one_request(client):
    briefing = client.get("/v1/briefing?basis=article").json
    claims = [*briefing["commitments"], *briefing["events"], *briefing["statements"]]
    claims += [stance for proposal in briefing["proposals"] for stance in proposal["stances"]]
    assert {claim["basis"] for claim in claims} == {"article"}
    assert "lancaster-house-summit" in [event["id"] for event in briefing["events"]]
    stances = [s["id"] for p in briefing["proposals"] for s in p["stances"]]
    assert stances == ["other-european-countries-skeptical-of-spending-target"]
    assert briefing["counts"]["stances"] == 1
    assert briefing["counts"]["actors"] == client.get("/v1/briefing").json["counts"]["actors"]


@pytest.mark.parametrize("collection", CLAIMS)
def test_basis_and_asserted_by_filter_and_facet(client, collection):
    everything = every(client, collection)
    for basis in ("quoted", "reported", "article", "perceived"):
        expected = [claim["id"] for claim in everything if claim["basis"] == basis]
        assert ids(client.get(f"/v1/{collection}?basis={basis.upper()}&limit=200")) == expected
    facets = client.get(f"/v1/{collection}?facet=basis").json["meta"]["facets"]["basis"]
    assert sum(facets.values()) == len(everything)
    macron = [claim["id"] for claim in everything if asserted_by(claim) == "emmanuel-macron"]
    assert ids(client.get(f"/v1/{collection}?asserted_by=Macron&limit=200")) == macron


def test_an_unknown_basis_is_a_400_naming_the_four(client):
    body = assert_problem(client.get("/v1/stances?basis=rumour"), 400)
    assert "quoted, reported, article, perceived" in body["errors"]["basis"][0]


def spreadsheet_row(client, path: str, item_id: str) -> dict:
    rows = csv.DictReader(io.StringIO(client.get(path).text))
    return next(row for row in rows if row["id"] == item_id)


def test_a_spreadsheet_says_who_asserts_each_claim(client):
    italy = spreadsheet_row(client, "/v1/stances.csv", "italy-opposes-coalition")
    assert (italy["basis"], italy["asserted_by"], italy["asserted_by_name"]) == (
        "reported",
        "italy",
        "Italy",
    )
    assert italy["citation"].startswith("“others, like Italy, have outright rejected the idea”")


def test_matrix_cells_say_who_asserts_them(client):
    matrix = client.get("/v1/stances/matrix?basis=article").json
    assert [row["id"] for row in matrix["rows"]] == ["other-european-countries"]
    assert matrix["cells"][0][0]["basis"] == "article"
    assert matrix["cells"][0][0]["asserted_by"] is None


def test_search_reads_no_claims_basis_as_a_word_of_prose(client):
    """A basis is a value of a fixed list, filtered by `basis=`, not a word of the text: the
    seed's quoted statements are found by their words, not by `quoted`."""
    hits = client.get("/v1/search?q=quoted&type=statements").json["data"]
    assert "basis" not in [hit["field"] for hit in hits]
    quoted = client.get("/v1/statements?basis=quoted").json["data"]
    assert "donald-trump-worst-statement" in [item["id"] for item in quoted]


def test_every_item_has_a_paste_ready_citation(client):
    stance = client.get("/v1/stances/italy-opposes-coalition").json
    assert stance["citation"] == (
        "“others, like Italy, have outright rejected the idea” (para. 2) — "
        "NATO divisions over Ukraine (untitled article)"
    )
    assert stance["evidence"][0]["paragraph"] == 2
    proposal = client.get("/v1/proposals/macron-30-day-ceasefire").json
    assert proposal["citation"].count("”") == len(proposal["evidence"])
    assert "(para. 1)" in proposal["citation"] and "(para. 6)" in proposal["citation"]
    source = client.get("/v1/sources/nato-divisions-ukraine").json
    assert source["citation"] == (
        "NATO divisions over Ukraine (untitled article), "
        "2025-03 (date by reference, not given in the article)"
    )


BASIS_PROBLEMS = [
    ({"basis": "reported", "asserted_by": None}, "needs asserted_by"),
    ({"basis": "quoted", "asserted_by": None}, "needs asserted_by"),
    ({"basis": "article", "asserted_by": "italy"}, "comes from no actor"),
    ({"basis": "perceived", "asserted_by": "italy"}, "comes from no actor"),
]
STANCE = {
    "actor": "italy",
    "proposal": "macron-30-day-ceasefire",
    "position": "skeptical",
    "certainty": "stated",
    "summary": "A test stance.",
    "evidence": [{"source": "nato-divisions-ukraine", "quote": "like Italy"}],
}


@pytest.mark.parametrize(("attribution", "message"), BASIS_PROBLEMS)
def test_a_basis_without_its_actor_is_a_422_and_writes_nothing(
    client, db, editor, attribution, message
):
    before = snapshot()
    response = client.post("/v1/stances", json={**STANCE, **attribution}, headers=editor)
    assert message in assert_problem(response, 422)["errors"]["asserted_by"][0]
    assert snapshot() == before


def test_a_patch_is_checked_on_the_claim_it_changes(client, restore, db, editor):
    path = "/v1/stances/italy-opposes-coalition"
    before = snapshot()
    response = client.patch(path, json={"basis": "article"}, headers={**editor, "If-Match": "*"})
    assert "comes from no actor" in assert_problem(response, 422)["errors"]["asserted_by"][0]
    assert snapshot() == before
    body = {"basis": "article", "asserted_by": None}
    changed = client.patch(path, json=body, headers={**editor, "If-Match": "*"})
    assert (changed.status_code, changed.json["basis"], changed.json["asserted_by"]) == (
        200,
        "article",
        None,
    )


def test_a_statement_with_no_speaker_is_only_a_perception_or_the_article_s(client, editor):
    statement = {
        "speaker": None,
        "summary": "A remark with no one behind it.",
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [{"source": "nato-divisions-ukraine", "quote": "like Italy"}],
    }
    response = client.post("/v1/statements", json=statement, headers=editor)
    assert "needs its speaker" in assert_problem(response, 422)["errors"]["speaker"][0]


def test_an_import_refuses_a_basis_without_its_actor(runner, db, tmp_path):
    def unattribute(document):
        item(document, "stances", "italy-opposes-coalition")["asserted_by"] = None

    before = snapshot()
    result = runner.invoke(args=["import", str(write_bundle(tmp_path, unattribute))])
    assert result.exit_code != 0
    assert "italy-opposes-coalition" in result.output and "asserted_by" in result.output
    assert snapshot() == before


# Reference knowledge


def test_aliases_the_article_uses_are_kept_apart_from_common_ones(client):
    uk = client.get("/v1/actors/united-kingdom").json
    assert (uk["aliases"], uk["reference_aliases"]) == (["UK", "British government"], ["Britain"])
    text = client.get("/v1/sources/nato-divisions-ukraine").json["text"]

    def says(alias: str) -> bool:  # as a word: "American" does not say "America"
        return re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text, re.IGNORECASE) is not None

    for actor in every(client, "actors"):
        for alias in actor["aliases"]:
            assert says(alias), f"{actor['id']}: the article does not say {alias!r}"
        for alias in actor["reference_aliases"]:
            assert not says(alias), f"{actor['id']}: the article does say {alias!r}"


@pytest.mark.parametrize(
    ("path", "location"),
    [("/v1/actors/britain", "/v1/actors/united-kingdom"), ("/v1/actors/zelenskyy", None)],
)
def test_a_common_name_still_finds_its_actor(client, path, location):
    answer = client.get(path)
    assert answer.status_code == 308
    assert answer.headers["Location"] == (location or "/v1/actors/volodymyr-zelensky")


def test_the_baltic_states_members_are_reference_knowledge(client):
    baltic = client.get("/v1/actors/baltic-states").json
    assert baltic["members"] == []
    assert [member["id"] for member in baltic["reference_members"]] == [
        "estonia",
        "latvia",
        "lithuania",
    ]
    estonia = client.get("/v1/actors/EE").headers["Location"]
    estonia = client.get(estonia).json
    assert (estonia["known_from"], estonia["iso_code"]) == ("reference", "EE")
    assert [span["quote"] for span in estonia["evidence"]] == ["the Baltic states"]
    reference = ids(client.get("/v1/actors?known_from=reference"))
    assert reference == ["estonia", "latvia", "lithuania"]


def test_a_member_answers_through_its_group(client):
    assert ids(client.get("/v1/stances?actor=estonia")) == ["baltic-states-support-coalition"]
    assert ids(client.get("/v1/stances?actor=LT")) == ["baltic-states-support-coalition"]


def test_the_actors_spreadsheet_marks_reference_knowledge(client):
    uk = spreadsheet_row(client, "/v1/actors.csv", "united-kingdom")
    assert (uk["known_from"], uk["reference_aliases"], uk["iso_code"]) == (
        "article",
        "Britain",
        "GB",
    )
    baltic = spreadsheet_row(client, "/v1/actors.csv", "baltic-states")
    assert baltic["reference_members_name"] == "Estonia; Latvia; Lithuania"


# Summaries say no more than their evidence


@pytest.mark.parametrize(
    ("collection", "item_id", "field", "text", "named"),
    [
        ("events", "lancaster-house-summit", "outcome", "Raised spending to 4% of GDP.", "4"),
        (
            "stances",
            "italy-opposes-coalition",
            "summary",
            "Rejected it, as did Hungary.",
            "Hungary",
        ),
        ("actors", "france", "description", "Allied with the UK.", "UK"),
        ("stances", "ukraine-conditional-on-ceasefire", "condition", "Macron agrees.", "Macron"),
    ],
)
def test_the_loader_refuses_words_its_evidence_does_not_back(
    runner, db, tmp_path, collection, item_id, field, text, named
):
    def overstate(document):
        item(document, collection, item_id)[field] = text

    before = snapshot()
    result = runner.invoke(args=["import", str(write_bundle(tmp_path, overstate))])
    assert result.exit_code != 0
    assert f"{item_id}): {field}: names {named}, which its evidence does not" in result.output
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [*bundle_paths(), SEED_DIR / "examples" / "example-ruritania.yaml"],
    ids=lambda path: path.name,
)
def test_the_seed_and_the_example_pass_the_check(db, path):
    check_summaries(Bundle(path))  # raises SeedError naming the item and the field
