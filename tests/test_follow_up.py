"""A second article over the first: facts it restates gain its spans beside the first's, new
facts are its own, and retiring it gives back the first article's briefing as it was."""

import csv
import io

import pytest
import yaml

from api.loading.files import SEED_DIR
from api.resources import disagreements
from tests.helpers import assert_problem, italy_on_the_coalition

FOLLOW_UP = SEED_DIR / "examples" / "follow-up-italy-un-mandate.yaml"
SOURCE = "/v1/sources/follow-up-italy-un-mandate"
SEED = "nato-divisions-ukraine"
COLLECTIONS = ("actors", "proposals", "stances", "commitments", "events", "statements")
RESTATED = [
    "/v1/actors/italy",
    "/v1/actors/united-kingdom",
    "/v1/commitments/united-kingdom-spending-plan-2-5-pct",
]


def everything(client) -> dict[str, dict]:
    """Every fact as the API shows it, by path."""
    return {
        item["url"]: item
        for collection in COLLECTIONS
        for item in client.get(f"/v1/{collection}?limit=200").json["data"]
    }


def renders(client) -> dict[str, bytes]:
    """Every fact's page as the API sends it, byte for byte, by path."""
    return {path: client.get(path).data for path in everything(client)}


@pytest.fixture
def followed_up(client, runner, restore):
    """The seed's facts as they were; then the follow-up imported."""
    before = renders(client)
    result = runner.invoke(args=["import", str(FOLLOW_UP)])
    assert result.exit_code == 0, result.output
    return before, result.output


def test_the_follow_up_adds_its_facts_and_restates_the_seeds(client, followed_up):
    _, output = followed_up
    assert "8 added, 0 updated, 3 restated" in output
    commitment = client.get("/v1/commitments/united-kingdom-spending-plan-2-5-pct").json
    assert [span["source"] for span in commitment["evidence"]] == [
        SEED,
        "follow-up-italy-un-mandate",
    ]
    assert (commitment["first_reported_on"], commitment["reported_on"]) == ("2025-03", "2025-04-14")
    assert client.get("/v1/commitments?actor=united-kingdom&value_min=2.5").status_code in (
        200,
        400,
    )
    italy = client.get("/v1/stances?actor=italy&sort=reported_on").json["data"]
    assert [(stance["position"], stance["reported_on"]) for stance in italy] == [
        ("opposes", "2025-03"),
        ("conditional", "2025-04-14"),
    ]
    # The seed's wording stays; Italy is still among the seed article's actors.
    assert client.get("/v1/actors/italy").json["description"].startswith("Has outright rejected")
    seed_actors = client.get(f"/v1/actors?source={SEED}&limit=200").json["data"]
    assert "italy" in [actor["id"] for actor in seed_actors]


def test_importing_the_follow_up_again_changes_nothing(runner, followed_up):
    again = runner.invoke(args=["import", str(FOLLOW_UP)])
    assert "0 added, 0 updated, 11 unchanged" in again.output, again.output


def test_retiring_the_follow_up_gives_back_the_seeds_facts(client, admin, followed_up):
    before, _ = followed_up
    dry = client.post(f"{SOURCE}/retire?dry_run=true", headers={**admin, "If-Match": "*"})
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] is True and sorted(dry.json["lost_evidence"]) == sorted(RESTATED)
    # The source, Spain, Germany, their three facts, Rutte's 1.5% and the June summit.
    assert len(dry.json["deleted"]) == 8
    assert client.get(SOURCE).status_code == 200  # a dry run changes nothing
    response = client.post(f"{SOURCE}/retire", headers={**admin, "If-Match": "*"})
    assert response.status_code == 200, response.json
    assert response.json["deleted"] == dry.json["deleted"]
    after = renders(client)
    assert after.keys() == before.keys()
    # Every fact is sent as it was, byte for byte, the time it last changed included: those
    # that lost the follow-up's spans were changed twice, and the second change undid the first.
    for path, page in before.items():
        assert after[path] == page, path
    retired = len(response.json["deleted"]) + len(response.json["lost_evidence"])
    changes = client.get(f"/v1/changes?sort=-id&limit={retired}").json["data"]
    restated_changes = [c for c in changes if c["method"] == "PATCH"]
    assert sorted(f"/v1/{c['resource']}/{c['item_id']}" for c in restated_changes) == sorted(
        RESTATED
    )


