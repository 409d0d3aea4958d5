"""The OpenAPI document lists each operation's error answers with the problem body (issue 13 item 6:
it listed only 200 and 422, and 139 other status codes came back undocumented)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM = {"$ref": "#/components/schemas/HTTPValidationError"}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def codes(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(spec["paths"][path][method]["responses"])


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/people/{person_id}", "delete", {"401", "403", "404", "409", "422"}),
        ("/api/leave/{request_id}/approve", "post", {"401", "403", "404", "409", "413", "422"}),
        ("/api/people/{person_id}/faces", "post", {"401", "403", "404", "409", "413", "415", "422"}),
        ("/api/incidents", "get", {"401", "403", "404", "422"}),
        ("/api/auth/me", "get", {"401", "403"}),
    ],
)
def test_every_error_an_operation_may_answer_is_documented_with_the_problem_body(
    spec: dict[str, Any], path: str, method: str, expected: set[str]
) -> None:
    responses = codes(spec, path, method)
    assert expected <= set(responses), sorted(responses)
    for code in expected:
        assert responses[code]["content"]["application/json"]["schema"] == PROBLEM, code
        assert responses[code]["description"]


def test_terminals_get_their_errors_in_plain_text(spec: dict[str, Any]) -> None:
    responses = codes(spec, "/iclock/cdata", "post")
    assert {"400", "403", "413"} <= set(responses)
    assert responses["400"]["content"] == {"text/plain": {"schema": {"type": "string"}}}


def test_an_answer_the_api_sends_is_one_its_document_lists(
    client: TestClient, admin_headers: dict[str, str], spec: dict[str, Any]
) -> None:
    sent = [
        ("/api/people/{person_id}", "delete", client.delete("/api/people/nobody", headers=admin_headers)),
        ("/api/incidents", "get", client.get("/api/incidents")),
        (
            "/api/people",
            "post",
            client.post(
                "/api/people", headers=admin_headers, json={"id": "c001", "name": "其其格", "role": "cadre"}
            ),
        ),
    ]
    assert [r.status_code for *_, r in sent] == [404, 401, 409]
    for path, method, r in sent:
        assert str(r.status_code) in codes(spec, path, method)
        assert {"code", "message"} <= set(r.json()["detail"])


def test_a_body_that_is_not_json_is_a_documented_400_with_the_problem_body(
    client: TestClient, admin_headers: dict[str, str], spec: dict[str, Any]
) -> None:
    """Found by schemathesis' stateful phase: FastAPI's own 400 had its own body and no place in the document."""
    r = client.post(
        "/api/people", headers={**admin_headers, "Content-Type": "application/json"}, content=b"\xff)"
    )
    assert r.status_code == 400
    assert (r.json()["detail"]["code"], r.json()["detail"]["message"]) == ("bad_request", "请求格式错误")
    assert "400" in codes(spec, "/api/people", "post")
