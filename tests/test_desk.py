"""The editor's desk: a bundle checked without writing, every problem at once with its line,
quotes forgiven their typography but stored as the source has them."""

import re

import pytest
import yaml

from api.loading.files import SEED_DIR
from tests.helpers import assert_problem, snapshot

FOLLOW_UP = SEED_DIR / "examples" / "follow-up-italy-un-mandate.yaml"
SOURCE = "follow-up-italy-un-mandate"


def follow_up_beside(tmp_path, change=None):
    """The example follow-up, changed by `change`, written beside its article."""
    document = yaml.safe_load(FOLLOW_UP.read_text(encoding="utf-8"))
    if change:
        change(document)
    text = FOLLOW_UP.with_suffix(".txt").read_text(encoding="utf-8")
    (tmp_path / FOLLOW_UP.with_suffix(".txt").name).write_text(text, encoding="utf-8")
    path = tmp_path / FOLLOW_UP.name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def spans(document):
    """Every evidence span of the bundle's own facts, in file order."""
    return [
        span
        for section, entries in document.items()
        if isinstance(entries, list)
        for entry in entries
        for span in entry.get("evidence", [])
    ]


def test_check_says_what_an_import_would_do_and_writes_nothing(client, runner, db):
    before = snapshot()
    result = runner.invoke(args=["import", "--check", str(FOLLOW_UP)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Checked (nothing written); importing would give")
    assert "8 added, 0 updated, 3 restated" in result.output
    db.session.rollback()
    assert snapshot() == before
    assert client.get(f"/v1/sources/{SOURCE}").status_code == 404


def test_ten_bad_spans_are_ten_problems_in_one_run_each_with_its_line(runner, db, tmp_path):
    (tmp_path / "ten.txt").write_text("Ten countries met in Brussels.", encoding="utf-8")
    document = {
        "source": {"id": "ten", "title": "Ten", "text_file": "ten.txt"},
        "actors": [
            {
                "id": f"country-{number}",
                "name": f"Country {number}",
                "kind": "country",
                "evidence": [{"quote": f"Country {number} met in Brussels"}],
            }
            for number in range(10)
        ],
    }
    path = tmp_path / "ten.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    before = snapshot()
    for args in (["import", "--check", str(path)], ["import", str(path)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "10 problems:" in result.output
        problems = [line for line in result.output.splitlines() if "evidence.0.quote" in line]
        assert len(problems) == 10
        for number, problem in enumerate(problems):
            # file:line: actors[N] (id …): evidence.0.quote: … the closest passage …
            where = rf"{re.escape(str(path))}:(\d+): actors\[{number}\] \(id country-{number}\): "
            match = re.match(where, problem)
            assert match, problem
            assert "the closest passage" in problem
            assert f"Country {number} met in Brussels" in lines[int(match[1]) - 1]
        db.session.rollback()
        assert snapshot() == before


def test_problems_of_several_kinds_are_reported_together(runner, tmp_path):
    def spoil(document):
        document["stances"][0]["position"] = "maybe"
        document["commitments"][0]["actor"] = "atlantis"
        document["actors"][0]["evidence"][0]["quote"] = "not in the article at all"

    result = runner.invoke(args=["import", "--check", str(follow_up_beside(tmp_path, spoil))])
    assert result.exit_code == 1
    assert "position: Must be one of" in result.output
    assert "actor: unknown actor 'atlantis'" in result.output
    assert "evidence.0.quote" in result.output


def test_straight_quotes_import_and_are_stored_as_the_article_has_them(
    client, runner, tmp_path, restore
):
    # The article writes "Ukraine’s" with a curly apostrophe; the editor types "'".
    document = {
        "source": {"id": "later", "title": "Later", "text_file": "later.txt"},
        "restated": {"actors": [{"id": "ukraine", "evidence": [{"quote": "Ukraine's"}]}]},
    }
    (tmp_path / "later.txt").write_text("Ukraine’s allies met again.", encoding="utf-8")
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    later = client.get("/v1/actors/ukraine").json["evidence"][-1]
    assert (later["quote"], later["source"], later["start"]) == ("Ukraine’s", "later", 0)


def test_a_write_forgives_typography_and_stores_the_sources_characters(client, editor, restore):
    stance = client.get("/v1/stances?limit=1").json["data"][0]
    typed = "Zelensky's  remarks"  # the article: "Zelensky’s remarks"
    text = client.get("/v1/sources/nato-divisions-ukraine").json["text"]
    response = client.patch(
        stance["url"],
        json={"add_evidence": [{"source": "nato-divisions-ukraine", "quote": typed}]},
        headers={**editor, "If-Match": "*"},
    )
    assert response.status_code == 200, response.json
    stored = response.json["evidence"][-1]
    assert "’" in stored["quote"] and "'" not in stored["quote"]
    assert text[stored["start"] : stored["end"]] == stored["quote"]


def test_a_quote_still_not_found_shows_the_closest_passage(client, editor, restore):
    stance = client.get("/v1/stances?limit=1").json["data"][0]
    # The article says "defense spending to 2.5%"; the editor typed the British spelling.
    typed = "boost its defence spending to 2.5% of GDP"
    response = client.patch(
        stance["url"],
        json={"add_evidence": [{"source": "nato-divisions-ukraine", "quote": typed}]},
        headers={**editor, "If-Match": "*"},
    )
    problem = assert_problem(response, 422)
    (message,) = [m for key, [m] in problem["errors"].items() if key.startswith("evidence.")]
    assert "the closest passage" in message and "'boost its defense spending to 2.5% of GDP'" in (
        message
    )
    assert "differ at character 16 of the quote: the quote has 'c' where the source has 's'" in (
        message
    )


SEED = "nato-divisions-ukraine"
QUOTE = "others, like Italy, have outright rejected the idea"
# Each rule, broken: (the field it is reported on, what breaks it).
BROKEN = {
    "a figure its quote lacks": ("summary", {"summary": "Italy rejects sending 7,000 troops."}),
    "an actor its quote lacks": ("summary", {"summary": "Italy, like Hungary, rejects it."}),
    "a reference that resolves to nothing": ("actor", {"actor": "atlantis"}),
    "a quote not in its source": (
        "evidence.0.quote",
        {"evidence": [{"source": SEED, "quote": "Italy has rejected the idea outright"}]},
    ),
}


def italian_stance(**changed) -> dict:
    return {
        "actor": "italy",
        "proposal": "coalition-of-the-willing",
        "position": "opposes",
        "certainty": "stated",
        "summary": "Has outright rejected the idea.",
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [{"source": SEED, "quote": QUOTE}],
        **changed,
    }


def import_message(runner, tmp_path, field: str, stance: dict) -> str:
    (tmp_path / "desk.txt").write_text("A note on Italy.", encoding="utf-8")
    document = {
        "source": {"id": "desk", "title": "Desk", "text_file": "desk.txt"},
        "stances": [{"id": "italy-rejects-again", **stance}],
    }
    path = tmp_path / "desk.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["import", "--check", str(path)])
    assert result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if "(id italy-rejects-again)" in line]
    return line.split(f"(id italy-rejects-again): {field}: ", 1)[1]


@pytest.mark.parametrize("rule", BROKEN)
def test_each_rule_is_the_same_for_import_post_and_patch(
    client, runner, editor, tmp_path, rule, restore
):
    field, change = BROKEN[rule]
    by_import = import_message(runner, tmp_path, field, italian_stance(**change))
    posted = assert_problem(
        client.post("/v1/stances", json=italian_stance(**change), headers=editor), 422
    )
    patched = assert_problem(
        client.patch(
            "/v1/stances/italy-opposes-coalition", json=change, headers={**editor, "If-Match": "*"}
        ),
        422,
    )
    assert posted["errors"] == patched["errors"] == {field: [by_import]}
    assert client.get("/v1/stances/italy-opposes-coalition").json["summary"] == (
        "Has outright rejected the idea of contributing troops."
    )


def test_a_second_source_with_the_same_text_is_a_409_naming_the_first(
    client, admin, runner, tmp_path, db
):
    text = client.get(f"/v1/sources/{SEED}").json["text"]
    before = snapshot()
    body = {"id": "again", "title": "The same article again", "text": text}
    problem = assert_problem(client.post("/v1/sources", json=body, headers=admin), 409)
    assert f"already source '{SEED}' (/v1/sources/{SEED})" in problem["detail"]
    (tmp_path / "again.txt").write_text(text, encoding="utf-8")
    document = {"source": {"id": "again", "title": "Again", "text_file": "again.txt"}}
    (tmp_path / "again.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    result = runner.invoke(args=["import", str(tmp_path / "again.yaml")])
    assert result.exit_code == 1
    assert f"source (id again): text: This text is already source '{SEED}'" in result.output
    db.session.rollback()
    assert snapshot() == before


def test_the_follow_up_has_a_security_investment_figure_and_an_upcoming_summit(
    client, runner, restore
):
    assert runner.invoke(args=["import", str(FOLLOW_UP)]).exit_code == 0
    figures = client.get("/v1/commitments?metric=security_investment_pct_gdp").json["data"]
    assert [(c["actor"]["id"], c["value_min"], c["currency"]) for c in figures] == [
        ("mark-rutte", 1.5, None)
    ]
    summit = client.get("/v1/events/nato-summit-june").json
    assert (summit["date"], summit["date_precision"], summit["status"]) == (
        "--06-24",
        "day_without_year",
        "upcoming",  # "are due to meet", as of 14 April 2025: no status was given
    )
    upcoming = client.get("/v1/events?status=upcoming").json["data"]
    assert [event["id"] for event in upcoming] == ["nato-summit-june"]


def commitment(**changed) -> dict:
    return {
        "actor": "united-kingdom",
        "metric": "defense_spending_amount",
        "currency": "GBP",
        "value_min": 2.5,
        "value_max": 2.5,
        "kind": "announced_plan",
        "summary": "Plans to boost its defence spending to 2.5% of GDP.",
        "basis": "reported",
        "asserted_by": "united-kingdom",
        "evidence": [
            {
                "source": SEED,
                "quote": "The UK has already announced plans to boost its defense spending to "
                "2.5% of GDP",
            }
        ],
        **changed,
    }


def test_an_amount_takes_a_currency_and_a_share_takes_none(client, editor, restore):
    created = client.post("/v1/commitments", json=commitment(), headers=editor)
    assert created.status_code == 201, created.json
    assert (created.json["metric"], created.json["currency"]) == ("defense_spending_amount", "GBP")
    without = commitment(currency=None)
    problem = assert_problem(client.post("/v1/commitments", json=without, headers=editor), 422)
    assert problem["errors"] == {
        "currency": ["An amount (defense_spending_amount) needs its currency, e.g. EUR or USD."]
    }
    share = commitment(metric="security_investment_pct_gdp")
    problem = assert_problem(client.post("/v1/commitments", json=share, headers=editor), 422)
    assert list(problem["errors"]) == ["currency"]
    too_much = commitment(metric="defense_spending_pct_gdp", currency=None, value_max=250)
    problem = assert_problem(client.post("/v1/commitments", json=too_much, headers=editor), 422)
    assert list(problem["errors"]) == ["value_max"]
    # A PATCH that changes the metric alone is checked against the figures it keeps.
    headers = {**editor, "If-Match": "*"}
    patched = client.patch(
        created.json["url"], json={"metric": "defense_spending_pct_gdp"}, headers=headers
    )
    assert list(assert_problem(patched, 422)["errors"]) == ["currency"]


def event(**changed) -> dict:
    return {
        "name": "Security summit at Lancaster House",
        "kind": "summit",
        "basis": "article",
        "evidence": [
            {"source": SEED, "quote": "a high-profile security summit at Lancaster House"}
        ],
        **changed,
    }


@pytest.mark.parametrize("given", ["2025", "2025-03", "2025-03-02", "--03-02", "--02-29"])
def test_an_event_is_dated_as_the_article_dates_it(client, editor, restore, given):
    created = client.post("/v1/events", json=event(date=given), headers=editor)
    assert created.status_code == 201, created.json
    assert created.json["date"] == given and created.json["status"] is None


@pytest.mark.parametrize("given", ["--02-30", "--13-01", "2025-02-30", "24 June", "-06-24"])
def test_an_event_date_that_is_no_date_is_a_422(client, editor, given):
    problem = assert_problem(client.post("/v1/events", json=event(date=given), headers=editor), 422)
    assert list(problem["errors"]) == ["date"]


def test_a_status_given_is_kept_and_one_left_out_is_inferred_only_from_the_quotes(
    client, editor, restore
):
    held = client.post("/v1/events", json=event(status="held"), headers=editor)
    assert held.json["status"] == "held"
    unsaid = client.post("/v1/events", json=event(name="Another summit"), headers=editor)
    assert unsaid.json["status"] is None  # the quote does not say it is due
    problem = assert_problem(
        client.post("/v1/events", json=event(status="postponed"), headers=editor), 422
    )
    assert "status" in problem["errors"]


def test_events_sort_by_their_dates_undated_last(client, editor, restore):
    for name, on in [("Later", "2025-06-24"), ("Yearless", "--03-02"), ("Month", "2025-03")]:
        body = event(name=f"{name} summit", date=on)
        assert client.post("/v1/events", json=body, headers=editor).status_code == 201
    order = [item["date"] for item in client.get("/v1/events?sort=date&limit=200").json["data"]]
    dated = [on for on in order if on]
    assert dated == ["2025-03", "2025-06-24", "--03-02"] and order[-1] is None
    newest = client.get("/v1/events?sort=-date&limit=2").json
    assert [item["date"] for item in newest["data"]][0] is None  # descending: undated first
    walked, path = [], "/v1/events?sort=date&limit=2"
    while path:  # the cursor walks the same order
        page = client.get(path).json
        walked += [item["date"] for item in page["data"]]
        path = page["links"]["next"]
    assert walked == order


def test_facts_filter_by_the_paragraph_of_their_evidence(client, runner, restore):
    assert runner.invoke(args=["import", str(FOLLOW_UP)]).exit_code == 0
    # One span is in that source's paragraph: Italy's new stance is in the follow-up's third
    # paragraph; none of its spans is in the seed article's.
    both = client.get(f"/v1/stances?source={SOURCE}&paragraph=3").json["data"]
    assert [stance["id"] for stance in both] == ["italy-conditional-on-coalition"]
    seed_second = client.get(f"/v1/stances?source={SEED}&paragraph=2&limit=200").json["data"]
    ids = [stance["id"] for stance in seed_second]
    assert "italy-opposes-coalition" in ids and "italy-conditional-on-coalition" not in ids
    assert all(
        any(span["paragraph"] == 2 and span["source"] == SEED for span in stance["evidence"])
        for stance in seed_second
    )
    problem = assert_problem(client.get("/v1/stances?paragraph=3"), 400)
    assert problem["errors"] == {"paragraph": ["A paragraph is one source's: give `source=` too."]}
    assert_problem(client.get(f"/v1/stances?source={SEED}&paragraph=zero"), 400)


def test_the_feed_takes_its_own_at_pasted_raw_and_plain_dates(client, runner, restore):
    assert runner.invoke(args=["import", str(FOLLOW_UP)]).exit_code == 0
    newest = client.get("/v1/changes?sort=-id&limit=1").json["data"][0]
    at = newest["at"]
    assert "+" in at  # e.g. 2026-12-07T01:00:00.123456+00:00
    for written in (at, at.replace("+", "%2B"), at.replace("+00:00", "Z")):
        found = client.get(f"/v1/changes?since={written}&limit=200")
        assert found.status_code == 200, found.json
        assert newest["id"] in [change["id"] for change in found.json["data"]]
    today = at[:10]
    assert client.get(f"/v1/changes?since={today}").json["meta"]["total"] >= 1
    assert client.get("/v1/changes?since=2999-01-01").json["meta"]["total"] == 0
    assert client.get(f"/v1/changes?since={at[:19]}").status_code == 200  # no offset: UTC
    assert_problem(client.get("/v1/changes?since=yesterday"), 400)


def test_an_editors_note_in_square_brackets_is_not_checked_against_the_quotes(
    client, editor, restore
):
    path = "/v1/stances/italy-opposes-coalition"
    headers = {**editor, "If-Match": "*"}
    noted = {"summary": "Has outright rejected the idea. [Checked on 7 December 2026.]"}
    assert client.patch(path, json=noted, headers=headers).status_code == 200
    claimed = {"summary": "Has outright rejected the idea of 7 brigades."}
    assert assert_problem(client.patch(path, json=claimed, headers=headers), 422)["errors"] == {
        "summary": [
            "names 7, which its evidence does not: quote the span that says so, or leave it out."
        ]
    }