def test_a_fact_edited_since_the_follow_up_keeps_its_edit_when_retired(
    client, admin, editor, followed_up
):
    path = "/v1/commitments/united-kingdom-spending-plan-2-5-pct"
    before = client.get(path).json
    edit = {"summary": "The UK has announced a plan for 2.5% of GDP; no year is given."}
    edited = client.patch(path, json=edit, headers={**editor, "If-Match": "*"})
    assert edited.status_code == 200, edited.json
    retired = client.post(f"{SOURCE}/retire", headers={**admin, "If-Match": "*"})
    assert retired.status_code == 200, retired.json
    after = client.get(path).json
    # Not the fact as it was: the editor's edit stays, and the time says it changed since.
    assert after["summary"] == edit["summary"] and after["updated_at"] > before["updated_at"]
    assert [span["source"] for span in after["evidence"]] == [SEED]


def june_source(client, admin, text: str, source_id: str = "june") -> None:
    """A (made-up) later article, of June 2025, holding `text`."""
    source = {"id": source_id, "title": source_id.title(), "text": text, "published_on": "2025-06"}
    assert client.post("/v1/sources", json=source, headers=admin).status_code == 201


def bundle_beside_the_seed(tmp_path, actor: dict, text: str, **more) -> str:
    (tmp_path / "later.txt").write_text(text, encoding="utf-8")
    document = {
        "source": {"id": "later", "title": "Later", "text_file": "later.txt"},
        "actors": [actor],
        **more,
    }
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return str(path)


ITALY_AGAIN = {
    "id": "italy",
    "name": "Italy",
    "kind": "country",
    "iso_code": "IT",
    "aliases": ["Rome"],
    "description": "Could now consider a role.",
    "evidence": [{"quote": "Rome could now consider a role"}],
}


def test_an_actor_declared_again_adds_its_spans_and_names_not_its_wording(
    client, runner, admin, tmp_path, restore
):
    """Declaring an actor of the seed again in a new bundle used to replace the seed's
    evidence ("1 updated"): Italy left `actors?source=<seed>` and retiring the bundle was a
    409. Now its spans and aliases are added; its wording stays the seed's."""
    path = bundle_beside_the_seed(tmp_path, ITALY_AGAIN, "Rome could now consider a role.")
    result = runner.invoke(args=["import", path])
    assert "1 restated" in result.output, result.output
    italy = client.get("/v1/actors/italy").json
    assert [span["source"] for span in italy["evidence"]] == [SEED, "later"]
    assert italy["aliases"] == ["Rome"]
    assert italy["description"].startswith("Has outright rejected")
    seed_actors = client.get(f"/v1/actors?source={SEED}&limit=200").json["data"]
    assert "italy" in [actor["id"] for actor in seed_actors]
    retired = client.post("/v1/sources/later/retire", headers={**admin, "If-Match": "*"})
    assert retired.status_code == 200, retired.json
    assert retired.json["lost_evidence"] == ["/v1/actors/italy"]
    assert [span["source"] for span in client.get("/v1/actors/italy").json["evidence"]] == [SEED]


def test_corrects_true_replaces_the_wording_and_keeps_the_other_spans(
    client, runner, tmp_path, restore
):
    corrected = {**ITALY_AGAIN, "corrects": True}
    path = bundle_beside_the_seed(tmp_path, corrected, "Rome could now consider a role.")
    result = runner.invoke(args=["import", path])
    assert "1 updated" in result.output, result.output
    italy = client.get("/v1/actors/italy").json
    assert italy["description"] == "Could now consider a role."
    assert [span["source"] for span in italy["evidence"]] == [SEED, "later"]


def test_restating_what_no_source_reported_is_refused_and_loads_nothing(client, runner, tmp_path):
    restated = {"restated": {"actors": [{"id": "atlantis", "evidence": [{"quote": "Rome"}]}]}}
    spain = {"id": "spain", "name": "Spain", "kind": "country", "evidence": [{"quote": "Spain"}]}
    path = bundle_beside_the_seed(tmp_path, spain, "Spain and Rome.", **restated)
    result = runner.invoke(args=["import", path])
    assert result.exit_code != 0
    assert "restated.actors[0] (id atlantis): unknown actor 'atlantis'" in result.output
    assert client.get("/v1/actors/spain").status_code == 404


