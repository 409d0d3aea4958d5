"""ZKTeco ADMS ("PUSH", iclock) endpoints: registered terminals post their punches here.

The protocol authenticates a terminal by its serial number only (that is how ADMS works): a
request is accepted only for a serial registered as a `zkteco_adms` device, and, when that device
has `allow_ips`, only from those addresses. Every endpoint answers at its
push-3 path (`/iclock/cdata`) and at the push-2.x one (`/iclock/cdata.aspx`, eSSL and older
ZKTeco firmware), and takes the serial as `SN=` or `sn=`. Replies are the plain-text bodies terminals expect;
watchd never sends a terminal a command. Errors are plain text too ("ERROR: <code>: <reason>"),
with a status a terminal treats as failure, so it keeps its punches and retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from devices.adms.config import AdmsConfig
from devices.adms.protocol import (
    decode_body,
    find_device,
    firmware_of,
    ip_allowed,
    options_reply,
    parse_attlog,
)
from watchd.app import Services
from watchd.errors import ServiceError

log = logging.getLogger(__name__)
router = APIRouter(prefix="/iclock", tags=["adms"])
MAX_BODY = 2 * 1024 * 1024
MAX_SERIAL = 64


def _serial(request: Request) -> str | None:
    """The serial number: `SN=` as the protocol spells it, or `sn=` as some push-2.x firmware does."""
    return request.query_params.get("SN") or request.query_params.get("sn")


Serial = Annotated[str | None, Depends(_serial)]
_PLAIN = {"text/plain": {"schema": {"type": "string"}}}
_SERIAL_PARAMETER = {
    "name": "SN", "in": "query", "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_SERIAL},
    "description": "Terminal serial number (lower-case `sn` is accepted too, as some firmware sends it)",
}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Plain-text answer the terminal expects", "content": _PLAIN},
    400: {"description": "ERROR: bad_request: the serial number is missing or too long", "content": _PLAIN},
    403: {"description": "ERROR: unknown_device or address_not_allowed", "content": _PLAIN},
}


def _iclock(
    method: str, name: str, more: dict[int | str, dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve one endpoint at /iclock/<name> and at /iclock/<name>.aspx (push 2.x firmware, eSSL terminals)."""
    route = router.get if method == "GET" else router.post
    responses = {**_ANSWERS, **(more or {})}

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for path in (f"/{name}", f"/{name}.aspx"):
            handler = route(
                path, response_class=PlainTextResponse, responses=responses,
                openapi_extra={"parameters": [_SERIAL_PARAMETER]},
            )(handler)
        return handler

    return register


def _text(body: str, status: int = 200) -> PlainTextResponse:
    return PlainTextResponse(body, status_code=status)


def _error(status: int, code: str, reason: str) -> PlainTextResponse:
    return _text(f"ERROR: {code}: {reason}\n", status)


async def _device(services: Services, serial: str | None, request: Request) -> AdmsConfig | PlainTextResponse:
    address = request.client.host if request.client else None
    if not serial or len(serial) > MAX_SERIAL:
        return _error(400, "bad_request", f"SN (the serial number, at most {MAX_SERIAL} characters) is missing")
    device = find_device(services.config.settings.devices, serial)
    if device is None:
        if await run_in_threadpool(services.punches.note_unknown_serial, serial, address):
            log.warning("ADMS %s %s from %s: unknown serial number %r refused", request.method, request.url.path, address, serial)
        return _error(403, "unknown_device", f"serial number {serial} is not registered")
    if not ip_allowed(device, address):
        log.warning("ADMS %s from %s: address not allowed for device %s", serial, address, device.id)
        return _error(403, "address_not_allowed", f"address {address} may not call as {serial}")
    return device


async def _contact(services: Services, device: AdmsConfig, firmware: str | None = None) -> None:
    await run_in_threadpool(
        services.punches.device_contact, device.id, timeout_s=device.offline_after_s, serial=device.serial,
        firmware=firmware,
    )


