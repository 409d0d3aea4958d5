"""Users and their login tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watchd.db.models import AuthToken, User


class AuthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_users(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(User)) or 0)

    def user_by_name(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def add_user(self, username: str, password_hash: str, role: str, now: datetime) -> User:
        row = User(username=username, password_hash=password_hash, role=role, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def add_token(self, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        self.session.add(AuthToken(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))

    def user_for_token(self, token_hash: str, now: datetime) -> User | None:
        return self.session.scalars(
            select(User)
            .join(AuthToken, AuthToken.user_id == User.id)
            .where(AuthToken.token_hash == token_hash, AuthToken.expires_at > now, User.disabled.is_(False))
        ).first()

    def revoke_token(self, token_hash: str) -> None:
        self.session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash))

    def purge_expired(self, now: datetime) -> None:
        self.session.execute(delete(AuthToken).where(AuthToken.expires_at <= now))
