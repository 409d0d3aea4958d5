"""Shared fixtures: configuration, a database on SQLite and on PostgreSQL, services, an API client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devices.backoff import REAL_TIME, Timing
from tests.helpers.clocks import FakeClock
from tests.integration import PREFIX, need, port_open, required
from watchd.app import Daemon, Services, build_daemon, build_services
from watchd.ops.runtime import Runtime
from watchd.settings.load import LoadedConfig
from watchd.settings.root import Settings

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = os.environ.get("WATCHD_TEST_PG_URL", f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (WATCHD_REQUIRE_INTEGRATION=1) an integration skip from anywhere is a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and required() and PREFIX in str(report.longrepr):
        report.outcome = "failed"


BASE_CONFIG: dict[str, Any] = {
    "township": "测试苏木",
    "sites": [
        {"id": "office", "name": "苏木政府", "kind": "office"},
        {"id": "bayan", "name": "巴音嘎查", "kind": "village"},
        {"id": "hure", "name": "呼日嘎查", "kind": "village"},
    ],
    "people": [
        {"id": "c001", "name": "其其格", "role": "cadre", "villages": ["bayan"], "phone": "13800000001"},
        {"id": "c002", "name": "巴特尔", "role": "cadre", "villages": ["hure"]},
    ],
    "devices": [
        {"id": "kiosk-bayan", "kind": "kiosk_web", "site": "bayan"},
        {"id": "kiosk-hure", "kind": "kiosk_web", "site": "hure"},
    ],
}


def _pg_schema_url(schema: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0] + "/test"
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a schema of its own in the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'watchd.db'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """PostgreSQL only: for what exists only there (several nodes on one database)."""
    with pg_schema() as url:
        yield url


@contextmanager
def pg_schema() -> Iterator[str]:
    """A schema of its own in the real PostgreSQL, dropped afterwards."""
    need(port_open(PG_HOST, PG_PORT), f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT}")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_schema_url("public"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_services(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> Iterator[Callable[..., Services]]:
    """Build services from BASE_CONFIG merged with overrides; closed at the end of the test."""
    built: list[Services] = []

    def factory(*, runtime: Runtime | None = None, **overrides: Any) -> Services:
        services = build_services(
            loaded_config(tmp_path, database_url, overrides), clock=clock, recognition_workers=0, runtime=runtime
        )
        built.append(services)
        return services

    yield factory
    for s in built:
        s.close()


def loaded_config(tmp_path: Path, database_url: str, overrides: dict[str, Any]) -> LoadedConfig:
    settings = Settings.model_validate({**BASE_CONFIG, **overrides})
    return LoadedConfig(
        path=tmp_path / "watchd.toml", settings=settings, data_dir=tmp_path / "data", database_url=database_url
    )


@pytest.fixture
def make_daemon(tmp_path: Path, database_url: str, clock: FakeClock) -> Iterator[Callable[..., Daemon]]:
    """The whole daemon as `watchd run` builds it (watchd.app.build_daemon), not started; closed at the end."""
    built: list[Daemon] = []

    def factory(*, timing: Timing = REAL_TIME, **overrides: Any) -> Daemon:
        daemon = build_daemon(
            loaded_config(tmp_path, database_url, overrides), clock=clock, recognition_workers=0, timing=timing
        )
        built.append(daemon)
        return daemon

    yield factory
    for d in built:
        d.close()


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as c:
        yield c


@pytest.fixture
def admin_headers(services: Services, client: TestClient) -> dict[str, str]:
    password = services.auth.ensure_first_admin()
    assert password is not None
    r = client.post("/api/auth/login", json={"username": "admin", "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def kiosk_headers(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.auth.issue_device_token('kiosk-bayan')}"}


@pytest.fixture
def admin_headers_for() -> Iterator[Callable[[Services], tuple[Services, TestClient, dict[str, str]]]]:
    """For tests that build their own services: a running client and admin headers for them."""
    opened: list[TestClient] = []

    def factory(services: Services) -> tuple[Services, TestClient, dict[str, str]]:
        client = TestClient(create_app(services))
        client.__enter__()
        opened.append(client)
        password = services.auth.ensure_first_admin()
        token = client.post("/api/auth/login", json={"username": "admin", "password": password}).json()["token"]
        return services, client, {"Authorization": f"Bearer {token}"}

    yield factory
    for c in opened:
        c.__exit__(None, None, None)
