"""Desk accounts on the desk: /account, where anyone logged in changes their own password (the old one, the new one
twice, the policy of bot/web/accounts.py), and /accounts, where the office opens, resets and disables the logins of
roster people (what `dudao user add|passwd|disable` does from the command line, which keeps working). Each is
recorded in the audit log; a new or reset password is generated and shown once, never stored in the clear.

Passwords are hashed and checked off the event loop (the app's Hasher). A new password ends the account's
sessions (accounts.set_password): changing one's own opens a fresh session for this browser, so the person stays
logged in here and is logged out everywhere else."""
from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from bot.storage import models as m
from bot.web import accounts, audit, sessions
from bot.web.auth import address_of
from bot.web.page import csrf_ok, error_page, render
from bot.web.viewer import Viewer

OPS = ("create", "reset", "disable")


async def account_page(request: Request, viewer: Viewer) -> Response:
    return render(request, "account.html", viewer=viewer, problem=None, done=False,
                  shortest=accounts.MIN_PASSWORD)


async def change_password(request: Request, viewer: Viewer) -> Response:
    form = await request.form(max_fields=10)
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403, viewer)
    old, new, again = (str(form.get(k) or "")[:accounts.MAX_PASSWORD + 1] for k in ("old", "new", "again"))
    state = request.app.state
    now, address = state.clock.now(), address_of(request)

    def answer(problem: str | None, code: int = 200, done: bool = False) -> Response:
        return render(request, "account.html", code=code, viewer=viewer, problem=problem, done=done,
                      shortest=accounts.MIN_PASSWORD)

    async with state.db.reading() as session:
        account = await session.get(m.WebAccount, viewer.account_id)
        hashed = account.password_hash if account is not None else accounts.dummy_hash()
    if not await state.hasher.verify(hashed, old):
        async with state.db.transaction() as session:
            await audit.record(session, audit.PASSWORD_CHANGE_FAILED, viewer.username, at=now, address=address)
        return answer("wrong_old", 400)
    if new != again:
        return answer("mismatch", 400)
    if new == old:
        return answer("same", 400)
    if (problem := accounts.password_problem(new, viewer.username)) is not None:
        return answer(problem, 400)
    new_hash = await state.hasher.hash(new)
    async with state.db.transaction() as session:
        person = await session.get(m.Person, viewer.person.id)
        assert person is not None  # the viewer's person (viewer_for checked it)
        await accounts.set_password(session, person, new, now, hashed=new_hash)  # every session ends …
        token = await sessions.open_session(session, viewer.account_id, now)  # … and this browser gets a new one
        await audit.record(session, audit.PASSWORD_CHANGED, viewer.username, at=now, address=address)
    request.session["sid"] = token
    return answer(None, done=True)


async def _people(request: Request) -> list[dict[str, object]]:
    """The active roster people with their desk login (none, on, disabled), by role then name."""
    roles = {"督导室": 0, "督学": 1, "校长": 2, "园长": 2}
    async with request.app.state.db.reading() as session:
        rows = (await session.execute(select(m.Person, m.WebAccount)
                                      .outerjoin(m.WebAccount, m.WebAccount.person_id == m.Person.id)
                                      .where(m.Person.active))).all()
    schools = request.state.viewer.roster.schools
    people = [dict(key=p.key, name=p.name, role=p.role,
                   school=schools[p.school_id].name if p.school_id in schools else "",
                   username=a.username if a is not None else "",
                   status="none" if a is None else "on" if a.active else "off") for p, a in rows]
    return sorted(people, key=lambda p: (roles.get(str(p["role"]), 3), str(p["name"]), str(p["key"])))


async def accounts_page(request: Request, viewer: Viewer) -> Response:
    if not viewer.actor.is_office:
        return render(request, "refused.html", code=403, viewer=viewer, what="accounts")
    return render(request, "accounts.html", viewer=viewer, people=await _people(request), result=None)


async def change_account(request: Request, viewer: Viewer) -> Response:
    """The office opens (create), resets or disables a person's login; a new password is shown once."""
    if not viewer.actor.is_office:
        return render(request, "refused.html", code=403, viewer=viewer, what="accounts")
    form = await request.form(max_fields=10)
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403, viewer)
    op, key = form.get("op"), form.get("person")
    if op not in OPS or not isinstance(key, str) or not key or len(key) > 100:
        return error_page(request, 400, viewer)
    state = request.app.state
    now, address = state.clock.now(), address_of(request)
    secret = accounts.generate_password() if op != "disable" else ""
    hashed = await state.hasher.hash(secret) if secret else None
    async with state.db.transaction() as session:
        person = await session.scalar(select(m.Person).where(m.Person.key == key, m.Person.active))
        if person is None:
            return error_page(request, 404, viewer)
        existing = await accounts.account_of(session, person)
        if op == "create" and existing is not None and existing.active:
            result = dict(kind="exists", name=person.name, username=existing.username)
        elif op in ("reset", "disable") and existing is None:
            result = dict(kind="none", name=person.name, username="")
        elif op == "disable" and person.id == viewer.person.id:
            result = dict(kind="self", name=person.name, username=existing.username if existing else "")
        elif op == "disable":
            await accounts.disable(session, person, now)
            assert existing is not None
            await audit.record(session, audit.ACCOUNT_DISABLED, viewer.username, existing.username, at=now,
                               address=address)
            result = dict(kind="disabled", name=person.name, username=existing.username)
        else:
            account = await accounts.set_password(session, person, secret, now, hashed=hashed)
            kind = audit.ACCOUNT_CREATED if existing is None else audit.PASSWORD_SET
            await audit.record(session, kind, viewer.username, account.username, at=now, address=address)
            result = dict(kind="created" if existing is None else "reset", name=person.name,
                          username=account.username, password=secret)
    return render(request, "accounts.html", viewer=viewer, people=await _people(request), result=result)
