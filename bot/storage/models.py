"""The tables. Findings' history is the append-only `finding_events`; nothing is deleted or overwritten there."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class County(Base):
    """The loaded county file (one row): its name, policy and calendar, and a version bumped on every roster change."""

    __tablename__ = "county"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]]
    calendar: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    loaded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(500), default="")


class District(Base):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DistrictLead(Base):
    """Who leads a district (责任区负责人); a table of its own keeps the foreign keys acyclic."""

    __tablename__ = "district_leads"
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_names: Mapped[list[Any]] = mapped_column(default=list)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    type: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # the roster id, e.g. "p-zhou"
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # 督导室 / 督学 / 校长 / 园长
    chat_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))  # a principal's school
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SupervisorSchool(Base):
    """Which schools a supervisor (责任督学) is assigned to."""

    __tablename__ = "supervisor_schools"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True, index=True)


class SchoolDistrictSpan(Base):
    """Which district a school belonged to, from `starts_at` until `ends_at` (None: still). Append-only: a move
    ends the open span and starts another; a deactivated school's span ends, a reactivated one starts anew."""

    __tablename__ = "school_district_spans"
    # (ends_at, starts_at, …): the spans valid at t or overlapping [a, b) from the index alone (open ones first);
    # at most one open span a school.
    __table_args__ = (
        Index("ix_school_district_spans_period", "ends_at", "starts_at", "school_id", "district_id"),
        Index("uq_school_district_spans_open", "school_id", unique=True,
              sqlite_where=text("ends_at IS NULL"), postgresql_where=text("ends_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class SupervisionSpan(Base):
    """Which supervisor held which school, from `starts_at` until `ends_at` (None: still). Append-only."""

    __tablename__ = "supervision_spans"
    __table_args__ = (
        Index("ix_supervision_spans_period", "ends_at", "starts_at", "person_id", "school_id"),
        Index("uq_supervision_spans_open", "person_id", "school_id", unique=True,
              sqlite_where=text("ends_at IS NULL"), postgresql_where=text("ends_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class Room(Base):
    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    scope: Mapped[str | None] = mapped_column(String(20))  # office / district / school; None = unbound
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    source: Mapped[str] = mapped_column(String(10), default="file")  # file (county file) / chat (#本群)
    webhook_key: Mapped[str | None] = mapped_column(String(200))  # WeCom group robot key (county file)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invite(Base):
    """A one-time code the office gives a person to bind their chat account (#绑定)."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(200))


class BindFailure(Base):
    """A #绑定 with a wrong or expired code: too many from one account in an hour and it must wait."""

    __tablename__ = "bind_failures"
    __table_args__ = (Index("ix_bind_failures_chat_at", "chat_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


APPEALED = text("appealed_at IS NOT NULL")


class Finding(Base):
    """A finding (问题). `number` is the user-facing id: Q1, Q2, …"""

    __tablename__ = "findings"
    # (status, deadline_at) ranges; id and due_date make it covering for the reminders' scans of open findings.
    # (school_id, number): a school's or a district's findings in ledger order, from the index alone (the desk's page).
    # appealed_at: the few appeals waiting, found without a scan (partial: the findings with none are not in it).
    __table_args__ = (Index("ix_findings_status_deadline", "status", "deadline_at", "id", "due_date"),
                      Index("ix_findings_school_number", "school_id", "number"),
                      # a school's (or a supervisor's schools') findings in a state, due by a time, appealed or not:
                      # the desk's 我的待办 and the ledger's state filters counted from the index alone
                      Index("ix_findings_school_status", "school_id", "status", "deadline_at", "appealed_at"),
                      Index("ix_findings_appealed", "appealed_at", sqlite_where=APPEALED, postgresql_where=APPEALED))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    category: Mapped[str] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # open / rectified / closed / withdrawn
    deadline_at: Mapped[datetime]  # exclusive: the first instant it is overdue
    due_date: Mapped[date] = mapped_column(Date)  # the county-local date it is due by the end of
    finder_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    rectified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    # 来源 (bot.domain.sources): routine (经常性督导) unless the finding came from elsewhere
    source: Mapped[str] = mapped_column(String(20), default="routine", server_default="routine")
    # 申诉中: when the appeal now waiting for the office's decision was made (None: none waits). A flag over the
    # state, set by the `appealed` event and cleared by `appeal_decided`; the events are its history.
    appealed_at: Mapped[datetime | None]
    # the 专项督导 campaign whose checklist found it (a 不符合 item); None for every other finding
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)


class FindingEvent(Base):
    """One change to a finding: who, when, from which message, the raw text. Append-only."""

    __tablename__ = "finding_events"
    __table_args__ = (Index("ix_finding_events_kind_at", "kind", "at"),)  # the 考核's verifications of a period
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(200))
    raw_text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FindingText(Base):
    """The words a finding is searched by on the desk: its description and the notes of its rectification reports,
    one narrow row a finding. Kept by the database's triggers (alembic 0014), whichever code writes the finding or
    its events; nothing in the code writes it."""

    __tablename__ = "finding_texts"
    finding_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)


class Evidence(Base):
    """A photo or file sent as rectification evidence, stored on disk under its checksum."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_sender_room_at", "sender_chat_id", "room_chat_id", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("finding_events.id"))
    sender_chat_id: Mapped[str] = mapped_column(String(200))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    mime: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(200))
    # authenticity hints (bot.ledger.photo_hash): the dHash and its four 16-bit bands, each indexed so a new photo
    # finds its near copies among 100,000 in milliseconds; the EXIF 拍摄时间 and GPS when the file had them
    phash: Mapped[int | None] = mapped_column(BigInteger)
    phash_b0: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_b1: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_b2: Mapped[int | None] = mapped_column(Integer, index=True)
    phash_b3: Mapped[int | None] = mapped_column(Integer, index=True)
    taken_at: Mapped[datetime | None]
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    # the photos of a command that failed wait for the corrected one: "problem" — they came with a failed #问题 and
    # are the 问题照片 of the sender's next #问题 (bot.ledger.evidence.HELD_FOR_PROBLEM); None for any other photo
    held_for: Mapped[str | None] = mapped_column(String(20))


class Visit(Base):
    """A supervisor's school visit (到校)."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str | None] = mapped_column(String(200))


class Submission(Base):
    """A report: 自查 / 月报 / 汇总 / 开学检查. A later one for the same period supersedes the earlier."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_kind_period", "kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(50))  # "2024-03", or a term name
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(200))


class HandledMessage(Base):
    """Every inbound message handled, by its dedupe key: a key seen twice is not handled twice."""

    __tablename__ = "handled_messages"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    handled_at: Mapped[datetime]
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    sender_chat_id: Mapped[str] = mapped_column(String(200))


class OutboxMessage(Base):
    """A reply or reminder to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    to_chat_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(default=list)
    mention_names: Mapped[list[Any]] = mapped_column(default=list)
    files: Mapped[list[Any]] = mapped_column(default=list)
    in_reply_to: Mapped[str | None] = mapped_column(String(200))
    buttons: Mapped[list[Any] | None]  # [[label, command], …]: a tap runs the command (where there are buttons)
    # the id of the card that carries the buttons (bot.messages.card_id of the key): a tap names it, and the row
    # is what updating the card needs — its text, buttons and conversation — after a restart too
    card: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    # pending / sending (claimed by the sender, between the claim and the platform's answer) / sent / dead / cancelled
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class PrivateChat(Base):
    """A person who has written to the bot in a private chat (a platform may let the bot write first only there
    once they have: WeCom's private copy of a card goes only to them). Recorded with the message, kept for good."""

    __tablename__ = "private_chats"
    chat_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    since: Mapped[datetime]


class AwaitedReason(Base):
    """A 不通过 / 驳回 tapped on a card, waiting (until `until`) for its reason: the person's next message to the bot
    is it (bot.routing.awaiting). One a person: a newer tap replaces it."""

    __tablename__ = "awaited_reasons"
    __table_args__ = (UniqueConstraint("sender_chat_id", name="uq_awaited_reasons_sender"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_chat_id: Mapped[str] = mapped_column(String(200))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    command: Mapped[str] = mapped_column(Text)  # the command the reason completes (#验收 Q3 不通过)
    created_at: Mapped[datetime]
    until: Mapped[datetime]


class Counter(Base):
    """A running count the operator may ask for (e.g. replies sent again after a crash in the middle of a send)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ReminderSent(Base):
    """Every bot-initiated message step, recorded when queued: a key seen once is never sent again.

    key: what and which step, e.g. "ladder:Q12:1", "monthly:月报:2024-03:remind:p-li", "digest:weekly:2024-W13".
    """

    __tablename__ = "reminders_sent"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    step: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)  # caught up past it: recorded, not sent
    at: Mapped[datetime]


class Leave(Base):
    """A person on leave (请假): reminders go to their district lead; the monthly cycle does not count them missing."""

    __tablename__ = "leaves"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(200))


class WebAccount(Base):
    """A person's login to the office's web desk (`dudao user add`): an argon2 hash, never the password. Its open
    sessions are `WebSession` rows; a new password or disabling deletes them."""

    __tablename__ = "web_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebSession(Base):
    """A desk login, held by the server: the cookie carries a random token and this row only its SHA-256, so the
    table read by someone else opens no session. Deleting the row ends the session at once (logout, 退出所有设备,
    `dudao user passwd|disable`). It ends by itself WEB_SESSION_HOURS after `last_seen_at` (use moves it on, at most
    once a minute) and WEB_SESSION_MAX_HOURS after `created_at`, whatever the use."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("web_accounts.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class FindingLink(Base):
    """A personal link to one finding's phone page (issue #25 item 2, bot/ledger/links.py): the link carries a random
    token and this row only its SHA-256. It is good for `person_id` on `finding_id` until `expires_at` (at most 30
    days), until the finding is closed or withdrawn, or until `revoked_at` (a new link for the same person and
    finding revokes the older ones)."""

    __tablename__ = "finding_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_finding_links_person_finding", "person_id", "finding_id"),)


class AuditEntry(Base):
    """What happened at the desk and to desk accounts (bot/web/audit.py): logins, failed logins, throttled ones,
    logouts, downloads, account changes. `actor` is the account's username, or the name as typed by an anonymous
    client (neutralised); `address` the client's address. Pruned after AUDIT_RETENTION_DAYS."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")


class Bulletin(Base):
    """An issued 通报 (印发): the Word document exactly as issued (its bytes and their SHA-256) and the chat text,
    frozen at issue — never changed afterwards. `kind` is monthly (subject: the month, 2024-03) or, later, a 专项
    通报 (subject: the campaign). A correction (更正) is a new row that names the one it corrects (`corrects_id`);
    a 通报 is corrected at most once (the correction itself may be corrected). Drafts are never stored here."""

    __tablename__ = "bulletins"
    __table_args__ = (Index("ix_bulletins_kind_subject", "kind", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # monthly (专项 later)
    subject: Mapped[str | None] = mapped_column(String(100))  # the month "2024-03", later a campaign's id
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(100))  # the period as shown: 2024年3月
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(100), unique=True)  # 文号, normalised: 城督〔2024〕3号
    issued_on: Mapped[date] = mapped_column(Date)  # 印发日期 (county-local)
    issued_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    issued_at: Mapped[datetime]
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why a correction was made
    name: Mapped[str] = mapped_column(String(300))  # the file's name
    # read only when asked for (issued.document_of): a listing never loads the documents
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the chat text as issued
    message_id: Mapped[str | None] = mapped_column(String(200))


class Campaign(Base):
    """A 专项督导 campaign (bot/obligations/campaigns.py): a kind, a window of county days (both included), the schools
    it covers (`scope` and its `scope_ids`: districts or schools; none for all or kindergartens), a checklist
    (`CampaignItem`) and who checks (`checkers`: person ids; empty means each school's responsible supervisors).
    Declared in the county file (`source` file) or by the office in chat or on the desk (chat)."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # 立德树人 / 幼儿园办园行为 / 双减 / 开学 / 其他
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(20))  # all / districts / kindergartens / schools
    scope_ids: Mapped[list[Any]] = mapped_column(default=list)  # district or school ids, by `scope`
    checkers: Mapped[list[Any]] = mapped_column(default=list)  # person ids; [] = the schools' supervisors
    source: Mapped[str] = mapped_column(String(10), default="chat")  # file / chat
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignItem(Base):
    """One item of a campaign's checklist (检查项), numbered from 1 as the office listed them."""

    __tablename__ = "campaign_items"
    __table_args__ = (UniqueConstraint("campaign_id", "number", name="uq_campaign_items_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))


class CampaignResult(Base):
    """A school's result for one checklist item (符合 pass / 不符合 fail / 不适用 na) with its note, as a supervisor
    recorded it. A later result for the same item, before the school's check is complete, supersedes it (the row
    stays, `superseded_at` set); a 不符合 result's finding is `finding_id`."""

    __tablename__ = "campaign_results"
    __table_args__ = (Index("ix_campaign_results_campaign_school", "campaign_id", "school_id", "superseded_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("campaign_items.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    result: Mapped[str] = mapped_column(String(10))  # pass / fail / na
    note: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(200))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    superseded_at: Mapped[datetime | None]
