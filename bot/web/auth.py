"""/login and /logout. Every POST carries the session's CSRF token; a wrong password, an unknown name and a
disabled account get the same answer; five wrong passwords in a row pause the account."""
from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.web.accounts import check_login
from bot.web.page import csrf_ok, error_page, render

MAX_FIELD = 200


def _next(value: object) -> str:
    """Only a path on this site (never //elsewhere or a full URL)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ledger"


async def login_form(request: Request) -> Response:
    return render(request, "login.html", next=_next(request.query_params.get("next")), username="",
                  problem="bye" if request.query_params.get("bye") else None, minutes=None)


async def login(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403)
    username, password = str(form.get("username") or "")[:MAX_FIELD], str(form.get("password") or "")[:MAX_FIELD]
    target = _next(form.get("next"))
    state = request.app.state
    async with state.db.transaction() as session:
        result = await check_login(session, username.strip(), password, state.clock.now())
        account = result.account  # (result.ok: an account)
        account_id, epoch = (account.id, account.epoch) if account is not None else (None, None)
    if not result.ok:
        minutes = math.ceil((result.paused_until - state.clock.now()).total_seconds() / 60) \
            if result.paused_until else None
        return render(request, "login.html", code=401 if minutes is None else 429, next=target,
                      problem="paused" if minutes else "wrong", minutes=minutes, username=username)
    request.session.clear()  # a new session on login: nothing from before survives (no fixation)
    request.session.update(uid=account_id, epoch=epoch)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return error_page(request, 403)
    request.session.clear()
    return RedirectResponse("/login?bye=1", status_code=303)
