"""CLI commands a newcomer and CI run."""

import yaml


def test_seed_reports_counts(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert result.output.strip() == (
        "Seeded: 1 sources, 19 actors, 6 proposals, 1 events, 16 stances, 3 commitments, "
        "6 statements"
    )


def test_seed_refuses_a_file_that_is_not_a_bundle(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    result = runner.invoke(args=["seed", str(path)])
    assert result.exit_code == 1
    assert "must be a mapping with a 'source'" in result.output


def test_openapi_write_generates_the_spec(runner, tmp_path):
    target = tmp_path / "spec.yaml"
    result = runner.invoke(args=["openapi", "write", "--format=yaml", str(target)])
    assert result.exit_code == 0
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["openapi"] == "3.1.0"
