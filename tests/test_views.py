"""Whole-briefing views and embedded references: expand, the stance matrix, the briefing."""

import csv
import io

import pytest

from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("path", "field", "full_key"),
    [
        ("/v1/stances/italy-opposes-coalition?expand=actor", "actor", "iso_code"),
        ("/v1/stances/italy-opposes-coalition?expand=proposal", "proposal", "provisions"),
        (
            "/v1/commitments/emmanuel-macron-european-target-3-3-5-pct?expand=actor",
            "actor",
            "roles",
        ),
        ("/v1/statements/donald-trump-worst-statement?expand=speaker", "speaker", "aliases"),
    ],
)
def test_expand_embeds_the_full_item_with_evidence(client, path, field, full_key):
    embedded = client.get(path).json[field]
    assert full_key in embedded
    assert embedded["evidence"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/proposals/macron-30-day-ceasefire?expand=proposers,events", "proposers"),
        ("/v1/proposals/macron-30-day-ceasefire?expand=proposers,events", "events"),
        ("/v1/events/lancaster-house-summit?expand=participants", "participants"),
        ("/v1/events/lancaster-house-summit?expand=proposals", "proposals"),
        ("/v1/statements/donald-trump-criticises-nato?expand=about", "about"),
        (
            "/v1/commitments/emmanuel-macron-european-target-3-3-5-pct?expand=applies_to",
            "applies_to",
        ),
    ],
)
def test_expand_embeds_lists_of_references(client, path, field):
    embedded = client.get(path).json[field]
    assert embedded
    assert all("evidence" in item and "created_at" in item for item in embedded)


def test_expand_roles_embeds_the_office_holder(client):
    role = client.get("/v1/actors/keir-starmer?expand=roles").json["roles"][0]
    assert role["of"]["iso_code"] == "GB"


def test_expand_on_a_collection_embeds_every_item(client):
    data = client.get("/v1/stances?expand=actor,proposal").json["data"]
    assert all("kind" in stance["actor"] and "status" in stance["proposal"] for stance in data)


def test_expand_goes_one_level_deep_only(client):
    proposal = client.get("/v1/stances/italy-opposes-coalition?expand=proposal").json["proposal"]
    assert set(proposal["proposers"][0]) == {"id", "name", "url"}


def test_references_stay_compact_without_expand(client):
    assert set(client.get("/v1/stances/italy-opposes-coalition").json["actor"]) == {
        "id",
        "name",
        "url",
    }


@pytest.mark.parametrize("path", ["/v1/stances?expand=speaker", "/v1/actors/nato?expand=actor"])
def test_expand_of_unknown_field_is_400(client, path):
    assert_problem(client.get(path), 400)


def test_matrix_shows_who_stands_where(client):
    matrix = client.get("/v1/stances/matrix").json
    rows = [row["id"] for row in matrix["rows"]]
    columns = [column["id"] for column in matrix["columns"]]
    assert len(rows) == 13 and len(columns) == 6
    italy = matrix["cells"][rows.index("italy")]
    cell = italy[columns.index("coalition-of-the-willing")]
    assert cell == {
        "position": "opposes",
        "certainty": "stated",
        "basis": "reported",
        "asserted_by": "italy",
        "stance": "/v1/stances/italy-opposes-coalition",
        "others": 0,
        "disagreeing": 0,
    }
    assert italy[columns.index("macron-30-day-ceasefire")] is None
    hungary = matrix["cells"][rows.index("hungary")][columns.index("nato-collective-deployment")]
    # Its stated opposition is current; its likely block, reported together, is the other.
    assert hungary["stance"] == "/v1/stances/hungary-opposes-nato-deployment"
    assert (hungary["others"], hungary["disagreeing"], hungary["other_positions"]) == (1, 0, [])


