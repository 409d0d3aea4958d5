"""`watchd run`: one asyncio loop serving HTTP around the daemon that watchd/app.py built.

This module only serves: the first-start credentials (they name URLs), the uvicorn server, the
signals, and READY once the server listens; the daemon starts and stops everything else."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import httpx
import uvicorn
from starlette.types import ASGIApp

from api.app import create_app
from devices.registry import Role, has_role
from watchd.app import Daemon, Services
from watchd.db.repositories.sites import SitesRepository

log = logging.getLogger(__name__)


def _first_start_credentials(services: Services, base_url: str) -> None:
    """Print (never log) the admin password and kiosk links that exist only from this start on."""
    password = services.auth.ensure_first_admin()
    with services.db.read() as s:
        fresh_kiosks = [d.id for d in SitesRepository(s).list_devices() if has_role(d.kind, Role.kiosk_page) and d.enabled and not d.token_hash]
    links = [(d, services.auth.issue_device_token(d)) for d in fresh_kiosks]
    if not password and not links:
        return
    lines = ["", "=" * 72, "watchd first start: keep these, they are shown only once."]
    if password:
        lines += [f"  admin page : {base_url}/admin", "  username   : admin", f"  password   : {password}"]
    for device_id, token in links:
        lines.append(f"  kiosk {device_id}: {base_url}/kiosk#token={token}")
    lines += ["=" * 72, ""]
    text = "\n".join(lines)
    if os.environ.get("INVOCATION_ID"):
        # Under systemd stdout is the journal, which is a log: keep the secrets in a private file.
        path = services.config.data_dir / "first-start-credentials.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        log.warning("first start: the admin password and kiosk links are in %s (delete it after use)", path)
    else:
        print(text, flush=True)  # noqa: T201 - stdout on purpose, not the log


async def warm_routes(app: ASGIApp) -> None:
    """Build every route before the first user arrives.

    FastAPI prepares an included router's routes (dependencies, models) on the first request that
    reaches it: half a second per router on a two-core box, several seconds while the start-up
    catch-up jobs hold the CPU, so a leader's first click could time out. One in-process request
    for a path nothing serves walks every router and builds them all."""
    # Their lines (the 404, the request) would only puzzle whoever reads the start-up log.
    quiet = [logging.getLogger(name) for name in ("api.app", "httpx")]
    was = [logger.disabled for logger in quiet]
    for logger in quiet:
        logger.disabled = True
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://watchd.warm-up") as client:
            await client.get("/.well-known/watchd-warm-up")
    finally:
        for logger, disabled in zip(quiet, was, strict=True):
            logger.disabled = disabled


async def _serve(daemon: Daemon) -> None:
    services = daemon.services
    server_cfg = services.config.settings.server
    scheme = "https" if server_cfg.tls_cert else "http"
    _first_start_credentials(services, f"{scheme}://{server_cfg.host}:{server_cfg.port}")
    app = create_app(services)
    await warm_routes(app)
    config = uvicorn.Config(
        app, host=server_cfg.host, port=server_cfg.port, log_level="warning", access_log=False,
        ssl_certfile=str(server_cfg.tls_cert) if server_cfg.tls_cert else None,
        ssl_keyfile=str(server_cfg.tls_key) if server_cfg.tls_key else None,
        timeout_graceful_shutdown=5,  # open dashboard streams must not hold up a stop
    )
    server = uvicorn.Server(config)
    await daemon.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))

    async def announce_ready() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        log.info("watchd serving on %s://%s:%d", scheme, server_cfg.host, server_cfg.port)
        daemon.ready(server_cfg.port)

    ready_task = asyncio.create_task(announce_ready())
    try:
        await server.serve()
    finally:
        ready_task.cancel()
        await daemon.stop()


def serve(daemon: Daemon) -> int:
    """Serve the built daemon (watchd.app.build_daemon) until SIGTERM or SIGINT; close it after."""
    try:
        asyncio.run(_serve(daemon))
    finally:
        daemon.close()
    log.info("watchd stopped")
    return 0
