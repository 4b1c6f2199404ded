"""Acting from a finding's page: each form becomes the chat command it stands for (`#验收 Q3 通过`), handed to the
same handler as in chat through `Acts` (the bootstrap gives the desk the chat app's door: bot/cli/bootstrap.py
DeskActs) — one code path: the same permission check, state change, event, notices through the outbox, in one
transaction. The desk adds only what a web form needs: the CSRF token, a one-time token per form (the message's id:
a double submit is the same message, handled once), the finding's version (a form from before a change is refused,
saying what changed), and the photos of a rectification report (checked as chat checks them, bot.ledger.images).
What the handler says to the sender is shown on the page; what others must hear goes out as from chat."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.domain.permissions import Action, can
from bot.ledger import lifecycle as ledger
from bot.messages import Inbound, InboundFile
from bot.storage import models as m
from bot.storage.faults import DatabaseAway
from bot.storage.session import Session
from bot.web.page import csrf_ok
from bot.web.viewer import Viewer

ID_SCOPE = "desk"  # the message ids of desk commands: one-time form tokens, unique in this scope
MAX_PHOTOS = 9  # photos one rectification form takes (a chat burst is about as many)
MAX_FIELD = 2000  # characters of one text field (the command is capped again by MAX_MESSAGE_CHARS)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# free text that the id reader would take for more ids (`、Q5`): a full-width colon in front keeps it text
_LOOKS_LIKE_MORE_IDS = re.compile(r"^\s*([、,，/和及与]|[-~～至到])\s*[Qq]?\d")


class Acts(Protocol):
    """The chat app's door for the desk (bot.app.App.act behind it): handle a desk command as a chat message; the
    answers meant for the sender, rendered, or None when it was handled before (a double submit). Raises
    DatabaseAway when the database cannot take it now (nothing was done)."""

    async def act(self, inbound: Inbound) -> list[str] | None: ...


@dataclass(frozen=True)
class Form:
    """One action a finding's page offers: who may (the chat's permission), from which states (the closed loop),
    and whether it waits for an extension request (True), needs none to wait (False) or does not care (None)."""

    kind: str
    action: Action
    event: str
    request: bool | None = None


FORMS = {f.kind: f for f in (
    Form("rectify", Action.RECTIFY, ledger.RECTIFY),
    Form("verify", Action.VERIFY, ledger.VERIFY_PASS),
    Form("amend", Action.CORRECT, ledger.CORRECT),
    Form("extend", Action.EXTEND, ledger.EXTEND),
    Form("approve", Action.EXTEND, ledger.EXTEND, request=True),
    Form("refuse", Action.EXTEND, ledger.REFUSE_EXTENSION, request=True),
    Form("request", Action.REQUEST_EXTENSION, ledger.REQUEST_EXTENSION, request=False),
    Form("urge", Action.URGE, ledger.URGE),
    Form("withdraw", Action.WITHDRAW, ledger.WITHDRAW),
)}
AMEND_FIELDS = ("描述", "类别", "期限", "严重程度")


def offered(viewer: Viewer, row: m.Finding, district_id: int | None, pending: bool) -> list[str]:
    """The forms this viewer gets on this finding: what their chat permissions allow in its state (the handler
    checks all of it again when a form comes back)."""
    kinds = []
    for form in FORMS.values():
        if not can(viewer.actor, form.action, school_id=row.school_id, district_id=district_id,
                   finder_id=row.finder_id):
            continue
        if not ledger.allowed(row, form.event) or ledger.paused(row, form.event):
            continue
        if form.request is not None and form.request != pending:
            continue
        kinds.append(form.kind)
    return kinds


def new_token() -> str:
    return secrets.token_urlsafe(18)


async def version_of(session: Session, row: m.Finding) -> int:
    """The finding's version: its newest event's id (every change of a finding is an event)."""
    return int(await session.scalar(select(func.max(m.FindingEvent.id))
                                     .where(m.FindingEvent.finding_id == row.id)) or 0)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return " ".join(value.split())[:MAX_FIELD] if isinstance(value, str) else ""


def _free(text: str) -> str:
    """A person's words after the ids of a command: never read as more ids."""
    return f"：{text}" if _LOOKS_LIKE_MORE_IDS.match(text) else text


