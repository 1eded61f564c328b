"""The table of collections (schemas/collections.py) is all a new collection needs: listed,
created, searched, exported, imported, indexed, documented and in the change feed."""

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

# One worker runs them all: the fixture they share starts a service of its own (3 s), once.
pytestmark = pytest.mark.xdist_group("registry")


@pytest.fixture(scope="module")
def answers() -> dict:
    """What the service answers with a collection added to its table (tests/new_collection.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.new_collection"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_new_collection_takes_writes(answers):
    status, location = answers["created"]
    assert status == 201
    assert location.startswith("/v1/notes/")


def test_a_new_collection_is_listed_and_its_items_served(answers):
    assert len(answers["listed"]) == 2
    assert answers["item"] == "The parliament debated its contribution."
    assert answers["index"]["url"] == "/v1/notes"


def test_a_new_collection_is_a_section_of_a_bundle(answers):
    assert "/v1/notes/parliament-debated" in answers["imported"]
    assert answers["from_the_bundle"] == 1


def test_a_new_collection_is_searched_and_exported(answers):
    assert answers["search"] == ["parliament-debated"]
    assert answers["spreadsheet"].startswith('"id","text","basis","asserted_by","asserted_by_name"')


def test_a_new_collection_is_documented_and_in_the_feed(answers):
    assert answers["paths"] == [
        "/v1/notes",
        "/v1/notes.csv",
        "/v1/notes.sparse",
        "/v1/notes.xlsx",
        "/v1/notes/{note_id}",
    ]
    assert answers["schema"]
    assert answers["feed"] == 2
