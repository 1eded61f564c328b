"""CLI commands a newcomer and CI run."""

import pytest
import yaml
from sqlalchemy import text

from api.extensions import db as database
from api.store.commits import write_transaction
from api.store.database import STATEMENT_TIMEOUT


def test_seed_on_a_seeded_database_reports_what_it_left_alone(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0
    assert result.output.strip() == (
        "Seeded nato-divisions-ukraine.yaml: 0 added, 0 updated, 0 unchanged, 61 left alone.\n"
        "  left alone: 61 already in the database"
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
    spec = yaml.load(target.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert spec["openapi"] == "3.1.0"


def test_tokens_create_prints_a_token_once_and_stores_its_hash(runner, db):
    from api.store.models import ApiToken

    token = runner.invoke(args=["tokens", "create", "--name", "cli-desk", "--role", "admin"])
    assert token.exit_code == 0
    value = token.output.strip()
    assert len(value) >= 40
    stored = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "cli-desk"))
    assert stored.role == "admin" and value not in stored.token_hash


def test_tokens_create_refuses_a_taken_name(runner):
    runner.invoke(args=["tokens", "create", "--name", "twice"])
    result = runner.invoke(args=["tokens", "create", "--name", "twice"])
    assert result.exit_code == 1 and "exists" in result.output


def test_tokens_list_shows_names_and_roles_but_no_secret(runner):
    token = runner.invoke(args=["tokens", "create", "--name", "listed"]).output.strip()
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "listed\teditor" in listing
    assert token not in listing


def test_tokens_revoke_unknown_name_fails(runner):
    result = runner.invoke(args=["tokens", "revoke", "nobody"])
    assert result.exit_code == 1 and "No active token" in result.output


def test_tokens_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["tokens", "create", "--name", "x", "--role", "owner"])
    assert result.exit_code == 2


def test_synth_refuses_a_database_that_holds_data(runner):
    result = runner.invoke(args=["synth", "--stances", "10"])
    assert result.exit_code == 1 and "empty one" in result.output


def test_synth_fills_an_empty_database_with_verbatim_evidence(tmp_path):
    import flask_migrate
    from sqlalchemy import func, select

    from api import create_app
    from api.extensions import db
    from api.store.models import Evidence, Source, Stance

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/synth.db"})
    with app.app_context():
        flask_migrate.upgrade()
    result = app.test_cli_runner().invoke(args=["synth", "--stances", "120"])
    expected = "Synthesized: 2 sources, 500 actors, 200 proposals, 120 stances"
    assert result.output.strip() == expected  # an article per 100 stances, the last shorter
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stance)) == 120
        texts = dict(db.session.execute(select(Source.id, Source.text)).all())
        for span in db.session.scalars(select(Evidence)):
            assert texts[span.source_id][span.start : span.end] == span.quote
        db.engine.dispose()
    page = app.test_client().get("/v1/stances?position=opposes&limit=5").json
    assert page["meta"]["total"] == 24 and page["links"]["next"]


def test_a_commands_write_may_outlast_a_requests_statement_timeout(app):
    """On PostgreSQL a request's statements stop at STATEMENT_TIMEOUT; a command's bulk write
    (synth, seed, import into a million stances) runs its statements as long as they take."""
    with app.app_context():
        if database.engine.dialect.name != "postgresql":
            pytest.skip("statement timeouts are PostgreSQL's")
        with write_transaction():
            assert database.session.scalar(text("SHOW statement_timeout")) == "0"
        assert database.session.scalar(text("SHOW statement_timeout")) == STATEMENT_TIMEOUT
        database.session.rollback()
