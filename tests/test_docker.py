"""The container and the production stack, checked without a Docker daemon: the Dockerfile's
shape, the start-up script's signal handling, the HEALTHCHECK, the lock file, the Compose file.
(`../shared/tools/docker-e2e.sh` builds and runs the image itself.)"""

import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from api.config import connection_shares

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
DOCKER_STOP_DEFAULT_SECONDS = 10


def test_dockerfile_is_hadolint_clean():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_the_start_script_as_non_root_with_a_data_volume():
    assert DOCKERFILE.rstrip().endswith('CMD ["deploy/start.sh"]')
    assert "\nUSER 10001\n" in DOCKERFILE
    assert 'VOLUME ["/app/instance"]' in DOCKERFILE
    assert "chown 10001:0 instance && chmod 0775 instance" in DOCKERFILE  # any uid in group 0
    assert DOCKERFILE.count("\nFROM ") + DOCKERFILE.startswith("FROM ") >= 2
    script = (ROOT / "deploy" / "start.sh").read_text(encoding="utf-8")
    assert script.index("step flask db upgrade") < script.index("step flask seed")
    assert 'exec gunicorn --config gunicorn.conf.py "api:create_app()"' in script


def fake_commands(folder: Path, flask_seconds: float) -> dict:
    """`flask` that takes a while and notes each call, `gunicorn` that notes it started."""
    folder.mkdir()
    log = folder / "calls.log"
    (folder / "flask").write_text(
        f'#!/bin/sh\nsleep {flask_seconds}\necho "flask $*" >> {log}\n', encoding="utf-8"
    )
    (folder / "gunicorn").write_text(f'#!/bin/sh\necho "gunicorn" >> {log}\n', encoding="utf-8")
    for name in ("flask", "gunicorn"):
        (folder / name).chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def test_start_script_migrates_seeds_then_serves(tmp_path):
    environment = fake_commands(tmp_path / "bin", 0)
    subprocess.run(["sh", str(ROOT / "deploy" / "start.sh")], env=environment, check=True)
    calls = (tmp_path / "bin" / "calls.log").read_text(encoding="utf-8").splitlines()
    assert calls == ["flask db upgrade", "flask seed", "gunicorn"]


def test_sigterm_during_start_up_lets_the_step_finish_then_exits_0(tmp_path):
    environment = fake_commands(tmp_path / "bin", 1.5)
    process = subprocess.Popen(["sh", str(ROOT / "deploy" / "start.sh")], env=environment)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    calls = (tmp_path / "bin" / "calls.log").read_text(encoding="utf-8").splitlines()
    assert calls == ["flask db upgrade"]  # the migration was not cut short; nothing after it


def test_healthcheck_goes_straight_to_the_server_whatever_the_proxy(live_server):
    command = json.loads(re.search(r"HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])", DOCKERFILE)[1])
    assert command[:2] == ["python", "-c"]
    port = live_server.rsplit(":", 1)[1]
    dead_proxy = {"http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, "-c", command[2]],
        env={**os.environ, **dead_proxy, "PORT": port},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_graceful_timeout_ends_before_the_container_is_killed():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert settings["graceful_timeout"] < DOCKER_STOP_DEFAULT_SECONDS
    for name in ("app1", "app2"):
        grace = int(compose["services"][name]["stop_grace_period"].removesuffix("s"))
        assert settings["graceful_timeout"] < grace


def locked() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [Requirement(line) for line in lines if line and not line.startswith("#")]
    return {pin.name.lower().replace("_", "-"): str(pin.specifier) for pin in pins}


def test_the_lock_pins_every_runtime_dependency_and_is_what_is_installed():
    pins = locked()
    assert all(specifier.startswith("==") for specifier in pins.values())
    for dependency in metadata.requires("briefing-api"):
        requirement = Requirement(dependency)
        if requirement.marker is None:  # the test extra is not locked
            name = requirement.name.lower().replace("_", "-")
            assert name in pins, f"{name} is not in requirements.lock: run ./dev lock"
            assert requirement.specifier.contains(pins[name].removeprefix("=="))
    for name, specifier in pins.items():
        assert metadata.version(name) == specifier.removeprefix("=="), name


def test_the_dockerfile_and_dev_install_from_the_lock():
    assert "--requirement requirements.lock" in DOCKERFILE
    assert "--constraint requirements.lock" in (ROOT / "dev").read_text(encoding="utf-8")
    assert "pip uninstall --yes pip setuptools" in DOCKERFILE


def test_compose_stack_migrates_once_before_two_apps_behind_nginx():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "app1", "app2", "proxy"}
    assert services["migrate"]["command"] == ["sh", "-c", "flask db upgrade && flask seed"]
    for name in ("app1", "app2"):
        app = services[name]
        assert app["environment"]["START_STEPS"] == "serve"
        assert app["environment"]["PROXY_HOPS"] == "1"
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    mounted = services["proxy"]["volumes"][0].split(":")[0]
    nginx = (ROOT / mounted).read_text(encoding="utf-8")
    assert "proxy_request_buffering on;" in nginx


