"""The error answers of every operation, in the OpenAPI document, decided in one place.

FastAPI documents only 200 and 422. Clients (and schemathesis, which checks every status code it
gets against the document) need the others too. Each operation's possible errors follow from what
the route declares, so they are derived here from the routes rather than written on each decorator:

- 401 and 403: the route needs a login or a kiosk token (its dependencies reach `current_user`,
  `current_kiosk` or a permission);
- 404: the route names something: a path parameter, a query parameter or a request body
  (a person, a room, a site that may not exist);
- 409: the route changes something (not GET): a duplicate, a request already decided;
- 400 and 413: the route takes a request body (one that cannot be parsed; the size limit of
  api/app.py, and of uploads);
- 415: the route takes uploaded files (only JPEG or PNG, api/uploads.py);
- 422: the route reads any input (FastAPI adds it where there are parameters) or changes something.

Every one has the problem body every error has (`ProblemOut`). The ADMS push endpoints (`/iclock`)
answer terminals in plain text ("ERROR: <code>: <reason>"), so theirs are documented as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from api.access import Allowed
from api.deps import current_admin, current_kiosk, current_user

PROBLEM_REF = {"$ref": "#/components/schemas/HTTPValidationError"}  # the problem body (api/app.py)
DESCRIPTIONS = {
    400: "Bad request: the reason is in the body",
    401: "Not logged in, or the token has expired or is unknown",
    403: "The login's role lacks the permission (x-permission), or the thing belongs to someone else",
    404: "Something the request names does not exist",
    409: "Conflicts with the current state (a duplicate, a request already decided); the body names it",
    413: "The request body is too large",
    415: "The uploaded file's type is not accepted",
    422: "Invalid input: each field at fault is named",
}
PLAIN_TEXT_TAGS = {"adms"}  # answered in plain text, for terminals
PLAIN_TEXT_ERRORS = (400, 403, 413)
AUTH_CALLS: set[Callable[..., Any]] = {current_user, current_kiosk, current_admin}


def _needs_login(dependant: Dependant) -> bool:
    return any(
        isinstance(d.call, Allowed) or d.call in AUTH_CALLS or _needs_login(d) for d in dependant.dependencies
    )


def _reads_input(route: APIRoute) -> bool:
    d = route.dependant
    return bool(d.path_params or d.query_params or d.header_params or d.cookie_params or route.body_field)


def _uploads_files(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return "multipart/form-data" in content


def error_codes(route: APIRoute, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation of this route may answer."""
    if PLAIN_TEXT_TAGS & {str(t) for t in route.tags}:
        return list(PLAIN_TEXT_ERRORS)
    codes: set[int] = set()
    if _needs_login(route.dependant):
        codes |= {401, 403}
    if _reads_input(route):
        codes |= {404, 422}
    if method != "get":
        codes |= {409, 422}
    if route.body_field is not None:
        codes |= {400, 413}  # 400: a body that cannot be parsed at all (not JSON, a broken form)
    if _uploads_files(operation):
        codes.add(415)
    return sorted(codes)


def _response(code: int, plain_text: bool) -> dict[str, Any]:
    schema = {"type": "string"} if plain_text else PROBLEM_REF
    media = "text/plain" if plain_text else "application/json"
    return {"description": DESCRIPTIONS[code], "content": {media: {"schema": schema}}}


def document_errors(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> None:
    """Add each operation's error answers (those it documents already keep their description)."""
    for context in iter_route_contexts(list(routes)):  # through included routers, with their prefixes
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = schema.get("paths", {}).get(context.path_format, {})
        plain = bool(PLAIN_TEXT_TAGS & {str(t) for t in route.tags})
        for method in context.methods or ():
            operation = path.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in error_codes(route, method.lower(), operation):
                documented = responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
                documented.setdefault("content", _response(code, plain)["content"])
            for code, documented in responses.items():  # a route's own, e.g. the login's 401
                if code.isdigit() and int(code) in DESCRIPTIONS:
                    documented.setdefault("content", _response(int(code), plain)["content"])
