"""The audit log (table audit_log): who logged in, failed to, was throttled, logged out (one device or all), and
downloaded which file — and, through `record`, whatever later desk actions add. Read by the office at /audit;
pruned after AUDIT_RETENTION_DAYS (the desk does it when it starts and once a day: bot/web/desk.py).

What an anonymous client typed (a username, a query string) is hostile text: `clean` strips control and format
characters (newlines, bidi overrides) and caps its length before it is stored, logged or shown (the page
autoescapes it too)."""
from __future__ import annotations

import logging
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bot.storage import models as m
from bot.storage.session import Session

log = logging.getLogger("dudao.audit")

# the kinds written so far (the /audit page names them in Chinese: bot/web/templates/audit.html)
LOGIN, LOGIN_FAILED, LOGIN_THROTTLED = "login", "login_failed", "login_throttled"
LOGOUT, LOGOUT_ALL, DOWNLOAD = "logout", "logout_all", "download"
PASSWORD_SET, ACCOUNT_DISABLED = "password_set", "account_disabled"
ACCOUNT_CREATED, PASSWORD_CHANGED, PASSWORD_CHANGE_FAILED = "account_created", "password_changed", \
    "password_change_failed"
KINDS = (LOGIN, LOGIN_FAILED, LOGIN_THROTTLED, LOGOUT, LOGOUT_ALL, DOWNLOAD, PASSWORD_SET, ACCOUNT_DISABLED,
         ACCOUNT_CREATED, PASSWORD_CHANGED, PASSWORD_CHANGE_FAILED)

ACTOR_CAP, ADDRESS_CAP, DETAIL_CAP = 64, 64, 300


def clean(text: object, cap: int) -> str:
    """`text` without control, format, surrogate, private-use or unassigned characters, at most `cap` long."""
    kept = "".join(c if not unicodedata.category(c).startswith("C") else "" for c in str(text or "")[:cap * 4])
    return kept.strip()[:cap]


async def record(session: Session, kind: str, actor: str, detail: str = "", *, at: datetime,
                 address: str = "") -> None:
    """One entry, in the caller's transaction (written when it commits). `actor`: the account's username, or the
    name as typed (cleaned here); `detail`: what else matters (a download's path and query)."""
    entry = m.AuditEntry(at=at, kind=kind[:40], actor=clean(actor, ACTOR_CAP), address=clean(address, ADDRESS_CAP),
                         detail=clean(detail, DETAIL_CAP))
    session.add(entry)
    log.info("audit %s actor=%r address=%s detail=%r", entry.kind, entry.actor, entry.address or "-", entry.detail)


async def prune(session: Session, now: datetime, days: int) -> int:
    """Delete the entries older than `days`; how many went."""
    result = await session.execute(delete(m.AuditEntry).where(m.AuditEntry.at < now - timedelta(days=days)))
    return int(result.rowcount or 0)


async def page(session: Session, number: int, size: int, kind: str | None = None) -> tuple[list[m.AuditEntry], int]:
    """The entries of page `number` (1 = the newest `size`), optionally of one kind, and how many there are."""
    where = [m.AuditEntry.kind == kind] if kind else []
    total = int(await session.scalar(select(func.count()).select_from(m.AuditEntry).where(*where)) or 0)
    rows = await session.scalars(select(m.AuditEntry).where(*where)
                                 .order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc())
                                 .offset((number - 1) * size).limit(size))
    return list(rows), total
