"""The README's examples run against the test app, so the docs cannot rot."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import edits

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BASE = "http://localhost:8000"
FLASK = ".venv/bin/flask --app api "
# Examples the README shows on purpose as errors, with the status it says they get.
ERRORS = {"/v1/stances?contry=FR": 400}


def commands(text: str) -> list[str]:
    """Every command line of the sh blocks, with `$BASE` (the server's address) filled in."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    return [line.replace("$BASE", BASE) for line in lines if not line.startswith("BASE=")]


def section(heading: str) -> str:
    return README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


READ_EXAMPLES = [line for line in commands(README) if line.startswith("curl ") and "$" not in line]
EDITOR_STEPS = commands(section("For editors"))


def request_of(command: str, variables: dict) -> tuple[str, str, dict, str | None]:
    """The method, path, headers and body a curl command line sends (`-sL`: see `follows`)."""
    words = shlex.split(command)[1:]
    for name, value in variables.items():
        words = [word.replace(f"${name}", value) for word in words]
    method, headers, url, body = "GET", {}, None, None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = words.pop(0)
        elif word in ("-o", "-w"):
            words.pop(0)
        elif word.startswith(BASE):
            url = word
    parts = urlsplit(url)
    return method, parts.path + (f"?{parts.query}" if parts.query else ""), headers, body


def test_readme_has_examples():
    assert len(READ_EXAMPLES) >= 15
    assert any(line.startswith("curl -s -X PATCH") for line in EDITOR_STEPS)


@pytest.mark.parametrize("command", READ_EXAMPLES)
def test_readme_example_works(client, command):
    method, path, headers, _ = request_of(command, {})
    follow = "-sL" in command.split()  # curl -L follows redirects
    response = client.open(path, method=method, headers=headers, follow_redirects=follow)
    assert response.status_code == ERRORS.get(path, 200), response.get_data(as_text=True)
    assert response.get_data()


def test_readme_editor_walkthrough_works(client, runner, restore, tmp_path):
    briefing = client.get("/v1/briefing").json
    variables = {}
    for step in EDITOR_STEPS:
        step = step.replace(" draft.yaml", f" {tmp_path / 'draft.yaml'}")  # not in the clone
        assignment = re.fullmatch(r"(?:export )?(\w+)=\$\((.*)\)", step)
        name, step = assignment.groups() if assignment else (None, step)
        if step.startswith(FLASK):
            result = runner.invoke(args=shlex.split(step.removeprefix(FLASK)))
            assert result.exit_code == 0, result.output
            output = result.output.strip()
        else:
            method, path, headers, body = request_of(step, variables)
            response = client.open(path, method=method, headers=headers, data=body)
            assert response.status_code in (200, 201), response.get_data(as_text=True)
            output = response.headers["ETag"] if "%header{etag}" in step else ""
        if name:
            variables[name] = output
    changes = edits(client, "stances")
    assert [(change["method"], change["by"]) for change in changes] == [
        ("POST", "cli:import"),
        ("POST", "editor"),
        ("PATCH", "editor"),
        ("DELETE", "cli:retire"),
        ("DELETE", "cli:retire"),
        ("POST", "cli:import"),  # the follow-up's stance for Italy
        ("DELETE", "cli:retire"),
    ]
    # Retiring the example sources left the live briefing as the walk-through found it (the
    # facts the follow-up restated were changed twice: their updated_at moved on).
    assert not_updated_at(client.get("/v1/briefing").json) == not_updated_at(briefing)


def not_updated_at(value):
    """A JSON value without its `updated_at` keys."""
    if isinstance(value, dict):
        return {key: not_updated_at(item) for key, item in value.items() if key != "updated_at"}
    if isinstance(value, list):
        return [not_updated_at(item) for item in value]
    return value
