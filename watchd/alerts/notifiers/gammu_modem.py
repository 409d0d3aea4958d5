"""GSM modem through gammu (python-gammu): SMS for sites with no internet, and the replies to them.

watchd owns the modem: one gammu state machine, used from one worker thread (gammu is neither
thread-safe nor non-blocking), connected on first use and re-initialised after a device error.
Chinese text goes out as UCS-2, split into concatenated parts by gammu. Each `poll` reads the
modem's inbox, joins multi-part replies and deletes what it read, so a reply is returned once.

Outcomes: every part accepted (message reference from the network) → sent; device missing, busy or
unplugged, no network → retry; a timeout while a part was being sent → unknown; bad number or
data, SIM PIN refused → failed. For tests and demos, `model = "dummy"` with `connection = "none"`
and `device` a directory runs gammu's file-backed dummy phone.

With `ring_seconds` set the modem also places calls (the call chain): `DialVoice` rings the phone
and the call is cancelled after that many seconds. A ring carries no words and takes no key press
(gammu has no audio or DTMF): it wakes the leader, the text that goes with it says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field

from devices.secrets import MissingSecret, read_secret
from watchd.alerts.notifiers.base import (
    ChannelConfigBase,
    ChannelContext,
    Inbound,
    InboundReply,
    Outcome,
    OutgoingMessage,
    SecretName,
    SendResult,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# gammu errors meaning the modem or its link is not usable right now: drop the connection, try later.
DEVICE_ERRORS = frozenset({
    "ERR_DEVICEOPENERROR", "ERR_DEVICELOCKED", "ERR_DEVICENOTEXIST", "ERR_DEVICEBUSY", "ERR_DEVICENOPERMISSION",
    "ERR_DEVICENODRIVER", "ERR_DEVICENOTWORK", "ERR_DEVICEDTRRTSERROR", "ERR_DEVICECHANGESPEEDERROR",
    "ERR_DEVICEWRITEERROR", "ERR_DEVICEREADERROR", "ERR_DEVICEPARITYERROR", "ERR_NOTCONNECTED", "ERR_PHONEOFF",
    "ERR_TIMEOUT", "ERR_NOSIM", "ERR_UNKNOWNRESPONSE", "ERR_UNKNOWNFRAME",
})
# No answer after the command (and perhaps the PDU) went to the modem: it may have sent the part.
# A failed write, by contrast, never completes the PDU, and the modem sends nothing without it.
MAYBE_SENT = frozenset({"ERR_TIMEOUT", "ERR_DEVICEREADERROR"})
# Errors that will not go away by trying again on this modem: fail over.
PERMANENT_ERRORS = frozenset({
    "ERR_INVALIDDATA", "ERR_NOTSUPPORTED", "ERR_NOTIMPLEMENTED", "ERR_EMPTYSMSC", "ERR_SECURITYERROR",
    "ERR_UNKNOWNMODELSTRING", "ERR_UNKNOWNCONNECTIONTYPESTRING", "ERR_PERMISSION",
})


class GammuModemConfig(ChannelConfigBase):
    kind: Literal["gammu_modem"] = Field(title="Kind", description="GSM modem through gammu (python-gammu).")
    device: str = Field(
        "/dev/ttyUSB0", min_length=1, max_length=255, title="Device",
        description="Serial device of the modem, e.g. /dev/ttyUSB2 or /dev/serial/by-id/…; for the dummy "
        "model a directory.",
    )
    connection: str = Field(
        "at", pattern=r"^[a-z0-9-]{2,32}$", title="Connection",
        description="gammu connection type: at (115200 baud), at19200, …; none for the dummy model.",
    )
    model: str = Field(
        "", max_length=32, pattern=r"^[A-Za-z0-9_-]*$", title="Model",
        description="gammu model; empty: detect. dummy: gammu's file-backed test phone.",
    )
    smsc: str | None = Field(
        None, pattern=r"^\+?[0-9]{3,20}$", title="SMS centre",
        description="SMS centre number; empty: the one stored on the SIM.",
    )
    pin_env: SecretName | None = Field(
        None, title="SIM PIN", description="Environment variable (or systemd credential) holding the SIM PIN."
    )
    delete_read: bool = Field(
        True, title="Delete read replies",
        description="Delete replies from the modem once read, so each is handed over once and the SIM never fills.",
    )
    ring_seconds: float | None = Field(
        None, ge=1, le=120, title="Ring for",
        description="Also place calls (ring-only: no words, no key press): ring the phone this many seconds, "
        "then hang up. Empty: texts only.",
    )
    log_file: Path | None = Field(
        None, title="gammu log",
        description="gammu's own debug log (contains numbers and texts); relative to the data directory. "
        "Empty: off.",
    )


    def places_calls(self) -> bool:
        return self.ring_seconds is not None


def _gammu() -> Any:
    """python-gammu, imported on first use so the rest of watchd runs without it."""
    return importlib.import_module("gammu")


def _error_name(exc: BaseException) -> str:
    return type(exc).__name__


def _error_text(exc: BaseException) -> str:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return f"{type(exc).__name__} {info.get('Text', '')} ({info.get('Where', '')})".strip()


class GammuModemNotifier:
    kind: ClassVar[str] = "gammu_modem"

    def __init__(self, config: GammuModemConfig, context: ChannelContext) -> None:
        self.config = config
        self._log_file = None if config.log_file is None else context.data_dir / config.log_file
        self._executor: ThreadPoolExecutor | None = None
        self._machine: Any = None

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.call:
            result = await self._in_modem_thread(lambda: self._dial(message.recipient))
            if result.outcome == Outcome.sent and self.config.ring_seconds is not None:
                loop = asyncio.get_running_loop()
                loop.call_later(self.config.ring_seconds, lambda: loop.create_task(self._hang_up_later()))
            return result
        return await self._in_modem_thread(lambda: self._send(message))

    async def _hang_up_later(self) -> None:
        await self._in_modem_thread(self._hang_up)

    async def query(self, message: OutgoingMessage, provider_id: str | None) -> SendResult | None:
        return None  # the network keeps no record we could ask

    async def poll(self) -> Inbound:
        """Replies waiting in the modem's inbox (read once: deleted after reading)."""
        return await self._in_modem_thread(self._read_inbox)

    async def close(self) -> None:
        if self._executor is None:
            return
        await self._in_modem_thread(self._disconnect)
        self._executor.shutdown(wait=True)
        self._executor = None

    async def _in_modem_thread(self, work: Callable[[], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gammu-{self.config.id}")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    # --- everything below runs in the modem thread --------------------------------------------
    def _send(self, message: OutgoingMessage) -> SendResult:
        try:
            gammu = _gammu()
        except ImportError:
            return SendResult(outcome=Outcome.failed, detail="gammu: python-gammu is not installed")
        machine = self._connect(gammu)
        if isinstance(machine, SendResult):
            return machine
        try:
            parts = gammu.EncodeSMS({
                "Class": -1,
                "Unicode": not message.text.isascii(),
                "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": message.text}],
            })
        except gammu.GSMError as exc:
            return SendResult(outcome=Outcome.failed, detail=f"gammu: cannot encode the text: {_error_text(exc)}")
        smsc = {"Number": self.config.smsc} if self.config.smsc else {"Location": 1}
        references: list[str] = []
        for index, part in enumerate(parts):
            part["SMSC"] = smsc
            part["Number"] = message.recipient
            try:
                references.append(str(machine.SendSMS(part)))
            except gammu.GSMError as exc:
                return self._send_failure(exc, sent_parts=index, total=len(parts))
        return SendResult(
            outcome=Outcome.sent, provider_id="mr:" + ",".join(references),
            detail=f"gammu: {len(parts)} part(s) accepted by the network",
        )

    def _dial(self, number: str) -> SendResult:
        if self.config.ring_seconds is None:
            return SendResult(outcome=Outcome.failed, detail="gammu: ring_seconds is not set; this modem places no calls")
        try:
            gammu = _gammu()
        except ImportError:
            return SendResult(outcome=Outcome.failed, detail="gammu: python-gammu is not installed")
        machine = self._connect(gammu)
        if isinstance(machine, SendResult):
            return machine
        try:
            call_id = machine.DialVoice(number)
        except gammu.GSMError as exc:
            return self._send_failure(exc, sent_parts=0, total=1)
        return SendResult(
            outcome=Outcome.sent, provider_id=f"call:{call_id}",
            detail=f"gammu: ringing for {self.config.ring_seconds:g} s (no key press possible)",
        )

    def _hang_up(self) -> None:
        if self._machine is None:
            return
        try:
            # python-gammu hands the hang-up to the incoming-call callback and crashes the process
            # (segmentation fault) when none is set: set one that ignores it.
            self._machine.SetIncomingCallback(lambda *_event: None)
            self._machine.CancelCall(0, True)  # the AT driver cancels all calls only (AT+CHUP or ATH)
        except Exception as exc:  # gammu.GSMError; the callee may have hung up already
            log.info("gammu channel %s: hang up: %s", self.config.id, _error_text(exc))

    def _send_failure(self, exc: BaseException, *, sent_parts: int, total: int) -> SendResult:
        name = _error_name(exc)
        detail = f"gammu: part {sent_parts + 1}/{total}: {_error_text(exc)}"
        if name in DEVICE_ERRORS:
            self._disconnect()
        if name in MAYBE_SENT:
            return SendResult(outcome=Outcome.unknown, detail=detail)  # the modem may have sent it
        if sent_parts > 0:
            # The first parts reached the phone; only sending the whole text again completes it.
            return SendResult(outcome=Outcome.retry, detail=detail + " (earlier parts were sent)")
        if name in PERMANENT_ERRORS:
            return SendResult(outcome=Outcome.failed, detail=detail)
        return SendResult(outcome=Outcome.retry, detail=detail)

    def _read_inbox(self) -> Inbound:
        try:
            gammu = _gammu()
        except ImportError:
            return Inbound()
        machine = self._connect(gammu)
        if isinstance(machine, SendResult):
            return Inbound()
        try:
            messages = self._all_messages(gammu, machine)
            replies: list[InboundReply] = []
            for parts in gammu.LinkSMS(messages):
                first = parts[0]
                if first.get("InboxFolder") != 1 or first.get("Type") != "Deliver":
                    continue  # sent copies, drafts, status reports
                replies.append(InboundReply(
                    sender=str(first.get("Number", "")), text=self._text(gammu, parts),
                    received_at=self._received_at(first.get("DateTime")),
                ))
                if self.config.delete_read:
                    for part in parts:
                        machine.DeleteSMS(Folder=part["Folder"], Location=part["Location"])
        except gammu.GSMError as exc:
            log.warning("gammu channel %s: reading replies failed: %s", self.config.id, _error_text(exc))
            if _error_name(exc) in DEVICE_ERRORS:
                self._disconnect()
            return Inbound()
        return Inbound(replies=replies)

    @staticmethod
    def _all_messages(gammu: Any, machine: Any) -> list[list[dict[str, Any]]]:
        found: list[list[dict[str, Any]]] = []
        location: int | None = None
        while True:
            try:
                if location is None:
                    sms = machine.GetNextSMS(Folder=0, Start=True)
                else:
                    sms = machine.GetNextSMS(Folder=0, Location=location)
            except gammu.ERR_EMPTY:
                return found
            found.append(sms)
            location = sms[0]["Location"]

    @staticmethod
    def _text(gammu: Any, parts: list[dict[str, Any]]) -> str:
        decoded = gammu.DecodeSMS(parts)
        if decoded is not None:
            text = "".join(e.get("Buffer") or "" for e in decoded.get("Entries", []))
            if text:
                return str(text)
        return "".join(str(p.get("Text") or "") for p in parts)

    @staticmethod
    def _received_at(value: object) -> str:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.isoformat()
        return datetime.now(UTC).isoformat()  # the network's time stamp carried no zone: use ours

    def _connect(self, gammu: Any) -> Any:
        """The initialised state machine, or a SendResult saying why there is none."""
        if self._machine is not None:
            return self._machine
        machine = gammu.StateMachine()
        settings: dict[str, object] = {
            "Device": self.config.device, "Connection": self.config.connection, "Model": self.config.model,
        }
        if self._log_file is not None:
            self._log_file.parent.mkdir(parents=True, exist_ok=True)
            settings |= {"DebugFile": str(self._log_file), "DebugLevel": "textalldate", "UseGlobalDebugFile": 0}
        try:
            machine.SetConfig(0, settings)
            machine.Init()
        except gammu.GSMError as exc:
            name = _error_name(exc)
            outcome = Outcome.failed if name in PERMANENT_ERRORS else Outcome.retry
            return SendResult(outcome=outcome, detail=f"gammu: cannot open the modem: {_error_text(exc)}")
        if problem := self._unlock(gammu, machine):
            with contextlib.suppress(gammu.GSMError):
                machine.Terminate()
            return problem
        log.info("gammu channel %s: modem %s ready on %s", self.config.id, self._describe(gammu, machine), self.config.device)
        self._machine = machine
        return machine

    def _unlock(self, gammu: Any, machine: Any) -> SendResult | None:
        try:
            status = machine.GetSecurityStatus()
        except gammu.GSMError:
            return None  # the modem cannot tell (or needs nothing)
        if status in (None, "Ready"):
            return None
        if status != "PIN" or not self.config.pin_env:
            return SendResult(outcome=Outcome.failed, detail=f"gammu: the SIM asks for {status}")
        try:
            machine.EnterSecurityCode("PIN", read_secret(self.config.pin_env))
        except MissingSecret as exc:
            return SendResult(outcome=Outcome.failed, detail=f"gammu: channel {self.config.id}: {exc}")
        except gammu.GSMError as exc:
            return SendResult(outcome=Outcome.failed, detail=f"gammu: SIM PIN refused: {_error_text(exc)}")
        return None

    @staticmethod
    def _describe(gammu: Any, machine: Any) -> str:
        try:
            return f"{machine.GetManufacturer()} {machine.GetModel()[1]}"
        except gammu.GSMError:
            return "(unidentified)"

    def _disconnect(self) -> None:
        machine, self._machine = self._machine, None
        if machine is None:
            return
        try:
            machine.Terminate()
        except Exception as exc:  # gammu.GSMError; the modem may be gone already
            log.debug("gammu channel %s: terminate: %s", self.config.id, exc)
