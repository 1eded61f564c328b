"""Contract fuzzing: schemathesis drives the committed openapi.yaml against the app in-process.

Bounded for the suite (SCHEMATHESIS_MAX_EXAMPLES, default 5 per operation); the longer run is
the command in the README. Writes go through a test admin token; the data is reseeded after.

In the suite, the coverage phase (every boundary and wrong value of every parameter, some 200
requests an operation) leaves out the `.csv`, `.xlsx` and `.sparse` lists, more than half of its
requests: they take their JSON list's parameters through the same parser (`fields` and `bom`,
theirs alone, have tests of their own). The suite covers the same lines of `api/` without them
(coverage.py: 4,746 of 4,988, the same lines). Their examples and fuzzing still run, and the
longer run covers every phase of every operation.
"""

import os
import tomllib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import func, select

from api.extensions import db as database
from api.store.feed import LOADERS
from api.store.models import Change
from tests.conftest import make_token, reseed

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
LONGER_RUN = "SCHEMATHESIS_MAX_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
FORMATS_OF_A_LIST = {
    "include-path-regex": r"\.(csv|sparse|xlsx)$",
    "phases": {"coverage": {"enabled": False}},
}
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture(scope="module")
def api_schema(app):
    """The committed spec, bound to the test app, with an admin token for the writes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("API_TOKEN", make_token(app, "admin"))  # schemathesis.toml reads it
        loaded = schemathesis.openapi.from_path(SPEC, config=suite_config())
    loaded.app = app
    yield loaded
    with app.app_context():
        # The fuzzer's writes got through with the token: the change feed has them.
        writes = select(func.count()).where(Change.token_name.not_in(LOADERS))
        assert database.session.scalar(writes) > 0
        reseed()


def suite_config() -> SchemathesisConfig:
    """schemathesis.toml, as the CLI reads it; in the suite, without the coverage phase of a
    list's other formats."""
    settings_file = ROOT / "schemathesis.toml"
    data = tomllib.loads(settings_file.read_text())
    if not LONGER_RUN:
        data.setdefault("operations", []).append(FORMATS_OF_A_LIST)
    return SchemathesisConfig.from_dict(data, base_dir=str(ROOT))


schema = schemathesis.pytest.from_fixture("api_schema")


# Both tests on one worker, with one `api_schema`: its check that writes got through counts the
# operations' writes, which a short stateful run alone need not make.
ONE_WORKER = pytest.mark.xdist_group("contract")


@ONE_WORKER
@schema.parametrize()
@SETTINGS
def test_api_keeps_its_contract(case):
    case.call_and_validate()


@pytest.fixture
def state_machine(api_schema):
    return api_schema.as_state_machine()


@ONE_WORKER
def test_api_keeps_its_contract_across_calls(state_machine):
    state_machine.run(
        settings=settings(SETTINGS, max_examples=max(EXAMPLES // 2, 5), stateful_step_count=6)
    )
