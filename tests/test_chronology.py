"""When facts were reported: sources dated as precisely as known, their order, each fact's
dates, and lists sorted by them."""

import csv
import io
import random
from datetime import date, timedelta

import flask_migrate
import pytest
from sqlalchemy import select

from api import create_app
from api.extensions import db as database
from api.loading.files import SEED_DIR
from api.loading.synth import synthesize
from api.store import chronology
from api.store.models import Source, Stance, model_of
from api.store.pagination import TotalsByDay
from schemas.collections import names
from schemas.dates import chronological, first_and_last_day, precision
from tests.conftest import close
from tests.helpers import assert_problem, italy_on_the_coalition

SEED = "nato-divisions-ukraine"
FOLLOW_UP = SEED_DIR / "examples" / "follow-up-italy-un-mandate.yaml"


def test_dates_decide_the_order_where_they_can():
    added = [("june", "2025-06-24"), ("march", "2025-03"), ("february", "2025-02-10")]
    assert chronological(added) == [("february", None), ("march", "date"), ("june", "date")]


def test_where_precision_cannot_tell_the_order_added_decides_and_says_so():
    added = [("month", "2025-03"), ("day", "2025-03-04"), ("year", "2024")]
    assert chronological(added) == [
        ("year", None),
        ("month", "date"),
        ("day", "added"),  # 4 March may be before or after "March": added later
    ]
    assert chronological([("dated", "2025-03"), ("undated", None)])[1] == ("undated", "added")
    assert chronological([("undated", None), ("dated", "2025-03")])[1] == ("dated", "added")


def test_an_order_is_found_where_added_order_and_dates_disagree():
    """March (added 2nd), 10 March (added 3rd), 20 March (added 1st): by added order alone
    20 < March < 10 March, but the dates say 10 March < 20 March: dates win."""
    added = [("twentieth", "2025-03-20"), ("march", "2025-03"), ("tenth", "2025-03-10")]
    ordered = [source for source, _ in chronological(added)]
    assert ordered.index("tenth") < ordered.index("twentieth")
    assert sorted(ordered) == sorted(source for source, _ in added)


@pytest.mark.parametrize(
    "partial, expected",
    [("2025", "year"), ("2025-03", "month"), ("2025-03-04", "day"), (None, None)],
)
def test_a_date_says_how_precise_it_is(partial, expected):
    assert precision(partial) == expected
    first, last = first_and_last_day(partial)
    assert first <= last


def source(**fields) -> dict:
    text = fields.pop("text", "Italy could consider a role under a UN mandate, it said.")
    return {"title": "A follow-up", "text": text, **fields}


def test_a_source_takes_a_year_a_month_or_a_day(client, admin, restore):
    for given, precise in (("2025", "year"), ("2025-06", "month"), ("2025-06-24", "day")):
        body = source(published_on=given, text=f"Report dated {given}.")
        created = client.post("/v1/sources", json=body, headers=admin)
        assert created.status_code == 201, created.json
        assert created.json["published_on"] == given
        assert created.json["published_precision"] == precise
        assert created.json["date_known_from"] == "article"  # a date given: the article's


@pytest.mark.parametrize("given", ["2025-02-30", "2025-13", "25-06-24", "June 2025", "2025-6"])
def test_a_date_that_is_no_date_is_422_and_changes_nothing(client, admin, given):
    before = client.get("/v1/sources").json["meta"]["total"]
    response = client.post("/v1/sources", json=source(published_on=given), headers=admin)
    assert_problem(response, 422)
    assert "published_on" in response.json["errors"]
    assert client.get("/v1/sources").json["meta"]["total"] == before


def test_an_origin_without_a_date_is_422(client, admin):
    response = client.post("/v1/sources", json=source(date_known_from="reference"), headers=admin)
    assert_problem(response, 422)
    assert "date_known_from" in response.json["errors"]


def test_every_fact_says_when_it_was_reported(client):
    for collection in ("actors", "proposals", "stances", "commitments", "events", "statements"):
        for item in client.get(f"/v1/{collection}?limit=200").json["data"]:
            assert item["first_reported_on"] == item["reported_on"] == "2025-03", item["id"]