async def _read_body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@_iclock("GET", "cdata")
async def cdata_options(
    request: Request, services: ServicesDep, serial: Serial,
    options: Annotated[str | None, Query(max_length=20)] = None,
    pushver: Annotated[str | None, Query(max_length=40)] = None,
) -> PlainTextResponse:
    """The terminal starts up and asks for its options (where to resume, how often to call)."""
    device = await _device(services, serial, request)
    if isinstance(device, PlainTextResponse):
        return device
    await _contact(services, device)
    stamp = await run_in_threadpool(services.punches.position, device.id)
    log.info("ADMS terminal %s (%s) asked for options (push version %s)", device.id, serial, pushver or "?")
    return _text(options_reply(device, stamp=stamp, now=services.clock()))


@_iclock("POST", "cdata", {413: {"description": f"ERROR: too_large: body over {MAX_BODY} bytes", "content": _PLAIN}})
async def cdata_upload(
    request: Request, services: ServicesDep, serial: Serial,
    table: Annotated[str, Query(max_length=20)] = "",
    stamp: Annotated[str | None, Query(alias="Stamp", max_length=40)] = None,
) -> PlainTextResponse:
    """Uploaded records. Punches (table ATTLOG) are stored; other tables are acknowledged and dropped."""
    device = await _device(services, serial, request)
    if isinstance(device, PlainTextResponse):
        return device
    body = await _read_body(request)
    if body is None:
        log.warning("ADMS %s: upload over %d bytes refused", device.id, MAX_BODY)
        return _error(413, "too_large", f"body over {MAX_BODY} bytes")
    await _contact(services, device)
    if table.upper() != "ATTLOG":
        return _text("OK\n")
    upload = parse_attlog(decode_body(body), device)
    for bad in upload.bad_lines[:20]:
        log.warning("ADMS %s: upload line %d not stored: %s: %s", device.id, bad.number, bad.problem, bad.text)
    if len(upload.bad_lines) > 20:
        log.warning("ADMS %s: %d more unusable lines in the same upload", device.id, len(upload.bad_lines) - 20)
    position = stamp if stamp and stamp.isdigit() else None
    try:
        report = await run_in_threadpool(
            services.punches.ingest, device.id, upload.punches, position=position, synced_at=services.clock()
        )
    except ServiceError as exc:
        return _error(exc.status, exc.code, exc.message)
    log.info(
        "ADMS %s: %d lines, %d new punches, %d unusable lines", device.id, upload.lines_taken + len(upload.bad_lines),
        report.stored, len(upload.bad_lines),
    )
    return _text(f"OK: {upload.lines_taken + len(upload.bad_lines)}\n")


@_iclock("GET", "getrequest")
async def get_request(
    request: Request, services: ServicesDep, serial: Serial,
    info: Annotated[str | None, Query(alias="INFO", max_length=500)] = None,
) -> PlainTextResponse:
    """The terminal's heartbeat, asking for commands. There never are any."""
    device = await _device(services, serial, request)
    if isinstance(device, PlainTextResponse):
        return device
    await _contact(services, device, firmware_of(info))
    return _text("OK\n")


@_iclock("POST", "devicecmd")
async def device_command_result(request: Request, services: ServicesDep, serial: Serial) -> PlainTextResponse:
    """A command result (watchd sends none; acknowledged so the terminal does not retry)."""
    device = await _device(services, serial, request)
    if isinstance(device, PlainTextResponse):
        return device
    await _read_body(request)
    await _contact(services, device)
    return _text("OK\n")


@_iclock("GET", "ping")
async def ping(request: Request, services: ServicesDep, serial: Serial) -> PlainTextResponse:
    device = await _device(services, serial, request)
    if isinstance(device, PlainTextResponse):
        return device
    await _contact(services, device)
    return _text("OK\n")
