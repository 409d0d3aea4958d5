"""`watchd run`: one asyncio loop with the HTTP server and the device supervisor."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import uvicorn

from api.app import create_app
from devices.registry import Role, has_role
from watchd.alerts.runner import AlertRunner
from watchd.app import Services, build_services
from watchd.cluster import LeaseKeeper, follow_gallery, node_name
from watchd.db.repositories.sites import SitesRepository
from watchd.ops.heartbeat import beat_event_loop
from watchd.ops.watchdog import start_watchdog
from watchd.pipeline.supervisor import DeviceSupervisor
from watchd.scheduling import build_scheduler
from watchd.services.config_audit import audit_config
from watchd.settings.load import LoadedConfig
from watchd.systemd import Notifier

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


async def _serve(services: Services) -> None:
    settings = services.config.settings
    server_cfg = settings.server
    scheme = "https" if server_cfg.tls_cert else "http"
    _first_start_credentials(services, f"{scheme}://{server_cfg.host}:{server_cfg.port}")
    await asyncio.to_thread(audit_config, services.db, services.config, services.clock, node_name(settings.cluster))
    app = create_app(services)
    config = uvicorn.Config(
        app, host=server_cfg.host, port=server_cfg.port, log_level="warning", access_log=False,
        ssl_certfile=str(server_cfg.tls_cert) if server_cfg.tls_cert else None,
        ssl_keyfile=str(server_cfg.tls_key) if server_cfg.tls_key else None,
        timeout_graceful_shutdown=5,  # open dashboard streams must not hold up a stop
    )
    server = uvicorn.Server(config)
    supervisor = DeviceSupervisor(
        list(settings.devices), services.checkins, services.engine, settings.liveness, services.clock,
        observations=services.alerts,  # camera motion, device offline, ... become incidents
        notices=services.notices,  # upkeep for the administrator, e.g. a camera's long keyframe interval
        punches=services.punches,
        duty=services.duty_watch, leased=True,
        heartbeats=services.runtime.heartbeats,
    )
    services.runtime.supervisor = supervisor
    supervisor.start()
    # Devices are leased to this node: all of them when it is alone, a fair share among several.
    leases_stop = asyncio.Event()
    keeper = LeaseKeeper(services.db, settings.cluster, supervisor)
    await keeper.tick()
    leases_task = asyncio.create_task(keeper.run(leases_stop), name="leases")
    gallery_task = asyncio.create_task(follow_gallery(services.people, leases_stop), name="gallery")
    scheduler = build_scheduler(services) if settings.attendance.scheduler_enabled else None
    if scheduler is not None:
        scheduler.start()
        services.runtime.scheduler_running = True
    alerts_stop = asyncio.Event()
    alerts_task = asyncio.create_task(
        AlertRunner(services.alerts, services.runtime.heartbeats).run(alerts_stop), name="alerts"
    )
    services.runtime.alert_runner_running = True
    loop_task = asyncio.create_task(beat_event_loop(services.runtime.heartbeats, alerts_stop), name="event-loop")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    systemd = Notifier()
    watchdog = start_watchdog(systemd, services.runtime.heartbeats)

    async def announce_ready() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        log.info("watchd serving on %s://%s:%d", scheme, server_cfg.host, server_cfg.port)
        systemd.ready(f"serving on port {server_cfg.port}, node {keeper.me.name}, {len(keeper.running)} devices")

    ready_task = asyncio.create_task(announce_ready())
    try:
        await server.serve()
    finally:
        systemd.stopping()
        if watchdog is not None:
            watchdog.stop()
        ready_task.cancel()
        leases_stop.set()
        await leases_task
        await gallery_task
        await supervisor.stop()
        if scheduler is not None:
            await scheduler.stop()
        alerts_stop.set()
        await alerts_task
        await loop_task


def serve(loaded: LoadedConfig) -> int:
    services = build_services(loaded)
    try:
        asyncio.run(_serve(services))
    finally:
        services.close()
    log.info("watchd stopped")
    return 0