def command_text(kind: str, ref: str, form: FormData, pending_until: str) -> str:
    """The chat command a form stands for; what is missing is left out, for the handler to ask as chat does."""
    def join(*parts: str) -> str:
        return " ".join(p for p in parts if p)

    if kind == "rectify":
        return join("#整改", ref, _free(_text(form, "note")))
    if kind == "verify":
        passed = _text(form, "outcome") == "通过"
        return join("#验收", ref, "通过" if passed else "不通过", _text(form, "reason"))
    if kind == "amend":
        field = _text(form, "field")
        return join("#修改", ref, field if field in AMEND_FIELDS else "", _text(form, "value"))
    if kind == "extend":
        return join("#延期", ref, _free(_text(form, "deadline")), _text(form, "reason"))
    if kind == "request":
        return join("#申请延期", ref, _free(_text(form, "deadline")), _text(form, "reason"))
    if kind == "approve":
        return join("#延期", ref, pending_until, _text(form, "reason") or "同意延期申请")
    if kind == "urge":
        return join("#督办", ref, _free(_text(form, "note")))
    if kind == "refuse":
        return join("#驳回", ref, _free(_text(form, "reason")))
    return join("#撤销", ref, _free(_text(form, "reason")))


async def _photos(form: FormData) -> tuple[InboundFile, ...]:
    files = []
    for value in form.getlist("photos")[:MAX_PHOTOS]:
        if isinstance(value, UploadFile) and value.filename:
            data = await value.read()
            if data:
                files.append(InboundFile(name=value.filename[:200], data=data, mime=value.content_type))
    return tuple(files)


async def _changes_since(session: Session, viewer: Viewer, row: m.Finding, version: int) -> list[str]:
    """What happened to the finding after the form's version: "验收通过，销号（张三，03-22 10:05）"."""
    events = await session.scalars(select(m.FindingEvent).where(m.FindingEvent.finding_id == row.id,
                                                                m.FindingEvent.id > version)
                                   .order_by(m.FindingEvent.id).limit(5))
    people, tz = viewer.roster.people, viewer.roster.tz

    def who(e: m.FindingEvent) -> str:
        return people[e.actor_id].name if e.actor_id in people else "系统"
    return [f"{ledger.EVENT_LABELS.get(e.kind, e.kind)}（{who(e)}，{e.at.astimezone(tz):%m-%d %H:%M}）" for e in events]


def body_limit(request: Request) -> int:
    """The largest form a desk action takes: its photos at the chat's size limit, and room for the text."""
    return int(MAX_PHOTOS * request.app.state.settings.evidence_max_mb * 1024 * 1024) + 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """What came of a form, for the page: the handler's words to the sender, or why nothing was done (`problem`:
    stale — `changed` says what changed —, again: handled before, busy: the database is away, too_large)."""

    said: list[str] | None = None
    problem: str | None = None
    changed: tuple[str, ...] = ()
    code: int = 200


async def submit(request: Request, viewer: Viewer, *, number: int | None = None, kinds: frozenset[str] | None = None,
                 staged: Callable[[FormData], tuple[InboundFile, ...]] | None = None,
                 via: str | None = None) -> Outcome:
    """POST /findings/{number}/act: one form of the finding's page, handled as its chat command. A personal link's
    page (bot/web/link_view.py) says which finding (`number`), which forms it offers (`kinds`), where the photos it
    uploaded one by one wait (`staged`) and how the ledger records who acted (`via`)."""
    state = request.app.state
    number = request.path_params["number"] if number is None else number
    acts: Acts | None = state.acts
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > body_limit(request):
        return Outcome(problem="too_large", code=413)
    form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=20 + MAX_PHOTOS)
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403)
    kind, token, sent = form.get("kind"), form.get("once"), form.get("version")
    if acts is None or not isinstance(kind, str) or kind not in (FORMS if kinds is None else kinds) \
            or not isinstance(token, str) \
            or not _TOKEN.match(token) or not isinstance(sent, str) or not sent.isdigit() or len(sent) > 12:
        raise HTTPException(400)
    async with state.db.reading() as session:
        row = await ledger.get_finding(session, number)
        school = viewer.roster.schools.get(row.school_id) if row else None
        if row is None or school is None or not viewer.may_see(school):
            raise HTTPException(404)
        if await version_of(session, row) != int(sent):
            return Outcome(problem="stale", changed=tuple(await _changes_since(session, viewer, row, int(sent))),
                           code=409)
        request_event = await ledger.pending_request(session, row)
    until = str(request_event.data.get("until", "")) if request_event is not None else ""
    text = command_text(kind, ledger.ref(row.number), form, until)
    files = (*(staged(form) if staged is not None else ()), *await _photos(form))[:MAX_PHOTOS] \
        if kind == "rectify" else ()
    await form.close()
    inbound = Inbound(room=None, sender=viewer.actor.chat_id, text=text, at=state.clock.now(), message_id=token,
                      id_scope=ID_SCOPE, files=files, via=via or f"[网页] {viewer.person.name}",
                      person_id=viewer.person.id)
    try:
        said = await acts.act(inbound)
    except DatabaseAway:
        return Outcome(problem="busy", code=503)
    return Outcome(problem="again") if said is None else Outcome(said=said)
