"""Codes for the imported rolls: printed on slips (each with a QR code of the vote link), or texted
through the alert outbox. A code is shown once, when it is made; only its HMAC is kept, so a lost
slip is replaced by issuing again (`reissue`), which voids the old code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from watchd.db.models import AppraisalRollEntry
from watchd.db.repositories.appraisal import AppraisalRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.domain.appraisal import CODE_GROUPS
from watchd.errors import Conflict, Invalid
from watchd.services.appraisal.codes import CodeKey, new_code, shown
from watchd.services.appraisal.rounds import Rounds
from watchd.services.appraisal.views import Slip

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CodeText:
    key: str  # written once into the outbox
    name: str
    phone: str
    text: str


class CodeTexts(Protocol):
    """Where texted codes go (the alert outbox), inside the unit of work that stores the code's hash."""

    def deliver(self, session: Session, message: CodeText) -> bool: ...


def vote_link(base_url: str, code: str) -> str:
    """The code rides in the fragment: browsers never send it in the page request, so no access log has it."""
    return f"{base_url.rstrip('/')}/vote#{shown(code)}"


class Issuing:
    def __init__(
        self,
        db: Database,
        rounds: Rounds,
        key: CodeKey,
        clock: Callable[[], datetime],
        texts: CodeTexts | None,
    ) -> None:
        self.db = db
        self.rounds = rounds
        self.key = key
        self.clock = clock
        self.texts = texts

    def slips(
        self, round_id: int, group: str, base_url: str, *, village: str | None = None, reissue: bool = False
    ) -> list[Slip]:
        """New codes for the roll entries without one (every unused one with `reissue`), to print."""
        out: list[Slip] = []
        with self.db.unit_of_work() as s:
            for entry, code, village_name in self._issue(s, round_id, group, village, reissue, texted=False):
                out.append(
                    Slip(entry.entry_id, entry.name, village_name, shown(code), vote_link(base_url, code))
                )
        log.info("appraisal round %d: %d %s codes issued for printing", round_id, len(out), group)
        return out

    def send_texts(self, round_id: int, group: str, base_url: str, township: str) -> int:
        """A code by text message to each entry with a phone and no code yet."""
        if self.texts is None:
            raise Conflict("appraisal_no_texts", "no message channel is configured for texting codes")
        sent = 0
        with self.db.unit_of_work() as s:
            row = self.rounds.get(s, round_id)
            for entry, code, _ in self._issue(s, round_id, group, None, False, texted=True):
                text = (
                    f"【{township}驻村干部考核评议】{row.name}：请为驻村干部评议，每户一次，匿名。"
                    f"打开 {vote_link(base_url, code)} （评议码 {shown(code)}）"
                )
                key = f"appraisal:{round_id}:{group}:{entry.id}:{self.key.hash(code)[:12]}"
                sent += self.texts.deliver(
                    s, CodeText(key=key, name=entry.name, phone=entry.phone or "", text=text)
                )
        log.info("appraisal round %d: %d %s codes texted", round_id, sent, group)
        return sent

    def _issue(
        self, s: Session, round_id: int, group: str, village: str | None, reissue: bool, *, texted: bool
    ) -> list[tuple[AppraisalRollEntry, str, str]]:
        if group not in CODE_GROUPS:
            raise Invalid(
                "appraisal_bad_group", f"codes are issued for {CODE_GROUPS}, not {group!r}", field="group"
            )
        row = self.rounds.get(s, round_id)
        if self.clock() >= row.closes_at:
            raise Conflict("appraisal_closed", f"round {round_id} is closed")
        repo = AppraisalRepository(s)
        entries = [e for e in repo.roll(round_id, group, site_id=village) if not texted or e.phone]
        codes = repo.codes_of([e.id for e in entries])
        names = {v.id: v.name for v in SitesRepository(s).list_sites()}
        out: list[tuple[AppraisalRollEntry, str, str]] = []
        for entry in entries:
            existing = codes.get(entry.id)
            if existing is not None and (existing.used or not reissue):
                continue
            code = new_code()
            repo.set_code(entry.id, self.key.hash(code))
            out.append((entry, code, names.get(entry.site_id, entry.site_id)))
        return out