def test_lists_sort_by_when_each_fact_was_reported(client, admin, editor, restore):
    later = client.post("/v1/sources", json=source(published_on="2025-06-24"), headers=admin).json
    stance = italy_on_the_coalition(
        "conditional",
        "Could consider a role under a UN mandate.",
        later["id"],
        "could consider a role under a UN mandate",
    )
    created = client.post("/v1/stances", json=stance, headers=editor)
    assert created.status_code == 201, created.json
    assert created.json["reported_on"] == created.json["first_reported_on"] == "2025-06-24"
    newest = client.get("/v1/stances?sort=-reported_on&limit=1").json["data"]
    assert [item["id"] for item in newest] == [created.json["id"]]
    oldest_first = client.get("/v1/stances?sort=reported_on&limit=200").json["data"]
    assert oldest_first[-1]["id"] == created.json["id"]
    pages, path = [], "/v1/stances?sort=reported_on&limit=7"
    while path:
        page = client.get(path).json
        pages += page["data"]
        path = page["links"]["next"]
    assert pages == oldest_first  # the cursor walks the same order


def test_sources_sort_oldest_first_dates_before_the_order_added(client, admin, restore):
    for title, given in (("Fourth of March", "2025-03-04"), ("February", "2025-02")):
        body = source(title=title, published_on=given, text=f"{title}: a report.")
        assert client.post("/v1/sources", json=body, headers=admin).status_code == 201
    found = client.get("/v1/sources?sort=reported_on").json["data"]
    # February is older than March; 4 March cannot be told from "March": added after it.
    assert [item["published_on"] for item in found] == ["2025-02", "2025-03", "2025-03-04"]
    # Each says what placed it after the one before: the first nothing, then its date, then
    # the order added (also in the CSV a journalist downloads).
    assert [item["ordered_by"] for item in found] == [None, "date", "added"]
    rows = csv.DictReader(io.StringIO(client.get("/v1/sources.csv?sort=reported_on").text))
    assert [row["ordered_by"] for row in rows] == ["", "date", "added"]
    latest = client.get("/v1/sources?sort=-reported_on").json["data"]
    assert [item["id"] for item in latest] == [item["id"] for item in reversed(found)]


@pytest.mark.parametrize(
    "had, given",
    [
        ([None, None], [1024, 2048]),  # the first sources: ORDER_GAP apart
        ([1024, 2048, None], [1024, 2048, 3072]),  # the newest: after the last
        ([None, 1024, 2048], [512, 1024, 2048]),  # an older one: below the first
        ([1024, None, None, 2048], [1024, 1365, 1706, 2048]),  # between two, evenly
        ([1024, 3072, 2048], [1024, 1536, 2048]),  # one dated anew: between its new neighbours
        ([1, None, 2], [1024, 2048, 3072]),  # no room between: every one afresh
        ([2**31 - 1000, None], [1024, 2048]),  # past PostgreSQL's integer: afresh
    ],
)
def test_sources_keep_their_numbers_where_they_still_fit(had, given):
    assert chronology.numbers_in_order(had) == given


def test_a_source_dated_among_the_others_moves_none_of_them(app, client, admin, restore):
    """A source placed before the others takes a number below theirs and theirs stay, so the
    facts of the sources after it keep their places: numbering 1, 2, 3… moved every later
    fact (minutes at a million stances)."""

    def numbers(model) -> dict:
        with app.app_context():
            return dict(database.session.execute(select(model.id, model.reported_order)).all())

    later = client.post("/v1/sources", json=source(published_on="2025-06-24"), headers=admin).json
    sources, stances = numbers(Source), numbers(Stance)
    body = source(title="February", published_on="2025-02", text="February: a report.")
    earlier = client.post("/v1/sources", json=body, headers=admin).json
    now = numbers(Source)
    assert {source_id: now[source_id] for source_id in sources} == sources
    assert 0 < now[earlier["id"]] < min(sources.values())
    assert numbers(Stance) == stances
    found = client.get("/v1/sources?sort=reported_on").json["data"]
    assert [item["id"] for item in found] == [earlier["id"], SEED, later["id"]]


def test_dating_a_source_dates_its_facts(client, admin, restore):
    path = f"/v1/sources/{SEED}"
    response = client.patch(
        path, json={"published_on": "2025-03-04"}, headers={**admin, "If-Match": "*"}
    )
    assert response.status_code == 200, response.json
    assert response.json["date_known_from"] == "reference"  # as it was: only the day changed
    stance = client.get("/v1/stances/italy-opposes-coalition").json
    assert stance["reported_on"] == "2025-03-04"