def test_matrix_as_csv(client):
    response = client.get("/v1/stances/matrix.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    hungary = next(row for row in rows if row[0] == "hungary")
    assert header[:2] == ["actor", "actor_name"] and hungary[1] == "Hungary"
    # Hungary's stated opposition, not its likely block (the surest of its two stances)
    title = client.get("/v1/proposals/nato-collective-deployment").json["title"]
    position = header.index(f"{title}: position")
    assert hungary[position : position + 2] == ["opposes", "stated"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="stances-matrix.csv"'
    assert not response.get_data(as_text=True).startswith("\ufeff")  # plain UTF-8 for tools
    with_bom = client.get("/v1/stances/matrix.csv?bom=true").get_data(as_text=True)
    assert with_bom.startswith("\ufeff") and with_bom[1:] == response.get_data(as_text=True)


def test_matrix_filtered_to_one_proposal(client):
    matrix = client.get("/v1/stances/matrix?proposal=coalition of the willing").json
    assert [column["id"] for column in matrix["columns"]] == ["coalition-of-the-willing"]
    assert len(matrix["rows"]) == 4


def test_matrix_rejects_unknown_parameter(client):
    assert_problem(client.get("/v1/stances/matrix?position=opposes"), 400)


def test_briefing_has_everything_in_one_call(client):
    briefing = client.get("/v1/briefing?limit=50&per_proposal=10").json
    assert briefing["counts"] == {
        "sources": 1,
        "actors": 24,
        "proposals": 6,
        "commitments": 3,
        "events": 1,
        "statements": 7,
        "stances": 19,
        "disagreements": 0,  # one article does not disagree with itself
    }
    for name, count in briefing["counts"].items():
        if name not in ("stances", "disagreements"):
            assert len(briefing[name]) == count
    ceasefire = next(p for p in briefing["proposals"] if p["id"] == "macron-30-day-ceasefire")
    assert len(ceasefire["stances"]) == 6
    assert ceasefire["stances"][0]["proposal"]["id"] == "macron-30-day-ceasefire"  # a stance whole
    assert briefing["sources"][0]["text"]


@pytest.mark.parametrize(
    "query",
    ["expand=actor,proposal", "expand=actor&expand=proposal", "expand=actor,proposal&expand=actor"],
)
def test_a_list_parameter_takes_commas_or_repeats(client, query):
    stance = client.get(f"/v1/stances?limit=1&{query}").json["data"][0]
    assert "kind" in stance["actor"] and "status" in stance["proposal"]  # both expanded


@pytest.mark.parametrize("query", ["expand=actor&expand=bogus", "expand=actor,bogus"])
def test_an_unknown_value_in_a_list_parameter_is_a_400_either_way(client, query):
    body = assert_problem(client.get(f"/v1/stances?{query}"), 400)
    assert list(body["errors"]) == ["expand"] and "bogus" in body["errors"]["expand"][0]


def test_the_briefing_shows_the_first_items_of_each_section_with_counts_and_links(client):
    full = client.get("/v1/briefing?limit=50&per_proposal=10").json
    short = client.get("/v1/briefing?limit=2&per_proposal=2").json
    assert (short["limit"], short["per_proposal"]) == (2, 2)
    assert short["counts"] == full["counts"]
    for section in ("sources", "actors", "proposals", "commitments", "events", "statements"):
        assert short[section] == [
            {key: value for key, value in item.items() if key != "stances"}
            | ({"stances": item["stances"][:2]} if "stances" in item else {})
            for item in full[section][:2]
        ]
        assert client.get(short["links"][section]).json["meta"]["total"] == full["counts"][section]
    for proposal in short["proposals"]:
        assert len(proposal["stances"]) <= 2
        stances = client.get(proposal["stances_url"]).json
        assert stances["meta"]["total"] == proposal["stance_count"]


def test_the_briefing_of_a_large_database_costs_what_its_limit_shows(make_app, tmp_path, runner):
    """At 3,000 stances the briefing still shows 20 of each section and 5 stances per
    proposal, however many there are."""
    import flask_migrate

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/large.db")
    with app.app_context():
        flask_migrate.upgrade()
    app.test_cli_runner().invoke(args=["synth", "--stances", "3000"])
    answer = app.test_client().get("/v1/briefing")
    briefing = answer.json
    assert briefing["counts"]["stances"] == 3000
    assert len(briefing["actors"]) == 20 and briefing["counts"]["actors"] == 500
    assert all(len(proposal["stances"]) <= 5 for proposal in briefing["proposals"])
    assert len(answer.get_data()) < 1_000_000


def test_the_matrix_is_a_page_of_actors_at_a_time(client):
    whole = client.get("/v1/stances/matrix?limit=20").json
    rows, cells, path = [], {}, "/v1/stances/matrix?limit=3"
    while path:
        page = client.get(path).json
        assert len(page["rows"]) <= 3 and page["meta"]["total"] == len(whole["rows"])
        rows += page["rows"]
        for row, line in zip(page["rows"], page["cells"], strict=True):
            for column, cell in zip(page["columns"], line, strict=True):
                if cell:
                    cells[row["id"], column["id"]] = cell
        path = page["links"]["next"]
    assert rows == whole["rows"]
    assert cells == {
        (row["id"], column["id"]): cell
        for row, line in zip(whole["rows"], whole["cells"], strict=True)
        for column, cell in zip(whole["columns"], line, strict=True)
        if cell
    }


def test_the_matrix_spreadsheet_holds_every_row_under_one_header(client, monkeypatch):
    from api.resources import spreadsheets

    monkeypatch.setattr(spreadsheets, "STREAMED_PAGE", 4)  # several pages of the seed's actors
    lines = client.get("/v1/stances/matrix.csv").get_data(as_text=True).splitlines()
    whole = client.get("/v1/stances/matrix?limit=20").json
    titles = [c["title"] for c in whole["columns"]]
    parts = ["position", "certainty", "other sources"]
    columns = [f"{title}: {part}" for title in titles for part in parts]
    assert lines[0] == ",".join(f'"{name}"' for name in ["actor", "actor_name", *columns])
    assert [line.split(",")[0].strip('"') for line in lines[1:]] == [
        row["id"] for row in whole["rows"]
    ]
