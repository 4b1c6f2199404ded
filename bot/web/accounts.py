"""Desk accounts: argon2 password hashes (checked off the event loop: `Hasher`), the password policy, new passwords
and disabling (both end the account's sessions)."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select

from bot.storage import models as m
from bot.storage.session import Session
from bot.web.sessions import end_all

# argon2id at RFC 9106's second recommended cost (t=3, 64 MiB) on one lane: parallelism does not make a guess dearer
# for an attacker, only spreads the defender's check over threads — with 4 lanes one check filled both cores of a
# small server and a login flood from many addresses delayed chat replies (benchmarks/login_flood.py); on one lane
# the other core stays free. A hash made with other parameters is remade at its next good login (needs_rehash).
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)


@functools.cache
def dummy_hash() -> str:
    """What a login for an unknown name is verified against, so that it takes as long as a wrong password. Made
    once, when the desk starts (create_app) — not by every `dudao` command that merely imports this module: an
    argon2 hash costs ~0.2 s."""
    return _hasher.hash("not a password: evens out the time a login for an unknown name takes")


MIN_PASSWORD, MAX_PASSWORD = 8, 200  # characters; a generated one has 16


def password_problem(password: str, username: str) -> str | None:
    """Why a password a person chose will not do (a key the page words), or None: long enough (MIN_PASSWORD), not
    too long for the login form (MAX_PASSWORD), not the username, not one character repeated."""
    if len(password) < MIN_PASSWORD:
        return "short"
    if len(password) > MAX_PASSWORD:
        return "long"
    if password.strip().lower() == username.strip().lower() or len(set(password)) == 1:
        return "weak"
    return None


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


async def set_password(session: Session, person: m.Person, password: str, now: datetime, *,
                       hashed: str | None = None) -> m.WebAccount:
    """Create the person's account, or give it a new password (which ends its sessions at once). `hashed`: the
    password's hash made already (the desk makes it off the event loop: Hasher)."""
    account = await account_of(session, person)
    hashed = hashed or hash_password(password)
    if account is None:
        account = m.WebAccount(person_id=person.id, username=person.key, password_hash=hashed,
                               active=True, created_at=now, updated_at=now)
        session.add(account)
    else:
        account.password_hash, account.active, account.updated_at = hashed, True, now
        await end_all(session, account.id)
    await session.flush()
    return account


async def disable(session: Session, person: m.Person, now: datetime) -> bool:
    """Disable the person's account; its sessions end at once."""
    account = await account_of(session, person)
    if account is None:
        return False
    account.active, account.updated_at = False, now
    await end_all(session, account.id)
    return True


async def find_account(session: Session, username: str) -> m.WebAccount | None:
    return await session.scalar(select(m.WebAccount).where(m.WebAccount.username == username))


def verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


def _lower_priority() -> None:
    """Run in each hashing thread as it starts: on Linux, nice 19 for this thread (and the threads argon2 starts
    from it for its lanes, which inherit it), so that a flood of logins takes only CPU time the event loop —
    pages, chat replies — does not want. Elsewhere nothing (a thread id is not a process id there)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class Hasher:
    """Password hashing off the event loop: at most `threads` hashes at once, each in a thread of its own pool, at
    the lowest CPU priority (argon2-cffi releases the GIL while it hashes, so the loop keeps serving pages and chat
    meanwhile); more wait their turn in the pool's queue, without blocking anything. A throttled login never gets
    here (bot/web/throttle.py)."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dudao-hash",
                                        initializer=_lower_priority)

    async def verify(self, hashed: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._pool, verify, hashed, password)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, hash_password, password)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