def test_a_retirement_dry_run_needs_what_a_retirement_needs(client, editor, followed_up):
    response = client.post(f"{SOURCE}/retire?dry_run=true", headers={**editor, "If-Match": "*"})
    assert_problem(response, 403)


MATRIX_FILTERS = [
    "",
    "?actor=IT",
    "?actor=IT,FR",
    "?actor=IT,FR,UK,HU,SK,baltic-states",
    "?proposal=coalition-of-the-willing",
    "?source=follow-up-italy-un-mandate",
    "?basis=reported",
]


@pytest.mark.parametrize("query", MATRIX_FILTERS)
def test_the_matrix_cell_is_the_current_stance_whatever_the_filters(client, followed_up, query):
    """Italy opposed the coalition in March and could consider it in April: the cell is the
    April stance under every filter, and says another source had it opposing."""
    matrix = client.get(f"/v1/stances/matrix{query}").json
    row = [row["id"] for row in matrix["rows"]].index("italy")
    column = [column["id"] for column in matrix["columns"]].index("coalition-of-the-willing")
    cell = matrix["cells"][row][column]
    assert cell["stance"] == "/v1/stances/italy-conditional-on-coalition"
    assert (cell["position"], cell["others"], cell["disagreeing"]) == ("conditional", 1, 1)
    assert cell["other_positions"] == ["opposes"]
    timeline = client.get(cell["timeline"]).json["data"]
    assert [(stance["position"], stance["reported_on"]) for stance in timeline] == [
        ("opposes", "2025-03"),
        ("conditional", "2025-04-14"),
    ]
    assert [stance["evidence"][0]["source"] for stance in timeline] == [
        SEED,
        "follow-up-italy-un-mandate",
    ]


