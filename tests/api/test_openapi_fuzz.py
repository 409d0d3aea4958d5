"""Schemathesis over the OpenAPI spec, in process against the ASGI app: whatever a client sends,
the answer is never a 5xx, and documented answers match their schema.

Logged in as an administrator (every route is open to that role), and with a kiosk token for the
kiosk's routes, so generated requests reach the code behind the permission check. Deterministic:
Hypothesis is derandomized, and a failure prints a curl command to reproduce it. Bugs it found have
focused regression tests in test_openapi_regressions.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from watchd.app import Services

#: Only what cannot run in process: the duty-room stream answers for 30 s by design (SSE), and
#: logging out would revoke the token every other generated request uses (test_auth.py covers it).
EXCLUDED = ["/api/dashboard/stream", "/api/auth/logout"]
KIOSK_PATHS = ("/api/kiosk/", "/api/attendance/device-sync")


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    password = services.auth.ensure_first_admin()
    assert password
    return {
        "admin": services.auth.login("admin", password).token,
        "kiosk": services.auth.issue_device_token("kiosk-bayan"),
    }


@pytest.fixture
def api_schema(services: Services) -> Any:
    app = create_app(services)
    app.openapi()  # built once here: on a loaded machine the first build can outlast the loader's 10 s read
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path=EXCLUDED)


@schema.parametrize()
@settings(max_examples=8, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case: Any, tokens: dict[str, str]) -> None:
    token = tokens["kiosk" if case.path.startswith(KIOSK_PATHS) else "admin"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
