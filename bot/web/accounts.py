"""Desk accounts: argon2 password hashes, disabling, and the pause after too many wrong passwords."""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select

from bot.storage import models as m
from bot.storage.session import Session

MAX_FAILURES = 5  # wrong passwords in a row before the account pauses
PAUSE = timedelta(minutes=15)
_hasher = PasswordHasher()


@functools.cache
def dummy_hash() -> str:
    """What a login for an unknown name is verified against, so that it takes as long as a wrong password. Made
    once, when the desk starts (create_app) — not by every `dudao` command that merely imports this module: an
    argon2 hash costs ~0.2 s."""
    return _hasher.hash("not a password: evens out the time a login for an unknown name takes")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


async def find_person(session: Session, who: str) -> list[m.Person]:
    """Active roster people matching a roster id, a name or a chat id."""
    return list(await session.scalars(select(m.Person).where(
        m.Person.active, or_(m.Person.key == who, m.Person.name == who, m.Person.chat_id == who))))


async def account_of(session: Session, person: m.Person) -> m.WebAccount | None:
    return await session.scalar(select(m.WebAccount).where(m.WebAccount.person_id == person.id))


async def set_password(session: Session, person: m.Person, password: str, now: datetime) -> m.WebAccount:
    """Create the person's account, or give it a new password (which ends its sessions and lifts a pause)."""
    account = await account_of(session, person)
    if account is None:
        account = m.WebAccount(person_id=person.id, username=person.key, password_hash=hash_password(password),
                               active=True, epoch=1, failures=0, created_at=now, updated_at=now)
        session.add(account)
    else:
        account.password_hash, account.active, account.failures = hash_password(password), True, 0
        account.paused_until, account.epoch, account.updated_at = None, account.epoch + 1, now
    await session.flush()
    return account


async def disable(session: Session, person: m.Person, now: datetime) -> bool:
    account = await account_of(session, person)
    if account is None:
        return False
    account.active, account.epoch, account.updated_at = False, account.epoch + 1, now
    return True


@dataclass(frozen=True)
class LoginResult:
    account: m.WebAccount | None = None
    paused_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


async def check_login(session: Session, username: str, password: str, now: datetime) -> LoginResult:
    """Verify a login in the caller's transaction; count failures and pause at MAX_FAILURES. An unknown or
    disabled name is answered like a wrong password (and takes as long)."""
    account = await session.scalar(select(m.WebAccount).where(m.WebAccount.username == username))
    if account is None or not account.active:
        _verify(dummy_hash(), password)
        return LoginResult()
    if account.paused_until is not None and now < account.paused_until:
        return LoginResult(paused_until=account.paused_until)
    if not _verify(account.password_hash, password):
        account.failures += 1
        if account.failures >= MAX_FAILURES:
            account.failures, account.paused_until = 0, now + PAUSE
            return LoginResult(paused_until=account.paused_until)
        return LoginResult()
    account.failures, account.paused_until = 0, None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return LoginResult(account=account)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
