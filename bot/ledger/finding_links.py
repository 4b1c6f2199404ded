"""Personal links to one finding's phone page (issue #25 item 2; docs/design.md "Links to a finding").

A link is `<WEB_PUBLIC_URL>/l/<token>`: a random token, stored only as its SHA-256 (table finding_links), bound to
one person and one finding. It is good until the finding is closed or withdrawn, for at most MAX_DAYS, and until a
newer link for the same person and finding revokes it. What it opens, and what it lets the person do there, is the
desk's (bot/web/link_view.py): that finding's page and that person's permitted actions, nothing else."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.storage.session import Session

MAX_DAYS = 30
DAY = timedelta(days=1)
PATH = "/l/"
# why a token opens nothing (the desk words each one politely)
UNKNOWN, EXPIRED, REVOKED, FINISHED = "unknown", "expired", "revoked", "finished"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}{token}"


async def issue(session: Session, *, person_id: int, finding: m.Finding, now: datetime) -> str:
    """A new link for the person to the finding (the older ones of theirs to it are revoked); its token."""
    await session.execute(update(m.FindingLink).where(m.FindingLink.person_id == person_id,
                                                      m.FindingLink.finding_id == finding.id,
                                                      m.FindingLink.revoked_at.is_(None))
                          .values(revoked_at=now))
    token = secrets.token_urlsafe(24)
    session.add(m.FindingLink(token_hash=token_hash(token), person_id=person_id, finding_id=finding.id,
                              issued_at=now, expires_at=now + MAX_DAYS * DAY))
    await session.flush()
    return token


@dataclass(frozen=True)
class Held:
    """A token's link and finding when it holds, else `problem` says why not."""

    link: m.FindingLink | None = None
    finding: m.Finding | None = None
    problem: str | None = None


async def find(session: Session, token: object, now: datetime) -> Held:
    """What a token opens now (UNKNOWN for anything that is not a token we issued)."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        return Held(problem=UNKNOWN)
    link = await session.scalar(select(m.FindingLink).where(m.FindingLink.token_hash == token_hash(token)))
    if link is None:
        return Held(problem=UNKNOWN)
    finding = await session.get(m.Finding, link.finding_id)
    if link.revoked_at is not None:
        return Held(link, finding, REVOKED)
    if finding is None or finding.status in (ledger.CLOSED, ledger.WITHDRAWN):
        return Held(link, finding, FINISHED)
    if now >= link.expires_at:
        return Held(link, finding, EXPIRED)
    return Held(link, finding)