def test_the_matrix_spreadsheet_says_the_same(client, followed_up):
    response = client.get("/v1/stances/matrix.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    italy = next(row for row in rows if row[0] == "italy")
    coalition = rows[0].index("Coalition of the willing: position")
    assert italy[1] == "Italy"
    assert italy[coalition : coalition + 3] == ["conditional", "stated", "opposes"]
    assert rows[0][coalition + 1 : coalition + 3] == [
        "Coalition of the willing: certainty",
        "Coalition of the willing: other sources",
    ]


def test_current_filters_the_stances_to_the_picture_now(client, followed_up):
    now = client.get("/v1/stances?actor=italy&current=true").json["data"]
    before = client.get("/v1/stances?actor=italy&current=false").json["data"]
    assert [stance["id"] for stance in now] == ["italy-conditional-on-coalition"]
    assert [stance["id"] for stance in before] == ["italy-opposes-coalition"]


def test_retiring_the_follow_up_makes_the_earlier_stance_current_again(client, admin, followed_up):
    client.post(f"{SOURCE}/retire", headers={**admin, "If-Match": "*"})
    matrix = client.get("/v1/stances/matrix?actor=IT").json
    assert matrix["cells"][0][0]["stance"] == "/v1/stances/italy-opposes-coalition"
    assert matrix["cells"][0][0]["others"] == 0


def test_one_articles_briefing_shows_all_it_says_and_counts_what_it_shows(client, followed_up):
    """The follow-up's Italy stance is on a proposal the seed article made: its briefing
    shows the proposal (marked as reported elsewhere) with the stance under it, and each
    count is the number of items its section holds."""
    briefing = client.get(
        "/v1/briefing?source=follow-up-italy-un-mandate&limit=50&per_proposal=10"
    ).json
    for section in ("sources", "actors", "proposals", "commitments", "events", "statements"):
        assert briefing["counts"][section] == len(briefing[section]), section
    assert [actor["id"] for actor in briefing["actors"]] == [
        "germany",
        "italy",
        "mark-rutte",
        "spain",
        "united-kingdom",
    ]
    (coalition,) = briefing["proposals"]
    assert coalition["id"] == "coalition-of-the-willing"
    assert [stance["id"] for stance in coalition["stances"]] == ["italy-conditional-on-coalition"]
    assert briefing["counts"]["stances"] == coalition["stance_count"] == 1
    assert briefing["reported_elsewhere"] == {
        "actors": ["mark-rutte"],  # whose security-investment figure it reports
        "proposals": ["coalition-of-the-willing"],
    }
    assert "reported_elsewhere" not in client.get("/v1/briefing").json


def test_as_of_a_day_before_the_follow_up_shows_the_earlier_picture(client, followed_up):
    before, _ = followed_up
    matrix = client.get("/v1/stances/matrix?actor=IT&as_of=2025-04-13").json
    cell = matrix["cells"][0][0]
    assert cell["stance"] == "/v1/stances/italy-opposes-coalition" and cell["others"] == 0
    later = client.get("/v1/stances/matrix?actor=IT&as_of=2025-04-14").json["cells"][0][0]
    assert later["stance"] == "/v1/stances/italy-conditional-on-coalition"
    assert later["other_positions"] == ["opposes"]
    for collection in COLLECTIONS:
        then = client.get(f"/v1/{collection}?as_of=2025-04-13&limit=200").json["data"]
        assert [item["url"] for item in then] == sorted(
            (path for path in before if path.startswith(f"/v1/{collection}/")),
            key=lambda path: path.rsplit("/", 1)[1],
        ), collection
    briefing = client.get("/v1/briefing?as_of=2025-04-13").json
    assert [source["id"] for source in briefing["sources"]] == [SEED]
    assert briefing["counts"]["stances"] == len([path for path in before if "/stances/" in path])
    assert briefing["links"]["stances"] == "/v1/stances?as_of=2025-04-13"


@pytest.mark.parametrize("as_of, seen", [("2025-03", 1), ("2025", 2), ("2025-02", 0)])
def test_as_of_a_month_or_a_year_counts_what_may_have_been_published_by_its_end(
    client, followed_up, as_of, seen
):
    """A source dated March 2025 may have been read by the end of March; by the end of
    February it was not published."""
    sources = client.get(f"/v1/sources?as_of={as_of}").json
    assert sources["meta"]["total"] == seen


@pytest.mark.parametrize(
    "query",
    ["as_of=2025-02-30", "as_of=yesterday", "as_of=2025-04-13&current=true"],
)
def test_a_date_that_cannot_be_read_is_a_400(client, query):
    response = client.get(f"/v1/stances?{query}")
    assert_problem(response, 400)


def test_where_sources_disagree_each_side_is_shown_whole(client, followed_up):
    found = client.get("/v1/disagreements").json
    assert found["meta"]["total"] == 1
    (italy,) = found["data"]
    assert (italy["kind"], italy["actor"]["id"], italy["proposal"]["id"]) == (
        "stances",
        "italy",
        "coalition-of-the-willing",
    )
    assert italy["positions"] == ["opposes", "conditional"]  # oldest first
    assert [stance["id"] for stance in italy["stances"]] == [
        "italy-opposes-coalition",
        "italy-conditional-on-coalition",
    ]
    assert all(stance["citation"] and stance["evidence"] for stance in italy["stances"])
    assert italy["commitments"] == [] and italy["metric"] is None
    assert client.get("/v1/briefing").json["counts"]["disagreements"] == 1
    assert client.get("/v1/disagreements?kind=commitments").json["data"] == []
    assert client.get("/v1/disagreements?actor=UK").json["data"] == []


def test_a_figure_another_source_gives_differently_is_a_disagreement(
    client, admin, editor, followed_up
):
    """The seed's UK plan is 2.5% of GDP; a third (made-up) article giving 3% for the same
    plan disagrees; the UK's 3% *ambition*, from the seed too, does not."""
    source = {"id": "third", "title": "Third", "text": "The UK now plans 3% of GDP."}
    assert client.post("/v1/sources", json=source, headers=admin).status_code == 201
    commitment = {
        "actor": "united-kingdom",
        "metric": "defense_spending_pct_gdp",
        "value_min": 3,
        "value_max": 3,
        "kind": "announced_plan",
        "summary": "The UK now plans 3% of GDP.",
        "basis": "reported",
        "asserted_by": "united-kingdom",
        "evidence": [{"source": "third", "quote": "The UK now plans 3% of GDP."}],
    }
    created = client.post("/v1/commitments", json=commitment, headers=editor)
    assert created.status_code == 201, created.json
    (uk,) = client.get("/v1/disagreements?kind=commitments").json["data"]
    assert (uk["actor"]["id"], uk["metric"], uk["figures"]) == (
        "united-kingdom",
        "defense_spending_pct_gdp",
        ["2.5", "3"],
    )
    assert [side["value_min"] for side in uk["commitments"]] == [2.5, 3]


def test_an_event_another_source_reports_otherwise_is_a_disagreement(
    client, admin, editor, followed_up
):
    """The follow-up's June summit is upcoming; a later (made-up) article says it was
    cancelled: an event told differently, with both sides whole."""
    text = "The NATO summit planned for June was cancelled."
    june_source(client, admin, text, "later")
    event = {
        "name": "NATO Summit",  # the same event, in any case
        "kind": "summit",
        "status": "cancelled",
        "basis": "article",
        "evidence": [{"source": "later", "quote": text}],
    }
    created = client.post("/v1/events", json=event, headers=editor)
    assert created.status_code == 201, created.json
    (summit,) = client.get("/v1/disagreements?kind=events").json["data"]
    assert (summit["kind"], summit["actor"], summit["event"]) == ("events", None, "NATO Summit")
    assert summit["outcomes"] == ["upcoming", "cancelled"]  # oldest first
    assert [side["id"] for side in summit["events"]] == ["nato-summit-june", created.json["id"]]
    assert all(side["evidence"] and side["citation"] for side in summit["events"])
    assert summit["stances"] == summit["commitments"] == []
    assert client.get(summit["timeline"]).status_code == 200
    assert client.get("/v1/briefing").json["counts"]["disagreements"] == 2  # and Italy's
    assert client.get("/v1/disagreements?kind=events&actor=UK").json["data"] == []


def test_a_later_stance_says_which_it_supersedes(client, editor, followed_up):
    conditional = client.get("/v1/stances/italy-conditional-on-coalition").json
    assert conditional["supersedes"]["id"] == "italy-opposes-coalition"  # inferred: later
    assert conditional["supersedes"]["url"] == "/v1/stances/italy-opposes-coalition"
    # Reported together, Hungary's two stances supersede nothing.
    seeded = client.get(f"/v1/stances?source={SEED}&limit=200").json["data"]
    assert all(stance["supersedes"] is None for stance in seeded)
    path = "/v1/stances/italy-conditional-on-coalition"
    wrong = client.patch(
        path,
        json={"supersedes": "hungary-opposes-nato-deployment"},
        headers={**editor, "If-Match": "*"},
    )
    assert "supersedes" in assert_problem(wrong, 422)["errors"]
    cleared = client.patch(path, json={"supersedes": None}, headers={**editor, "If-Match": "*"})
    assert cleared.status_code == 200 and cleared.json["supersedes"] is None
    again = client.patch(
        path, json={"supersedes": "italy-opposes-coalition"}, headers={**editor, "If-Match": "*"}
    )
    assert again.json["supersedes"]["id"] == "italy-opposes-coalition"


def test_a_stance_posted_from_a_later_source_supersedes_the_current_one(
    client, admin, editor, followed_up
):
    june_source(client, admin, "Italy now supports it.")
    stance = italy_on_the_coalition(
        "supports", "Now supports it.", "june", "Italy now supports it."
    )
    created = client.post("/v1/stances", json=stance, headers=editor)
    assert created.status_code == 201, created.json
    assert created.json["supersedes"]["id"] == "italy-conditional-on-coalition"
    cell = client.get("/v1/stances/matrix?actor=IT").json["cells"][0][0]
    assert cell["stance"] == created.headers["Location"]
    assert (cell["others"], cell["other_positions"]) == (2, ["conditional", "opposes"])


def test_search_takes_a_source_and_each_hit_names_its_sources(client, followed_up):
    everywhere = client.get("/v1/search?q=Italy").json["data"]
    by_id = {hit["id"]: hit for hit in everywhere}
    assert by_id["italy-conditional-on-coalition"]["sources"] == ["follow-up-italy-un-mandate"]
    assert by_id["italy"]["sources"] == ["follow-up-italy-un-mandate", SEED]
    assert by_id[SEED]["sources"] == [SEED]
    later = client.get("/v1/search?q=Italy&source=follow-up-italy-un-mandate").json
    found = {hit["id"] for hit in later["data"]}
    assert "italy-conditional-on-coalition" in found and "follow-up-italy-un-mandate" in found
    assert "italy-opposes-coalition" not in found and SEED not in found
    assert later["meta"]["total"] == len(later["data"])
    by_title = client.get(
        "/v1/search?q=Italy&source=NATO divisions over Ukraine (untitled article)"
    )
    assert "italy-opposes-coalition" in {hit["id"] for hit in by_title.json["data"]}


def test_the_change_feed_takes_an_item_and_a_source(client, followed_up):
    history = client.get("/v1/changes?item=united-kingdom-spending-plan-2-5-pct").json["data"]
    assert [(change["method"], change["by"]) for change in history] == [
        ("POST", "cli:seed"),
        ("PATCH", "cli:import"),  # the follow-up's span added
    ]
    later = client.get("/v1/changes?source=follow-up-italy-un-mandate&limit=200").json["data"]
    items = {change["url"] for change in later}
    assert "/v1/stances/italy-conditional-on-coalition" in items
    assert "/v1/commitments/united-kingdom-spending-plan-2-5-pct" in items
    assert "/v1/stances/italy-opposes-coalition" not in items
    assert_problem(client.get("/v1/changes?source=no-such-source"), 400)  # names no source


def test_stance_disagreements_are_listed_as_far_as_so_many(make_app, followed_up, monkeypatch):
    """Past COUNTED the total says it is a lower bound (at 100,000 synthetic stances every
    pair disagrees)."""
    client = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False).test_client()
    assert client.get("/v1/disagreements").json["meta"]["total_is_lower_bound"] is False
    monkeypatch.setattr(disagreements, "COUNTED", 0)
    # Another instance: this one remembers what it found under the data version.
    client = make_app(RESPONSE_CACHE=False, RATELIMIT_ENABLED=False).test_client()
    capped = client.get("/v1/disagreements").json
    assert capped["meta"]["total_is_lower_bound"] is True and capped["data"] == []


