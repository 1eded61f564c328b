"""Importing the next article: a bundle, through the same validation, all or nothing."""

from pathlib import Path

import pytest
import yaml

from api.loading.files import SEED_DIR
from tests.helpers import edits, snapshot

EXAMPLE = SEED_DIR / "examples" / "example-ruritania.yaml"


def test_import_adds_the_bundle_and_reports_it(client, runner, restore):
    result = runner.invoke(args=["import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Imported example-ruritania.yaml: 7 added, 0 updated, 0 unchanged, 0 left alone."
    )
    stance = client.get("/v1/stances/borduria-conditional-on-air-defence-plan").json
    assert stance["position"] == "conditional"
    assert stance["evidence"][0]["source"] == "example-ruritania"
    assert client.get("/v1/search?q=Strelsau").json["meta"]["total"] >= 1


def test_import_records_each_addition_in_the_change_feed(client, runner, restore):
    runner.invoke(args=["import", str(EXAMPLE)])
    changes = [
        change
        for resource in ("sources", "actors", "proposals", "stances", "commitments")
        for change in edits(client, resource)
    ]
    assert len(changes) == 7
    assert {change["by"] for change in changes} == {"cli:import"}
    assert {change["method"] for change in changes} == {"POST"}


def test_import_twice_changes_nothing_the_second_time(runner, db, restore):
    runner.invoke(args=["import", str(EXAMPLE)])
    before = snapshot()
    result = runner.invoke(args=["import", str(EXAMPLE)])
    assert "0 added, 0 updated, 7 unchanged" in result.output
    db.session.rollback()
    assert snapshot() == before


def test_import_of_an_edited_bundle_reports_updates(runner, tmp_path, restore):
    runner.invoke(args=["import", str(EXAMPLE)])
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["stances"][0]["summary"] = "Changed summary."
    path = write(tmp_path, document)
    result = runner.invoke(args=["import", str(path)])
    assert "0 added, 1 updated, 6 unchanged" in result.output


def write(tmp_path: Path, document: dict) -> Path:
    (tmp_path / "example-ruritania.txt").write_text(
        (EXAMPLE.parent / "example-ruritania.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "bundle.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["stances"][0].update(actor="atlantis"), "unknown actor 'atlantis'"),
        (lambda d: d["commitments"][0]["evidence"][0].update(quote="not there"), "is not in"),
        (lambda d: d["proposals"][0].update(status="maybe"), "status: Must be one of"),
    ],
)
def test_import_is_all_or_nothing(runner, db, tmp_path, change, message):
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(document)
    before = snapshot()
    result = runner.invoke(args=["import", str(write(tmp_path, document))])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    db.session.rollback()
    assert snapshot() == before


def test_a_bundle_that_is_not_yaml_is_refused_with_the_line_and_the_fault(runner, tmp_path):
    """libyaml reads bundles; what it refuses is told in the pure-Python parser's words: the
    line quoted, a caret under the fault, the character named."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("source:\n\tid: broken\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(broken)])
    assert result.exit_code != 0
    assert "found character '\\t' that cannot start any token" in result.output
    assert "line 2, column 1:\n    \tid: broken\n    ^" in result.output
