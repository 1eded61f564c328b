"""Configuration comes from the environment only."""

import json

import pytest

from api.config import Config
from tests.helpers import counting_queries


def test_defaults_need_no_setup(monkeypatch):
    for name in (
        "DATABASE_URL",
        "LOG_LEVEL",
        "CORS_ORIGINS",
        "REDIS_URL",
        "RATELIMIT_ENABLED",
        "RESPONSE_CACHE",
    ):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///briefing.db"
    assert config.LOG_LEVEL == "INFO"
    assert config.CORS_ORIGINS == []
    assert config.RATELIMIT_ENABLED is True
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert config.RESPONSE_CACHE is True


@pytest.mark.parametrize(
    "url",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_postgres_urls_use_psycopg3(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    assert Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    config = Config()
    assert config.LOG_LEVEL == "DEBUG"
    assert config.CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_bodies_are_capped_at_one_mebibyte(client, editor):
    """Just over 1 MiB is refused unread (413); just under is read (and refused for what it
    says, 422)."""
    padding = {"id": "x", "summary": ""}
    overhead = len(json.dumps(padding))
    for size, status in ((1024 * 1024 + 1, 413), (1024 * 1024, 422)):
        body = json.dumps({**padding, "summary": "x" * (size - overhead)})
        assert len(body) == size
        response = client.post(
            "/v1/stances", data=body, content_type="application/json", headers=editor
        )
        assert response.status_code == status


def test_redis_url_shares_rate_limits(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert Config().RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("false", False), ("on", True)])
def test_rate_limits_can_be_switched_off(monkeypatch, value, expected):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    assert Config().RATELIMIT_ENABLED is expected


def test_the_response_cache_can_be_switched_off(monkeypatch, make_app):
    monkeypatch.setenv("RESPONSE_CACHE", "false")
    assert Config().RESPONSE_CACHE is False
    app = make_app(RESPONSE_CACHE=False)
    with counting_queries(app) as first:
        app.test_client().get("/v1/events")
    with counting_queries(app) as again:
        app.test_client().get("/v1/events")
    assert app.extensions["data_version"].connection is None  # the version was never read
    # The second answer is rendered from the database like the first (a cached one would cost
    # a single read of the data version).
    assert len(again) == len(first) > 1
