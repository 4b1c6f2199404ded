"""The desk's Starlette app: routes (ids bounded), sessions held by the server, security and cache headers, polite
error pages, and the daily pruning of the audit log."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from bot.storage.engine import Database
from bot.web import accounts, audit, auth, link_view, sessions
from bot.web.acts import Acts
from bot.web.auth import address_of
from bot.web.page import WEB_DIR, error_page
from bot.web.throttle import LoginThrottle
from bot.web.viewer import Rosters, Viewer, viewer_for

log = logging.getLogger("dudao.web")
COOKIE = "dudao_desk"
HEADERS = [(b"content-security-policy", b"default-src 'self'; img-src 'self'; style-src 'self'; "
                                        b"frame-ancestors 'none'; form-action 'self'"),
           (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin")]

Page = Callable[[Request, Viewer], Awaitable[Response]]


def logged_in(page: Page, audited: str | None = None) -> Callable[[Request], Awaitable[Response]]:
    """Run `page` for the session's viewer; without one (never logged in, logged out, expired, disabled), go to
    /login. Use moves the session's idle timer on (written at most once a minute). `audited`: the kind of audit
    entry a successful answer is recorded as (downloads)."""
    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        now = state.clock.now()
        async with state.db.reading() as session:
            held = await sessions.find(session, request.session.get("sid"), now, state.settings)
            viewer = await viewer_for(session, state.rosters, held) if held is not None else None
        if viewer is None or held is None:
            request.session.pop("sid", None)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method != "GET":  # a form sent after the session ended: back to its page, after login
                target = _form_page(request)
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if now - held.last_seen_at >= sessions.RENEW_EVERY:
            async with state.db.transaction() as session:
                await sessions.touch(session, held, now)
        request.state.viewer = viewer
        response = await page(request, viewer)
        if audited and response.status_code == 200:
            async with state.db.transaction() as session:
                await audit.record(session, audited, viewer.username, at=now, address=address_of(request),
                                   detail=request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return response
    return endpoint


def _form_page(request: Request) -> str:
    """The page a form was posted from (its Referer, when it is this site's), else the ledger."""
    sent = urlsplit(request.headers.get("referer", ""))
    if sent.netloc == request.url.netloc and sent.path.startswith("/"):
        return sent.path + (f"?{sent.query}" if sent.query else "")
    return "/ledger"


NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000")
STATIC = "/static/"


class SecurityHeaders:
    """The security headers on every answer; `Cache-Control: no-store` on every page, download and photo (each is one
    person's view of the ledger: no shared computer's or proxy's cache keeps it — the response's own Cache-Control,
    if any, is replaced), except the static files (one CSS file, the same for everyone, no data: the browser may
    keep it); HSTS when the desk is served over HTTPS (`secure`: settings.web_secure_cookie)."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app, self.secure = app, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        no_store = not scope.get("path", "").startswith(STATIC)
        extra = [*HEADERS, *([NO_STORE] if no_store else []), *([HSTS] if self.secure else [])]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if no_store:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                message["headers"] = headers + extra
            await send(message)
        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


class IdConvertor(Convertor[int]):
    """`{name:id}`: a row's id in a path, at most 9 digits (after any leading zeros) — every id the database's
    integer columns (32 bits on PostgreSQL) hold for a long while, and never one that overflows a query (a 500,
    the connection dropped): a longer number matches no route, so it is the polite 404 page. Every int in a desk
    path is one of these (tests/web/test_desk_doors.py)."""

    regex = "0*[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error_page(request, status, getattr(request.state, "viewer", None))


async def _crash(request: Request, exc: Exception) -> Response:
    """The polite 500 page. Starlette answers a crash outside every middleware (its ServerErrorMiddleware is the
    outermost), so the security headers SecurityHeaders gives every other answer are set here. The log line hides a
    phone link's token."""
    log.exception("desk page failed: %s", link_view.logged_path(request.url.path))
    response = error_page(request, 500)
    secure = request.app.state.settings.web_secure_cookie
    for name, value in (*HEADERS, NO_STORE, *([HSTS] if secure else [])):
        response.headers[name.decode()] = value.decode()
    return response


async def _home(request: Request) -> Response:
    return RedirectResponse("/ledger", status_code=303)


PRUNE_EVERY = 24 * 3600.0  # seconds between the desk's prunings (the first is when it starts)


async def prune_once(app: Starlette) -> None:
    """Delete audit entries older than AUDIT_RETENTION_DAYS, the sessions that have ended by themselves and the
    photos uploaded through a personal link whose form was never sent (bot/web/link_view.py)."""
    state = app.state
    now = state.clock.now()
    async with state.db.transaction() as session:
        entries = await audit.prune(session, now, state.settings.audit_retention_days)
        ended = await sessions.prune(session, now, state.settings)
    staged = link_view.prune_staged(Path(state.settings.evidence_dir))
    log.info("pruned %d audit entries, %d ended sessions and %d abandoned link uploads", entries, ended, staged)


async def _pruning(app: Starlette) -> None:
    while True:
        await asyncio.sleep(PRUNE_EVERY)
        try:
            await prune_once(app)
        except Exception:  # noqa: BLE001 — tried again the next day; the desk goes on
            log.exception("pruning the audit log failed")


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """When the desk starts (alone or beside the bot): prune once now, then once a day; at the end, stop the
    password threads."""
    try:
        await prune_once(app)
    except Exception:  # noqa: BLE001 — a desk that cannot prune still serves
        log.exception("pruning the audit log failed")
    task = asyncio.create_task(_pruning(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.state.hasher.shutdown()


def create_app(settings: Settings, db: Database, clock: Clock | None = None, acts: Acts | None = None,
               routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The desk. `acts`: the chat app's door for the actions on a finding's page (bot/cli/bootstrap.py desk_acts);
    without it the desk only reads (the pages offer no action). `routes`: served too, behind the same headers
    (beside the bot: /healthz and /metrics, bot/cli/health_http.py)."""
    from bot.web import accounts_view, audit_view, bulletins_view, campaigns_view, charts, cycle_view, documents_view  # noqa: I001
    from bot.web import finding_view, help_view, ledger_export, ledger_view, school_assessment_view, terms_view
    from bot.web import notice_view, todo_view

    accounts.dummy_hash()  # now, not at the first login for an unknown name (which would take twice as long)

    routes = [
        *routes,
        Route("/", _home),
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/logout/all", logged_in(auth.logout_all), methods=["POST"]),
        Route("/ledger", logged_in(ledger_view.ledger_page)),
        Route("/todo", logged_in(todo_view.todo_page)),
        Route("/findings/{number:id}", logged_in(finding_view.finding)),
        Route("/findings/{number:id}/notice", logged_in(notice_view.notice_page)),
        Route("/findings/{number:id}/notice.docx", logged_in(notice_view.notice_docx, audit.DOWNLOAD)),
        Route("/findings/{number:id}/act", logged_in(finding_view.act), methods=["POST"]),
        Route("/evidence/{id:id}", logged_in(finding_view.evidence)),
        Route("/charts", logged_in(charts.charts)),
        Route("/help", logged_in(help_view.help_page)),
        Route("/ledger.xlsx", logged_in(ledger_export.ledger_workbook, audit.DOWNLOAD)),
        Route("/cycle", logged_in(cycle_view.cycle_page)),
        Route("/terms", logged_in(terms_view.terms_page)),
        Route("/campaigns", logged_in(campaigns_view.campaigns_page)),
        Route("/campaigns/{id:id}.docx", logged_in(campaigns_view.campaign_docx, audit.DOWNLOAD)),
        Route("/assessment", logged_in(documents_view.assessment_page)),
        Route("/assessment.xlsx", logged_in(documents_view.assessment_xlsx, audit.DOWNLOAD)),
        Route("/bulletin.docx", logged_in(documents_view.bulletin_docx, audit.DOWNLOAD)),
        Route("/schools-assessment", logged_in(school_assessment_view.schools_assessment_page)),
        Route("/schools-assessment.xlsx", logged_in(school_assessment_view.schools_assessment_xlsx, audit.DOWNLOAD)),
        Route("/bulletins", logged_in(bulletins_view.bulletins_page)),
        Route("/bulletins/{id:id}.docx", logged_in(bulletins_view.bulletin_docx, audit.DOWNLOAD)),
        Route("/audit", logged_in(audit_view.audit_page)),
        Route("/account", logged_in(accounts_view.account_page), methods=["GET"]),
        Route("/account", logged_in(accounts_view.change_password), methods=["POST"]),
        Route("/accounts", logged_in(accounts_view.accounts_page), methods=["GET"]),
        Route("/accounts", logged_in(accounts_view.change_account), methods=["POST"]),
        Route("/l/{token:str}", link_view.link_page, methods=["GET"]),
        Route("/l/{token:str}/act", link_view.act, methods=["POST"]),
        Route("/l/{token:str}/upload", link_view.upload, methods=["POST"]),
        Route("/l/{token:str}/photo/{id:id}", link_view.photo),
        Mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static"),
    ]
    secret = settings.web_secret or secrets.token_urlsafe(32)
    middleware = [
        Middleware(SecurityHeaders, secure=settings.web_secure_cookie),
        # the signed cookie holds the CSRF token and the server-side session's token (bot/web/auth.py); it lives as
        # long as a session may, and the server decides whether the session still holds (bot/web/sessions.py)
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=COOKIE,
                   max_age=max(60, int(settings.web_session_max_hours * 3600)), same_site="strict",
                   https_only=settings.web_secure_cookie),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=_lifespan,
                    exception_handlers={HTTPException: _http_error, Exception: _crash})
    app.state.db, app.state.settings, app.state.rosters = db, settings, Rosters()
    app.state.clock = clock or SystemClock()
    app.state.acts = acts
    app.state.hasher = accounts.Hasher(settings.web_login_threads)
    app.state.throttle = LoginThrottle()  # in memory, this process's (bot/web/throttle.py says why that is enough)
    return app