def test_a_synthetic_briefing_is_ordered_like_any_other(tmp_path):
    """Synthetic articles are dated one a day: each stance is placed and the latest of each
    actor's on each proposal is current, as a loaded briefing's are."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/synth.db"})
    with app.app_context():
        flask_migrate.upgrade()
        synthesize(2000)
        stances = database.session.execute(
            select(Stance.actor_id, Stance.proposal_id, Stance.reported_order, Stance.current)
        ).all()
        assert all(stance.reported_order for stance in stances)
        latest = {}
        for stance in stances:
            pair = (stance.actor_id, stance.proposal_id)
            latest[pair] = max(latest.get(pair, 0), stance.reported_order)
        assert {
            (stance.actor_id, stance.proposal_id) for stance in stances if stance.current
        } == set(latest)
        assert all(
            stance.reported_order == latest[(stance.actor_id, stance.proposal_id)]
            for stance in stances
            if stance.current
        )
        database.session.remove()
    close(app)


def test_what_an_undated_source_backs_counts_as_of_any_day(client, admin, editor, restore):
    source = {"id": "undated", "title": "Undated", "text": "Italy could consider it."}
    assert client.post("/v1/sources", json=source, headers=admin).status_code == 201
    stance = italy_on_the_coalition(
        "conditional", "Could consider it.", "undated", "Italy could consider it."
    )
    created = client.post("/v1/stances", json=stance, headers=editor)
    assert created.status_code == 201, created.json
    assert created.json["reported_on"] is None
    then = client.get("/v1/stances?as_of=2000-01-01").json
    assert [item["id"] for item in then["data"]] == [created.json["id"]]  # not the seed's
    sources = client.get("/v1/sources?as_of=2000").json
    assert [item["id"] for item in sources["data"]] == ["undated"]
    assert then["meta"]["total"] == sources["meta"]["total"] == 1


@pytest.fixture(scope="module")
def twenty_days(tmp_path_factory):
    """An app on a synthetic briefing of 2,000 stances from 20 articles dated a day apart."""
    path = tmp_path_factory.mktemp("synth") / "synth.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade()
        synthesize(2000, actors=20, proposals=10)
        database.session.remove()
    yield app
    close(app)


def test_a_total_as_of_any_day_is_what_counting_that_day_alone_gives(twenty_days):
    """Totals as of days asked one after another (as a date slider asks) are counted from the
    days asked before: each equals what a process that remembered nothing counts, for a plain
    list, a filtered one, one filtered by text, and the sources, whose undated are null."""
    app = twenty_days
    client = app.test_client()
    first = client.get("/v1/sources?sort=reported_on&limit=1").json["data"][0]["published_on"]
    start = date.fromisoformat(first)
    days = [(start + timedelta(days=n)).isoformat() for n in range(-2, 23)]
    days += [start.isoformat()[:7], str(start.year), str(start.year - 1)]
    random.Random(4).shuffle(days)
    lists = ["/v1/stances?", "/v1/stances?actor=actor-00003&position=opposes,conditional&"]
    lists += ["/v1/stances?q=proposal&", "/v1/stances?q=conditional&", "/v1/sources?"]
    for path in lists:
        slid = [client.get(f"{path}as_of={day}&limit=1").json["meta"]["total"] for day in days]
        alone = []
        for day in days:  # another limit: a URL not answered from the response cache
            app.extensions["totals"].entries.clear()
            alone.append(client.get(f"{path}as_of={day}&limit=2").json["meta"]["total"])
        assert slid == alone, path
        assert len(set(alone)) > 5, path  # the days tell the totals apart
    everything = client.get(f"/v1/stances?as_of={start.year}&limit=1").json["meta"]["total"]
    assert everything == 2000


@pytest.mark.parametrize("sort", ["id", "-id"])
def test_a_spreadsheet_as_of_a_day_holds_that_days_list_in_its_order(twenty_days, sort):
    """The ids of an export as of a day are read by date (SQLite would walk every row in id
    order) and still come in the list's order."""
    client = twenty_days.test_client()
    first = client.get("/v1/sources?sort=reported_on&limit=1").json["data"][0]["published_on"]
    day = (date.fromisoformat(first) + timedelta(days=4)).isoformat()
    listed, url = [], f"/v1/stances?as_of={day}&sort={sort}&limit=200"
    while url:
        page = client.get(url).json
        listed += [item["id"] for item in page["data"]]
        url = page["links"]["next"]
    exported = client.get(f"/v1/stances.csv?as_of={day}&sort={sort}").text
    assert [row[0] for row in csv.reader(io.StringIO(exported))][1:] == listed
    assert len(listed) == page["meta"]["total"] == 500


def test_a_day_is_counted_from_its_nearest_neighbour_asked_before():
    """`TotalsByDay` counts the rows between a new day and the nearest day it knows, never
    more than counting it whole; undated rows (null or '') count on every day."""
    rows = [None, "", "", "2025", *[f"2025-03-{day:02d}" for day in range(1, 29)] * 3]
    counted = []

    def count_between(after, until):
        counted.append((after, until))
        return sum(
            1
            for row in rows
            if (row is None and after is None)
            or (row is not None and (after is None or row > after) and row <= until)
        )

    totals = TotalsByDay()
    for day in ["2025-03-10", "2025-03-20", "2025-03-15", "2025-03-01", "2025-02-28"]:
        alone = count_between(None, day)
        counted.clear()
        assert totals.total(day, count_between) == alone
        if day == "2025-03-15":
            assert counted == [("2025-03-10", "2025-03-15")]
        if day == "2025-03-01":
            assert counted == [("2025-03-01", "2025-03-10")]
    counted.clear()
    assert totals.total("2025-03-20", count_between) == 4 + 20 * 3
    assert counted == []  # a day asked before is not counted again


