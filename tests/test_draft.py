"""`flask draft`: a bundle drafted from an article's text, every span verbatim at its offset,
every guess marked; on the example follow-up it passes `--check` as drafted, and after an
editor's few edits it says what the hand-written bundle says."""

import re

import yaml

from api.loading.files import SEED_DIR

SEED_TEXT = SEED_DIR / "nato-divisions-ukraine.txt"
FOLLOW_UP_TEXT = SEED_DIR / "examples" / "follow-up-italy-un-mandate.txt"


def drafted(runner, tmp_path, article, name="draft.yaml") -> tuple[str, dict]:
    output = tmp_path / name
    result = runner.invoke(args=["draft", str(article), "--output", str(output)])
    assert result.exit_code == 0, result.output
    written = output.read_text(encoding="utf-8")
    return written, yaml.safe_load(written)


def spans_of(document: dict) -> list[dict]:
    sections = [value for key, value in document.items() if key != "source"]
    sections += list(document.get("restated", {}).values())
    return [
        span
        for section in sections
        if isinstance(section, list)
        for item in section
        for span in item.get("evidence", [])
    ]


def test_the_seed_draft_finds_the_actors_the_article_names_and_every_quoted_passage(
    runner, tmp_path
):
    _, draft = drafted(runner, tmp_path, SEED_TEXT)
    seed = yaml.safe_load((SEED_DIR / "nato-divisions-ukraine.yaml").read_text("utf-8"))
    named = {
        actor["id"]
        for actor in seed["actors"]
        if actor.get("known_from", "article") == "article"
        # The one the article names by no name of ours: "European leaders" gathered there.
        and actor["id"] != "lancaster-house-leaders"
    }
    assert named <= {actor["id"] for actor in draft["restated"]["actors"]}
    text = SEED_TEXT.read_text(encoding="utf-8")
    passages = re.findall(r"“([^”]+)”", text)
    quoted = [statement["quote"] for statement in draft["statements"] if statement["quote"]]
    assert len(passages) == 3
    for passage in passages:
        assert any(passage.rstrip(",.") == quote.rstrip(",.") for quote in quoted), passage
    # Figures: the UK's two it knows are restated; Macron's 3-3.5% is a range.
    assert [item["id"] for item in draft["restated"]["commitments"]] == [
        "united-kingdom-spending-plan-2-5-pct",
        "united-kingdom-spending-ambition-3-pct",
    ]
    (ranged,) = draft["commitments"]
    assert (ranged["value_min"], ranged["value_max"]) == (3, 3.5)


def test_every_span_is_the_articles_own_words_at_its_offset(runner, tmp_path):
    for article in (SEED_TEXT, FOLLOW_UP_TEXT):
        text = article.read_text(encoding="utf-8")
        written, draft = drafted(runner, tmp_path, article, f"{article.stem}.yaml")
        spans = spans_of(draft)
        assert spans
        for span in spans:
            assert text[span["start"] : span["start"] + len(span["quote"])] == span["quote"]
        assert "# guess" in written
        # Deterministic: the same article, the same draft.
        again, _ = drafted(runner, tmp_path, article, f"{article.stem}-again.yaml")
        assert again == written


def test_the_follow_up_draft_passes_check_and_an_editors_few_edits_make_the_briefing(
    client, runner, tmp_path, restore
):
    written, draft = drafted(runner, tmp_path, FOLLOW_UP_TEXT)
    path = tmp_path / "draft.yaml"
    check = runner.invoke(args=["import", "--check", str(path)])
    assert check.exit_code == 0, check.output
    assert draft["source"]["published_on"] == "2025-04-14"
    assert [actor["id"] for actor in draft["actors"]] == ["spain", "germany"]  # new to us
    assert draft["events"][0]["date"] == "--06-24" and draft["events"][0]["name"] == "NATO summit"
    # The editor's edits, all of them:
    commitments = {item["id"]: item for item in draft["commitments"]}
    # 1. Spain refuses 5%: a statement (drafted), not a commitment.
    del commitments["spain-defense-5-pct"]
    # 2. The figures are targets proposed, not plans announced.
    for item in commitments.values():
        item["kind"] = "proposed_target"
    draft["commitments"] = list(commitments.values())
    # 3. Italy's softening is a stance on the coalition: the sentence the draft gave Italy.
    (italy_says,) = [item for item in draft["statements"] if item["id"] == "italy-says"]
    draft["stances"] = [
        {
            "id": "italy-conditional-on-coalition",
            "actor": "italy",
            "proposal": "coalition-of-the-willing",
            "position": "conditional",
            "certainty": "stated",
            "condition": "Under a United Nations mandate.",
            "summary": "Could consider a role under a United Nations mandate.",
            "basis": "reported",
            "asserted_by": "italy",
            "evidence": italy_says["evidence"],
        }
    ]
    # 4. The quote is a spokesperson's for Italy's government.
    (quote,) = [item for item in draft["statements"] if item["id"] == "article-quote"]
    quote.update(speaker="italy", basis="quoted", asserted_by="italy")
    path.write_text(yaml.safe_dump(draft, allow_unicode=True, sort_keys=False), "utf-8")
    check = runner.invoke(args=["import", "--check", str(path)])
    assert check.exit_code == 0, check.output
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    cell = client.get("/v1/stances/matrix?actor=IT").json["cells"][0][0]
    assert cell["stance"] == "/v1/stances/italy-conditional-on-coalition"
    summit = client.get("/v1/events/nato-summit").json
    assert summit["status"] == "upcoming"
    uk = client.get("/v1/commitments/united-kingdom-spending-plan-2-5-pct").json
    assert [span["source"] for span in uk["evidence"]] == [
        "nato-divisions-ukraine",
        "follow-up-italy-un-mandate",
    ]


def test_a_draft_does_not_write_over_a_file(runner, tmp_path):
    output = tmp_path / "draft.yaml"
    output.write_text("mine", encoding="utf-8")
    result = runner.invoke(args=["draft", str(FOLLOW_UP_TEXT), "--output", str(output)])
    assert result.exit_code == 1 and "--force" in result.output
    assert output.read_text(encoding="utf-8") == "mine"
