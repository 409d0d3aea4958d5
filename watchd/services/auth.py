"""Administrator logins and device tokens. Secrets are hashed before they touch the database."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from devices.registry import Role, kinds_with
from watchd.db.repositories.audit import AuditRepository
from watchd.db.repositories.auth import AuthRepository
from watchd.db.repositories.sites import SitesRepository
from watchd.db.session import Database
from watchd.errors import Invalid, NotFound, Unauthorized

log = logging.getLogger(__name__)
KIOSK_KINDS = kinds_with(Role.kiosk)
ROLES = frozenset({"admin", "leader", "duty_officer", "cadre"})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class KioskIdentity:
    device_id: str
    site_id: str
    site_name: str
    kind: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime
    principal: Principal


class AuthService:
    def __init__(self, db: Database, clock: Callable[[], datetime], token_ttl: timedelta) -> None:
        self.db = db
        self.clock = clock
        self.token_ttl = token_ttl
        self.hasher = PasswordHasher()

    def ensure_first_admin(self) -> str | None:
        """Create the `admin` account with a random password when no user exists; return that password."""
        with self.db.unit_of_work() as s:
            repo = AuthRepository(s)
            if repo.count_users():
                return None
            password = secrets.token_urlsafe(12)
            repo.add_user("admin", self.hasher.hash(password), "admin", self.clock())
            return password

    def add_user(self, username: str, password: str, role: str, *, actor: str = "system") -> None:
        if role not in ROLES:
            raise Invalid("bad_role", f"role must be one of {sorted(ROLES)}")
        if len(password) < 10:
            raise Invalid("weak_password", "password must have at least 10 characters")
        with self.db.unit_of_work() as s:
            AuthRepository(s).add_user(username, self.hasher.hash(password), role, self.clock())
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="user.create", target_type="user", target_id=username,
                details={"role": role},
            )

    def login(self, username: str, password: str) -> IssuedToken:
        now = self.clock()
        with self.db.unit_of_work() as s:
            repo = AuthRepository(s)
            user = repo.user_by_name(username)
            try:
                if user is None or user.disabled:
                    raise VerificationError
                self.hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                log.warning("failed login for user %r", username)
                raise Unauthorized("bad_credentials", "wrong username or password") from None
            token = secrets.token_urlsafe(32)
            expires = now + self.token_ttl
            repo.purge_expired(now)
            repo.add_token(token_hash(token), user.id, now, expires)
            return IssuedToken(token, expires, Principal(user.id, user.username, user.role))

    def logout(self, token: str) -> None:
        with self.db.unit_of_work() as s:
            AuthRepository(s).revoke_token(token_hash(token))

    def principal(self, token: str) -> Principal:
        with self.db.read() as s:
            user = AuthRepository(s).user_for_token(token_hash(token), self.clock())
            if user is None:
                raise Unauthorized("not_authenticated", "missing, unknown or expired token")
            return Principal(user.id, user.username, user.role)

    def issue_device_token(self, device_id: str, *, actor: str = "system") -> str:
        """A new token for a kiosk (replacing any previous one). Shown once, stored hashed."""
        token = secrets.token_urlsafe(32)
        with self.db.unit_of_work() as s:
            repo = SitesRepository(s)
            device = repo.get_device(device_id)
            if device is None:
                raise NotFound("device_not_found", f"no device {device_id!r}")
            if device.kind not in KIOSK_KINDS:
                raise Invalid("not_a_kiosk", f"device {device_id!r} is a {device.kind}, not a kiosk")
            repo.set_device_token(device_id, token_hash(token), self.clock())
            AuditRepository(s).add(
                at=self.clock(), actor=actor, action="device.token", target_type="device", target_id=device_id
            )
        log.info("issued a new token for device %s", device_id)
        return token

    def kiosk(self, token: str) -> KioskIdentity:
        with self.db.read() as s:
            repo = SitesRepository(s)
            device = repo.device_by_token_hash(token_hash(token))
            if device is None or device.kind not in KIOSK_KINDS:
                raise Unauthorized("unknown_device", "unknown or revoked device token")
            site = repo.get_site(device.site_id)
            return KioskIdentity(device.id, device.site_id, site.name if site else device.site_id, device.kind)
