"""Desk sessions held by the server (table web_sessions): the cookie carries a random token, the table only its
SHA-256. A session ends when its row goes — logout, 退出所有设备, a new password, disabling — or by itself:
WEB_SESSION_HOURS without use (idle) or WEB_SESSION_MAX_HOURS after the login (absolute), whichever comes first.
Use moves the idle timer on, written at most once a RENEW_EVERY (not on every request)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from bot.settings import Settings
from bot.storage import models as m
from bot.storage.session import Session

RENEW_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits(settings: Settings) -> tuple[timedelta, timedelta]:
    return timedelta(hours=settings.web_session_hours), timedelta(hours=settings.web_session_max_hours)


async def open_session(session: Session, account_id: int, now: datetime) -> str:
    """A new session for the account; the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    session.add(m.WebSession(token_hash=token_hash(token), account_id=account_id, created_at=now, last_seen_at=now))
    await session.flush()
    return token


async def find(session: Session, token: object, now: datetime, settings: Settings) -> m.WebSession | None:
    """The live session of a cookie's token, or None (no token, unknown, ended, idle too long, too old)."""
    if not isinstance(token, str) or not token:
        return None
    held = await session.scalar(select(m.WebSession).where(m.WebSession.token_hash == token_hash(token)))
    idle, longest = _limits(settings)
    if held is None or now >= held.last_seen_at + idle or now >= held.created_at + longest:
        return None
    return held


async def touch(session: Session, held: m.WebSession, now: datetime) -> bool:
    """Move the idle timer on, when it was last moved RENEW_EVERY or more ago; True if it wrote."""
    if now - held.last_seen_at < RENEW_EVERY:
        return False
    await session.execute(update(m.WebSession).where(m.WebSession.id == held.id,
                                                     m.WebSession.last_seen_at < now - RENEW_EVERY)
                          .values(last_seen_at=now))
    return True


async def end(session: Session, token: object) -> int | None:
    """End the session of a token; the account it was of (None: there was none)."""
    if not isinstance(token, str) or not token:
        return None
    held = await session.scalar(select(m.WebSession).where(m.WebSession.token_hash == token_hash(token)))
    if held is None:
        return None
    await session.execute(delete(m.WebSession).where(m.WebSession.id == held.id))
    return held.account_id


async def end_all(session: Session, account_id: int) -> int:
    """End every session of the account (退出所有设备, a new password, disabling); how many there were."""
    result = await session.execute(delete(m.WebSession).where(m.WebSession.account_id == account_id))
    return int(result.rowcount or 0)


async def prune(session: Session, now: datetime, settings: Settings) -> int:
    """Delete the sessions that have ended by themselves (their cookies open nothing already)."""
    idle, longest = _limits(settings)
    result = await session.execute(delete(m.WebSession).where(or_(m.WebSession.last_seen_at <= now - idle,
                                                                  m.WebSession.created_at <= now - longest)))
    return int(result.rowcount or 0)
