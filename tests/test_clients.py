"""The contract as front ends meet it: clients generated from openapi.yaml by tools we did not
write (openapi-typescript + openapi-fetch, openapi-python-client), run against a live server,
and the linters front-end teams run (Redocly, Spectral). `./dev test` installs the Node tools
from the lock files in clients/typescript and lint/."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_token
from tests.helpers import ROOT, start_gunicorn, stop

TYPESCRIPT = ROOT / "clients" / "typescript"
PYTHON = ROOT / "clients" / "python"
LINT = ROOT / "lint"
# The TypeScript example is generated and compiled in its own folder: one worker does that.
in_the_typescript_folder = pytest.mark.xdist_group("typescript")


def run(command: list, cwd: Path, **environment) -> subprocess.CompletedProcess:
    tool = Path(command[0])
    if not tool.exists() and tool.parent != Path("."):
        pytest.fail(f"{tool} is missing: run ./dev test, which installs it (needs Node and npm)")
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **environment},
    )


@pytest.fixture(scope="module")
def server(app):
    """The service under gunicorn on the test database, with an editor's token."""
    process, base = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"])
    yield base, make_token(app, "editor")
    stop(process)


@pytest.fixture(scope="module")
def typescript_client():
    """The TypeScript example, its types generated from the committed spec, then compiled."""
    bin_ = TYPESCRIPT / "node_modules" / ".bin"
    generated = run(
        [bin_ / "openapi-typescript", "../../openapi.yaml", "-o", "src/api.d.ts"], TYPESCRIPT
    )
    assert generated.returncode == 0, generated.stderr
    return bin_


@in_the_typescript_folder
def test_typescript_client_type_checks_strictly(typescript_client):
    checked = run([typescript_client / "tsc", "--noEmit"], TYPESCRIPT)
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout  # zero errors


@in_the_typescript_folder
def test_typescript_client_works_against_a_live_server(typescript_client, server, restore):
    base, token = server
    built = run([typescript_client / "tsc"], TYPESCRIPT)
    assert built.returncode == 0, built.stdout
    ran = run(["node", "dist/example.js"], TYPESCRIPT, BRIEFING_URL=base, BRIEFING_TOKEN=token)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("ok: ")


def test_python_client_works_against_a_live_server(server, restore, tmp_path):
    base, token = server
    generator = Path(sys.executable).parent / "openapi-python-client"
    generated = run(
        [
            generator,
            "generate",
            "--path",
            ROOT / "openapi.yaml",
            "--config",
            "config.yaml",
            "--output-path",
            tmp_path / "client",
        ],
        PYTHON,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    ran = run(
        [sys.executable, "example.py"],
        PYTHON,
        BRIEFING_URL=base,
        BRIEFING_TOKEN=token,
        PYTHONPATH=str(tmp_path / "client"),
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("ok: ")


def test_redocly_finds_no_errors():
    linted = run(
        [
            LINT / "node_modules" / ".bin" / "redocly",
            "lint",
            "openapi.yaml",
            "--config",
            ".redocly.yaml",
            "--format",
            "json",
        ],
        ROOT,
    )
    report = json.loads(linted.stdout)
    errors = [problem for problem in report["problems"] if problem["severity"] == "error"]
    assert errors == [] and linted.returncode == 0


def test_spectral_finds_no_errors():
    spectral = LINT / "node_modules" / ".bin" / "spectral"
    command = [spectral, "lint", "openapi.yaml", "--ruleset", ".spectral.yaml", "--format", "json"]
    linted = run([*command, "--fail-severity", "error"], ROOT)
    assert linted.returncode == 0, linted.stdout
    # Spectral 6 follows the JSON with a summary line when it finds nothing: read the JSON alone.
    report, _ = json.JSONDecoder().raw_decode(linted.stdout)
    assert [problem for problem in report if problem["severity"] == 0] == []
