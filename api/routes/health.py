"""/healthz for load balancers and installers (no login), /metrics for Prometheus (address or token)."""

from __future__ import annotations

import hmac
import logging
from ipaddress import ip_address

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import ServicesDep
from api.views import shown
from devices.secrets import MissingSecret, read_secret
from watchd.app import Services
from watchd.errors import Forbidden, Unauthorized
from watchd.ops.metrics import build_registry

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", responses={503: {"description": "The database is unreachable or a stage has stalled."}})
def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers and every running stage beats; 503 otherwise. Lists the administrator's
    open notices (they never make it 503). Names no person and no secret."""
    components: dict[str, dict[str, object]] = {}
    healthy = True
    try:
        with services.db.read() as s:
            s.execute(text("SELECT 1"))
        components["database"] = {"status": "ok", "dialect": services.db.dialect}
    except Exception as exc:
        log.warning("healthz: database unreachable: %s", type(exc).__name__)
        components["database"] = {"status": "unreachable", "dialect": services.db.dialect}
        healthy = False
    runtime = services.runtime
    states = runtime.heartbeats.states()
    stale = [s.name for s in states if s.stale]
    components["stages"] = {"status": "stale" if stale else "ok", "running": len(states), "stale": stale}
    healthy = healthy and not stale
    for name, stage, running in (
        ("scheduler", "scheduler", runtime.scheduler_running), ("alert_runner", "alerts", runtime.alert_runner_running),
    ):
        components[name] = {"status": "stale" if stage in stale else "running" if running else "off"}
    body = {"status": "ok" if healthy else "unavailable", "components": components,
            "gallery_templates": len(services.engine.gallery), "notices": _notices(services)}
    return JSONResponse(body, status_code=200 if healthy else 503)


def _notices(services: Services) -> list[dict[str, object]]:
    """The administrator's open notices: listed for installers, never a reason for 503 (no texts: they
    may name terminal users)."""
    try:
        active = services.notices.active()
    except Exception as exc:
        log.warning("healthz: notices not read: %s", type(exc).__name__)
        return []
    return [
        {"kind": n.kind, "subject": n.subject, "since": shown(n.first_seen_at, services.config.settings.zone).isoformat(),
         "acknowledged": n.acknowledged_at is not None}
        for n in active
    ]


def _may_scrape(services: Services, request: Request) -> None:
    settings = services.config.settings.metrics
    if not settings.enabled:
        raise Forbidden("metrics_disabled", "metrics are switched off ([metrics] enabled = false)")
    host = request.client.host if request.client else ""
    try:
        address = ip_address(host)
    except ValueError:
        address = None
    if address is not None and any(address in network for network in settings.allow):
        return
    auth = request.headers.get("authorization", "")
    if settings.token_env:
        try:
            expected = read_secret(settings.token_env, where="metrics.token_env")
        except MissingSecret as exc:
            log.warning("%s", exc)
            raise Forbidden("metrics_denied", "the metrics token is not configured on the server") from None
        scheme, _, given = auth.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode()):
            return
        raise Unauthorized("metrics_denied", "a valid metrics bearer token is required")
    raise Forbidden("metrics_denied", f"address {host or '?'} is not in metrics.allow")


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(services: ServicesDep, request: Request) -> Response:
    """Prometheus text format. Readable from metrics.allow addresses (default this machine) or with the token."""
    _may_scrape(services, request)
    registry = build_registry(services.db, services.runtime)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
