"""/login, /logout and /logout/all (退出所有设备). Every POST carries the CSRF token of the signed cookie.

A login is answered in one of three ways, whatever the name: in (a new server-side session, a new cookie), "the
name or the password is wrong" (401: a wrong password, an unknown name and a disabled account alike, each after one
password check so they take as long), or "too many tries from this address" (429, at once, no password check:
bot/web/throttle.py). Nothing says which names exist.

The cookie (Starlette's signed session cookie) holds the CSRF token — so the login form has one before anyone logs
in, without a database row for every anonymous visitor — and, once logged in, the session's token. The token is
worth something only while its row in web_sessions exists: a copied cookie dies with logout."""
from __future__ import annotations

import asyncio
import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.storage import models as m
from bot.web import audit, sessions
from bot.web.accounts import dummy_hash, find_account, needs_rehash
from bot.web.page import csrf_ok, error_page, render
from bot.web.throttle import client_address
from bot.web.viewer import Viewer

MAX_FIELD = 200


def _next(value: object) -> str:
    """Only a path on this site (never //elsewhere or a full URL)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ledger"


def address_of(request: Request) -> str:
    return client_address(request, request.app.state.settings.trusted_proxies)


async def login_form(request: Request) -> Response:
    bye = request.query_params.get("bye")
    return render(request, "login.html", next=_next(request.query_params.get("next")), username="",
                  problem=("bye_all" if bye == "all" else "bye") if bye else None, minutes=None)


async def login(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403)
    username, password = str(form.get("username") or "")[:MAX_FIELD], str(form.get("password") or "")[:MAX_FIELD]
    name, target = username.strip(), _next(form.get("next"))
    state = request.app.state
    now, address = state.clock.now(), address_of(request)
    refused = state.throttle.attempt(address, name, now)
    if refused is not None:  # answered from memory: no database read, no password hash
        if refused.first:
            async with state.db.transaction() as session:
                await audit.record(session, audit.LOGIN_THROTTLED, name, at=now, address=address,
                                   detail=f"until {refused.until.isoformat(timespec='seconds')}")
        minutes = max(1, math.ceil((refused.until - now).total_seconds() / 60))
        await asyncio.sleep(state.throttle.delay)  # slows a password-trying script down; costs the loop nothing
        return render(request, "login.html", code=429, next=target, problem="throttled", minutes=minutes,
                      username=username)
    async with state.db.reading() as session:
        account = await find_account(session, name)
        known = account is not None and account.active
        account_id, hashed = (account.id, account.password_hash) if account is not None and known else (None, None)
    ok = await state.hasher.verify(hashed or dummy_hash(), password)  # in a thread: the loop goes on meanwhile
    if not (ok and account_id is not None and hashed is not None):
        async with state.db.transaction() as session:
            await audit.record(session, audit.LOGIN_FAILED, name, at=now, address=address)
        return render(request, "login.html", code=401, next=target, problem="wrong", minutes=None,
                      username=username)
    state.throttle.succeeded(address, name)
    rehashed = await state.hasher.hash(password) if needs_rehash(hashed) else None
    async with state.db.transaction() as session:
        await sessions.end(session, request.session.get("sid"))  # logged in already on this browser: that one ends
        if rehashed is not None and (account := await find_account(session, name)) is not None:
            account.password_hash = rehashed
        token = await sessions.open_session(session, account_id, now)
        await audit.record(session, audit.LOGIN, name, at=now, address=address)
    request.session.clear()  # a new cookie on login, a new CSRF token with it: nothing from before survives
    request.session["sid"] = token
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403)
    state = request.app.state
    token = request.session.get("sid")
    if token:
        async with state.db.transaction() as session:
            account_id = await sessions.end(session, token)
            if account_id is not None:
                account = await session.get(m.WebAccount, account_id)
                await audit.record(session, audit.LOGOUT, account.username if account else "",
                                   at=state.clock.now(), address=address_of(request))
    request.session.clear()
    return RedirectResponse("/login?bye=1", status_code=303)


async def logout_all(request: Request, viewer: Viewer) -> Response:
    """退出所有设备: every session of the viewer's account ends, this one too."""
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403, viewer)
    state = request.app.state
    async with state.db.transaction() as session:
        ended = await sessions.end_all(session, viewer.account_id)
        await audit.record(session, audit.LOGOUT_ALL, viewer.username, at=state.clock.now(),
                           address=address_of(request), detail=f"{ended} sessions")
    request.session.clear()
    return RedirectResponse("/login?bye=all", status_code=303)
