"""The README's curl examples run against the test app, so the docs cannot rot."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BASE = "http://localhost:8000"
# Examples the README shows on purpose as errors, with the status it says they get.
ERRORS = {"/v1/stances?contry=FR": 400}


def curl_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def request_of(command: str) -> tuple[str, str, dict]:
    """The method, path and headers a curl command line sends."""
    words = shlex.split(command)[1:]
    method, headers, url = "GET", {}, None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word.startswith(BASE):
            url = word
    parts = urlsplit(url)
    return method, parts.path + (f"?{parts.query}" if parts.query else ""), headers


def test_readme_has_examples():
    assert len(curl_examples()) >= 10


@pytest.mark.parametrize("command", curl_examples())
def test_readme_example_works(client, command):
    method, path, headers = request_of(command)
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == ERRORS.get(path, 200), response.get_data(as_text=True)
    assert response.get_data()