def places() -> dict[str, set]:
    """Every source's place, and every fact's place, dates and (stances) current and disputed."""
    found = {"sources": set(database.session.execute(select(*PLACED[Source])).all())}
    for collection in names("facts"):
        model = model_of(collection)
        columns = [model.id, model.reported_order, model.reported_from, model.reported_to]
        columns += PLACED.get(model, [])
        found[collection] = set(database.session.execute(select(*columns)).all())
    return found


def assert_placed_as_placing_everything_would(app) -> None:
    """The places a write left are those placing every source and fact gives."""
    with app.app_context():
        kept_up = places()
        chronology.keep_up(everything=True)
        database.session.flush()
        assert places() == kept_up
        database.session.rollback()


PLACED = {
    Source: [Source.id, Source.reported_order, Source.ordered_by],
    Stance: [Stance.current, Stance.disputed],
}


def test_a_write_places_what_it_moved_as_placing_everything_would(
    app, client, runner, admin, restore, monkeypatch
):
    """An article imported or retired, or a source dated, places the facts of the sources that
    moved and of what it wrote or took spans from (at a million stances, placing every fact
    took minutes): the same places as placing every fact gives."""
    placed_all = []
    place_facts = chronology.place_facts

    def watched(model, ids=None, sources=frozenset()):
        if ids is None:
            placed_all.append(model.collection)
        place_facts(model, ids, sources)

    def as_placing_everything_would():
        assert placed_all == []  # the write placed what it had to, by name
        assert_placed_as_placing_everything_would(app)
        placed_all.clear()

    monkeypatch.setattr(chronology, "place_facts", watched)
    # The newest article imported, then retired: the others keep their places; the facts it
    # restated have theirs back.
    for command in (["import", str(FOLLOW_UP)], ["retire", "follow-up-italy-un-mandate"]):
        done = runner.invoke(args=command)
        assert done.exit_code == 0, done.output
        as_placing_everything_would()
    # Imported again, then the seed's article dated after it: the two swap places.
    done = runner.invoke(args=["import", str(FOLLOW_UP)])
    assert done.exit_code == 0, done.output
    response = client.patch(
        f"/v1/sources/{SEED}",
        json={"published_on": "2025-05-01"},
        headers={**admin, "If-Match": "*"},
    )
    assert response.status_code == 200, response.json
    assert client.get("/v1/stances/italy-opposes-coalition").json["reported_on"] == "2025-05-01"
    as_placing_everything_would()


def test_a_change_of_words_leaves_the_facts_where_they_stand(
    app, client, runner, editor, restore, monkeypatch
):
    """A PATCH of a stance's condition places nothing and chooses no current stance (three
    statements of every such PATCH); one of its position does both, and its pair's current
    stance and disputes come out as placing everything gives."""
    done = runner.invoke(args=["import", str(FOLLOW_UP)])
    assert done.exit_code == 0, done.output
    kept_up = []
    for name in ("place_facts", "choose_current"):
        monkeypatch.setattr(chronology, name, watched(getattr(chronology, name), name, kept_up))
    later = "/v1/stances/italy-conditional-on-coalition"

    def patched(change: dict) -> list[str]:
        """What the PATCH placed and chose, once checked against placing everything."""
        etag = client.get(later).headers["ETag"]
        response = client.patch(later, json=change, headers={**editor, "If-Match": etag})
        assert response.status_code == 200, response.json
        made = [name for name, _ in kept_up]
        assert_placed_as_placing_everything_would(app)
        kept_up.clear()
        return made

    assert patched({"condition": "Under a UN mandate."}) == []
    assert client.get(later).json["condition"] == "Under a UN mandate."
    disputes = client.get("/v1/disagreements").json["meta"]["total"]
    # Its position as the earlier stance's: no longer a disagreement.
    assert patched({"position": "opposes"}) == ["place_facts", "choose_current"]
    assert client.get("/v1/disagreements").json["meta"]["total"] == disputes - 1


def watched(function, name: str, calls: list):
    """`function`, noting each call in `calls` as (name, its arguments)."""

    def recorded(*args, **kwargs):
        calls.append((name, args))
        return function(*args, **kwargs)

    return recorded