def test_compose_keeps_one_app_answering_while_the_other_is_recreated():
    """`up -d` with a new image recreates app2 only once app1 is healthy again; nginx finds
    both by one name through Docker's DNS (a recreated app at any address is used at once),
    sets no app aside after a refused connection, and keeps no upstream connection alive (a
    stopping gunicorn closes idle ones under a PATCH that nginx will not resend)."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert services["app2"]["depends_on"]["app1"]["condition"] == "service_healthy"
    assert "app1" not in services["app1"]["depends_on"]
    for name in ("app1", "app2"):
        assert services[name]["networks"]["default"]["aliases"] == ["app"]
        assert "test" not in services[name]["healthcheck"]  # the image's own
    for name in ("migrate", "app1", "app2"):
        assert services[name]["tmpfs"] == ["/app/instance"]  # no anonymous volume
    assert services["redis"]["tmpfs"] == ["/data"]  # redis:7's VOLUME, never written
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    directives = [line.split("#")[0].strip() for line in nginx.splitlines()]
    assert "resolver 127.0.0.11 valid=1s ipv6=off;" in directives
    assert "set $apps app:8000;" in directives and "proxy_pass http://$apps;" in directives
    assert not any(line.startswith(("upstream", "keepalive", "server app")) for line in directives)


def test_the_connection_budget_is_one_figure():
    """compose.yaml gives each app container a budget its workers keep within, a thread never
    waits for a session's connection, and the file and the README say the same total."""
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    environment = yaml.safe_load(compose)["x-app-environment"]
    workers, budget = int(environment["WEB_CONCURRENCY"]), int(environment["DATABASE_CONNECTIONS"])
    shares = connection_shares(budget, workers)
    assert workers * shares.total <= budget
    assert shares.session_pool + shares.session_overflow >= settings["threads"]
    both = 2 * budget
    assert f"= {both} PostgreSQL connections for both" in " ".join(compose.split())
    assert f"PostgreSQL connections: {both} for both" in " ".join(readme.split())


# Records each call; `compose ps -q APP` answers an id, and an id is healthy on its 2nd look.
STAND_IN_DOCKER = r"""#!/bin/sh
echo "$*" >>CALLS
case "$1 $2" in
  "compose ps") echo "id-$4" ;;
  inspect*) looks=$(grep -c "^inspect .* $4\$" CALLS)
    if [ "$looks" -ge 2 ]; then echo healthy; else echo starting; fi ;;
esac
"""


def upgrade_with(docker: str, folder: Path, wait: int) -> subprocess.CompletedProcess:
    """Run deploy/upgrade.sh with this script as `docker`, waiting `wait` s at most per app."""
    fake = folder / "docker"
    fake.write_text(docker, encoding="ascii")
    fake.chmod(0o755)
    return subprocess.run(
        ["sh", str(ROOT / "deploy" / "upgrade.sh")],
        env={"PATH": f"{folder}:/usr/bin:/bin", "UPGRADE_WAIT_SECONDS": str(wait)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_rolling_upgrade_migrates_then_replaces_one_healthy_app_at_a_time(tmp_path):
    """deploy/upgrade.sh, against a stand-in `docker` that records what it is asked and says
    an app turns healthy on the second look."""
    calls = tmp_path / "calls"
    result = upgrade_with(STAND_IN_DOCKER.replace("CALLS", str(calls)), tmp_path, wait=5)
    assert result.returncode == 0, result.stderr
    steps = calls.read_text(encoding="ascii").splitlines()
    assert steps[:2] == ["compose build", "compose run --rm migrate"]
    app1, app2 = (
        steps.index("compose up -d --no-deps app1"),
        steps.index("compose up -d --no-deps app2"),
    )
    looks = [
        i for i, step in enumerate(steps) if step.startswith("inspect") and step.endswith("id-app1")
    ]
    assert app1 < looks[0] < looks[-1] < app2 and len(looks) == 2
    assert steps[-1].startswith("inspect") and steps[-1].endswith("id-app2")
    assert "app2 is healthy" in result.stdout


def test_an_upgrade_stops_while_the_new_app_is_unhealthy(tmp_path):
    unhealthy = '#!/bin/sh\ncase "$1" in inspect) echo unhealthy ;; esac\n'
    result = upgrade_with(unhealthy, tmp_path, wait=1)
    assert result.returncode == 1
    assert "app1 is not healthy" in result.stderr