def test_a_patch_adds_a_new_sources_span_beside_the_others(client, admin, editor, followed_up):
    june_source(client, admin, "The UK again said 2.5% of GDP.")
    path = "/v1/commitments/united-kingdom-spending-plan-2-5-pct"
    bad = {"add_evidence": [{"source": "june", "quote": "The UK said 3%"}]}
    before = client.get(path).json
    assert_problem(client.patch(path, json=bad, headers={**editor, "If-Match": "*"}), 422)
    assert client.get(path).json == before
    added = {"add_evidence": [{"source": "june", "quote": "The UK again said 2.5% of GDP."}]}
    response = client.patch(path, json=added, headers={**editor, "If-Match": "*"})
    assert response.status_code == 200, response.json
    assert [span["source"] for span in response.json["evidence"]] == [
        SEED,
        "follow-up-italy-un-mandate",
        "june",
    ]
    assert (response.json["first_reported_on"], response.json["reported_on"]) == (
        "2025-03",
        "2025-06",
    )


def test_as_of_a_fact_restated_since_shows_its_spans_of_then(client, followed_up):
    """As of the day before the follow-up, the UK's 2.5% commitment shows the seed's span
    alone, reported in March; today, both."""

    def uk(query: str = "") -> dict:
        found = client.get(f"/v1/commitments?actor=united-kingdom&kind=announced_plan{query}")
        return found.json["data"][0]

    then, now = uk("&as_of=2025-04-13"), uk()
    assert [span["source"] for span in then["evidence"]] == [SEED]
    assert (then["first_reported_on"], then["reported_on"]) == ("2025-03", "2025-03")
    assert "Example follow-up" not in then["citation"]
    assert [span["source"] for span in now["evidence"]] == [SEED, "follow-up-italy-un-mandate"]
    briefing = client.get("/v1/briefing?as_of=2025-04-13&limit=50").json
    plan = next(c for c in briefing["commitments"] if c["id"] == now["id"])
    assert [span["source"] for span in plan["evidence"]] == [SEED]
