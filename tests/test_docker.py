"""The Dockerfile stays clean under hadolint."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_dockerfile_is_hadolint_clean():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_migrates_seeds_and_execs_gunicorn_as_non_root():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "flask db upgrade && flask seed && exec gunicorn" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "\nUSER 10001\n" in text
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
