"""Contract fuzzing: schemathesis drives the committed openapi.yaml against the app in-process.

Bounded for the suite (SCHEMATHESIS_MAX_EXAMPLES, default 5 per operation); the longer run is
the command in the README. Writes go through a test admin token; the data is reseeded after.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from api.extensions import db as database
from api.store.feed import LOADERS
from api.store.models import Change
from tests.conftest import make_token, reseed

SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
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
        loaded = schemathesis.openapi.from_path(SPEC)
    loaded.app = app
    yield loaded
    with app.app_context():
        # The fuzzer's writes got through with the token: the change feed has them.
        writes = select(func.count()).where(Change.token_name.not_in(LOADERS))
        assert database.session.scalar(writes) > 0
        reseed()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_api_keeps_its_contract(case):
    case.call_and_validate()


@pytest.fixture
def state_machine(api_schema):
    return api_schema.as_state_machine()


def test_api_keeps_its_contract_across_calls(state_machine):
    state_machine.run(
        settings=settings(SETTINGS, max_examples=max(EXAMPLES // 2, 5), stateful_step_count=6)
    )
