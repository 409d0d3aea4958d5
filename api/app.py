"""The FastAPI application. Services arrive through the lifespan state; nothing is global."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.access import document_permissions
from api.openapi_errors import document_errors
from api.routes import (
    ack,
    adms,
    appraisal,
    attendance,
    auth,
    cameras,
    checkins,
    cluster,
    dashboard,
    duty,
    health,
    incidents,
    kiosk,
    leave,
    live,
    notices,
    pages,
    people,
    rectification,
    reports,
    review,
    sites,
    spotchecks,
    terminals,
    visits,
    vote,
    worklog,
    worklog_plans,
)
from api.routes.pages import FAVICON, STATIC
from api.schemas import ProblemOut
from watchd.app import Services
from watchd.errors import ServiceError
from watchd.messages import zh

log = logging.getLogger(__name__)


class State(TypedDict):
    services: Services


_NUL = re.compile(r"%00|\x00", re.IGNORECASE)


def _problem(status: int, code: str, message: str, details: Mapping[str, object] | None = None) -> JSONResponse:
    """The error body every answer has. `details` is a mapping, never keyword arguments: a service's
    detail may be named like a parameter here (a request's `status` once made that a 500)."""
    body: dict[str, object] = {**(details or {}), "code": code, "message": message}
    return JSONResponse({"detail": body}, status_code=status)


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    log.info("%s %s -> %d %s: %s", request.method, request.url.path, exc.status, exc.code, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    resp = _problem(exc.status, exc.code, exc.text or zh(exc.code), {**exc.details, "reason": exc.message})
    if headers:
        resp.headers.update(headers)
    return resp


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")} for e in exc.errors()
    ]
    log.info("%s %s -> 422 bad request: %s", request.method, request.url.path, fields)
    return _problem(422, "bad_request", zh("bad_request"), {"fields": fields})


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's and Starlette's own errors (a body that is not JSON: 400; no such path: 404) in the
    problem body every error has."""
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    log.info("%s %s -> %d %s: %s", request.method, request.url.path, exc.status_code, code, exc.detail)
    resp = _problem(exc.status_code, code, zh(code), {"reason": str(exc.detail)})
    resp.headers.update(exc.headers or {})
    return resp


def _openapi_with_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI documents 422 as its own `HTTPValidationError`; ours is the problem body every error has."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            problem = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem.pop("$defs", {}))
            components["HTTPValidationError"] = problem  # every route's 422 $ref stays valid
            components.pop("ValidationError", None)
            document_errors(schema, app.routes)  # 401/403/404/409/413/415 with their body
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def create_app(services: Services, *, max_request_bytes: int | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        yield {"services": services}

    # /docs (Swagger UI) loads its scripts from the fastapi-offline package, served here: offices
    # often have no internet, and FastAPI's default pages take them from a CDN. No /redoc: its
    # bundle fetches a logo from cdn.redoc.ly whatever the options, and Swagger UI shows the same.
    app = FastAPIOffline(
        redoc_url=None, title="watchd", version="0.1.0", lifespan=lifespan, favicon_url=FAVICON,
        swagger_ui_parameters={"validatorUrl": None},  # no badge asking validator.swagger.io
    )
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    settings = services.config.settings
    limit = max_request_bytes or settings.recognition.max_upload_bytes * (settings.liveness.max_frames + 1)

    @app.middleware("http")
    async def refuse_huge_bodies(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return _problem(413, "too_large", zh("too_large"), {"reason": f"request body over {limit} bytes"})
        if _NUL.search(request.url.path) or _NUL.search(request.url.query):
            # No identifier, name or date holds a NUL; PostgreSQL text cannot store one (a 500 otherwise).
            return _problem(422, "control_character", "参数中含有不可见的控制字符（NUL），请检查链接", {
                "reason": "a path or query parameter contains a NUL byte",
            })
        return await call_next(request)

    for module in (health, auth, people, checkins, cluster, kiosk, sites, pages, incidents, ack, adms, terminals, attendance, leave, visits, reports, cameras, live, duty, dashboard, notices, worklog, worklog_plans, appraisal, vote, rectification, spotchecks, review):
        document_permissions(module.router)
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi = _openapi_with_problems(app)  # type: ignore[method-assign]
    return app
