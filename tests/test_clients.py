"""The contract as front ends meet it: clients generated from openapi.yaml by tools we did not
write (openapi-typescript + openapi-fetch, openapi-python-client), run against a live server,
and the linters front-end teams run (Redocly, Spectral). `./dev test` installs the Node tools
from the lock files in clients/typescript and lint/.

What depends on the spec alone (generating, type-checking, linting) is done once for each
content of its inputs and remembered in .cache/clients/ (a fresh clone, CI's, does it all);
running the clients against the server is done every time."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_token
from tests.helpers import ROOT

TYPESCRIPT = ROOT / "clients" / "typescript"
PYTHON = ROOT / "clients" / "python"
LINT = ROOT / "lint"
CACHE = ROOT / ".cache" / "clients"
# The TypeScript example is generated and compiled in its own folder: one worker does that.
in_the_typescript_folder = pytest.mark.xdist_group("typescript")


def inputs_digest(*paths: Path) -> str:
    """A digest of the spec and these files: what a check that depends on nothing else saw."""
    digest = hashlib.sha256()
    for path in (ROOT / "openapi.yaml", *paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def passed_before(check: str, *inputs: Path) -> bool:
    """Whether `check` passed on exactly these inputs before (`remember_passed`)."""
    return (CACHE / f"{check}-{inputs_digest(*inputs)}").exists()


def remember_passed(check: str, *inputs: Path) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / f"{check}-{inputs_digest(*inputs)}").touch()


TYPESCRIPT_INPUTS = (
    TYPESCRIPT / "src" / "example.ts",
    TYPESCRIPT / "tsconfig.json",
    TYPESCRIPT / "package-lock.json",
)
LINT_INPUTS = (LINT / "package-lock.json", ROOT / ".redocly.yaml", ROOT / ".spectral.yaml")


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
def server(app, live_server):
    """The service under gunicorn on the test database, with an editor's token."""
    return live_server, make_token(app, "editor")


@pytest.fixture(scope="module")
def typescript_client():
    """The TypeScript example, its types generated from the committed spec, then compiled
    (strictly: `tsconfig.json`) into dist/: a list of what tsc found, empty when it passed."""
    bin_ = TYPESCRIPT / "node_modules" / ".bin"
    built = TYPESCRIPT / "dist" / "example.js"
    if built.exists() and passed_before("typescript", *TYPESCRIPT_INPUTS):
        return []
    generated = run(
        [bin_ / "openapi-typescript", "../../openapi.yaml", "-o", "src/api.d.ts"], TYPESCRIPT
    )
    assert generated.returncode == 0, generated.stderr
    compiled = run([bin_ / "tsc"], TYPESCRIPT)
    if (compiled.returncode, compiled.stdout) != (0, ""):
        return compiled.stdout.splitlines() or [f"tsc exited {compiled.returncode}"]
    remember_passed("typescript", *TYPESCRIPT_INPUTS)
    return []


@in_the_typescript_folder
def test_typescript_client_type_checks_strictly(typescript_client):
    assert typescript_client == []  # zero errors


@in_the_typescript_folder
def test_typescript_client_works_against_a_live_server(typescript_client, server, restore):
    base, token = server
    assert typescript_client == []
    ran = run(["node", "dist/example.js"], TYPESCRIPT, BRIEFING_URL=base, BRIEFING_TOKEN=token)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("ok: ")


def python_client() -> Path:
    """The Python client generated from the committed spec, once per content of the spec and
    the generator's config."""
    folder = CACHE / f"python-{inputs_digest(PYTHON / 'config.yaml')}"
    if not (folder / "client").exists():
        generator = Path(sys.executable).parent / "openapi-python-client"
        command = ["generate", "--path", ROOT / "openapi.yaml", "--config", "config.yaml"]
        generated = run([generator, *command, "--output-path", folder / "client"], PYTHON)
        assert generated.returncode == 0, generated.stdout + generated.stderr
    return folder / "client"


def test_python_client_works_against_a_live_server(server, restore):
    base, token = server
    ran = run(
        [sys.executable, "example.py"],
        PYTHON,
        BRIEFING_URL=base,
        BRIEFING_TOKEN=token,
        PYTHONPATH=str(python_client()),
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("ok: ")


def test_redocly_finds_no_errors():
    if passed_before("redocly", *LINT_INPUTS):
        return
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
    remember_passed("redocly", *LINT_INPUTS)


def test_spectral_finds_no_errors():
    if passed_before("spectral", *LINT_INPUTS):
        return
    spectral = LINT / "node_modules" / ".bin" / "spectral"
    command = [spectral, "lint", "openapi.yaml", "--ruleset", ".spectral.yaml", "--format", "json"]
    linted = run([*command, "--fail-severity", "error"], ROOT)
    assert linted.returncode == 0, linted.stdout
    # Spectral 6 follows the JSON with a summary line when it finds nothing: read the JSON alone.
    report, _ = json.JSONDecoder().raw_decode(linted.stdout)
    assert [problem for problem in report if problem["severity"] == 0] == []
    remember_passed("spectral", *LINT_INPUTS)
