"""`watchd run`: one asyncio loop with the HTTP server and the device supervisor."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from api.app import create_app
from watchd.app import Services, build_services
from watchd.db.repositories.sites import SitesRepository
from watchd.pipeline.supervisor import DeviceSupervisor
from watchd.settings.load import LoadedConfig

log = logging.getLogger(__name__)


def _first_start_credentials(services: Services, base_url: str) -> None:
    """Print (never log) the admin password and kiosk links that exist only from this start on."""
    password = services.auth.ensure_first_admin()
    with services.db.read() as s:
        fresh_kiosks = [d.id for d in SitesRepository(s).list_devices() if d.kind == "kiosk_web" and d.enabled and not d.token_hash]
    links = [(d, services.auth.issue_device_token(d)) for d in fresh_kiosks]
    if not password and not links:
        return
    lines = ["", "=" * 72, "watchd first start: keep these, they are shown only once."]
    if password:
        lines += [f"  admin page : {base_url}/admin", "  username   : admin", f"  password   : {password}"]
    for device_id, token in links:
        lines.append(f"  kiosk {device_id}: {base_url}/kiosk#token={token}")
    lines += ["=" * 72, ""]
    print("\n".join(lines), flush=True)  # noqa: T201 - stdout on purpose, not the log


async def _serve(services: Services) -> None:
    settings = services.config.settings
    server_cfg = settings.server
    scheme = "https" if server_cfg.tls_cert else "http"
    _first_start_credentials(services, f"{scheme}://{server_cfg.host}:{server_cfg.port}")
    app = create_app(services)
    config = uvicorn.Config(
        app, host=server_cfg.host, port=server_cfg.port, log_level="warning", access_log=False,
        ssl_certfile=str(server_cfg.tls_cert) if server_cfg.tls_cert else None,
        ssl_keyfile=str(server_cfg.tls_key) if server_cfg.tls_key else None,
    )
    server = uvicorn.Server(config)
    supervisor = DeviceSupervisor(
        list(settings.devices), services.checkins, services.engine, settings.liveness, services.clock
    )
    supervisor.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    log.info("watchd serving on %s://%s:%d", scheme, server_cfg.host, server_cfg.port)
    try:
        await server.serve()
    finally:
        await supervisor.stop()


def serve(loaded: LoadedConfig) -> int:
    services = build_services(loaded)
    try:
        asyncio.run(_serve(services))
    finally:
        services.close()
    log.info("watchd stopped")
    return 0
