"""The desk's Starlette app: routes (ids bounded), signed session cookies, security and cache headers, polite error
pages."""
from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from bot.storage.engine import Database
from bot.web.page import WEB_DIR, error_page
from bot.web.viewer import Rosters, Viewer, viewer_for

log = logging.getLogger("dudao.web")
COOKIE = "dudao_desk"
HEADERS = [(b"content-security-policy", b"default-src 'self'; img-src 'self'; style-src 'self'; "
                                        b"frame-ancestors 'none'; form-action 'self'"),
           (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin")]

Page = Callable[[Request, Viewer], Awaitable[Response]]


def logged_in(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """Run `page` for the session's viewer; without one (never logged in, expired, disabled), go to /login."""
    @functools.wraps(page)
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        async with state.db.reading() as session:
            viewer = await viewer_for(session, state.rosters, request.session.get("uid"),
                                      request.session.get("epoch"))
        if viewer is None:
            request.session.pop("uid", None)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        request.state.viewer = viewer
        return await page(request, viewer)
    return endpoint


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
    log.exception("desk page failed: %s", request.url.path)
    return error_page(request, 500)


async def _home(request: Request) -> Response:
    return RedirectResponse("/ledger", status_code=303)


def create_app(settings: Settings, db: Database, clock: Clock | None = None) -> Starlette:
    from bot.web import auth, charts, cycle_view, documents_view, finding_view, help_view, ledger_export  # noqa: I001
    from bot.web import accounts, ledger_view, terms_view

    accounts.dummy_hash()  # now, not at the first login for an unknown name (which would take twice as long)

    routes = [
        Route("/", _home),
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/ledger", logged_in(ledger_view.ledger_page)),
        Route("/findings/{number:id}", logged_in(finding_view.finding)),
        Route("/evidence/{id:id}", logged_in(finding_view.evidence)),
        Route("/charts", logged_in(charts.charts)),
        Route("/help", logged_in(help_view.help_page)),
        Route("/ledger.xlsx", logged_in(ledger_export.ledger_workbook)),
        Route("/cycle", logged_in(cycle_view.cycle_page)),
        Route("/terms", logged_in(terms_view.terms_page)),
        Route("/assessment", logged_in(documents_view.assessment_page)),
        Route("/assessment.xlsx", logged_in(documents_view.assessment_xlsx)),
        Route("/bulletin.docx", logged_in(documents_view.bulletin_docx)),
        Mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static"),
    ]
    secret = settings.web_secret or secrets.token_urlsafe(32)
    middleware = [
        Middleware(SecurityHeaders, secure=settings.web_secure_cookie),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie=COOKIE,
                   max_age=int(settings.web_session_hours * 3600), same_site="strict",
                   https_only=settings.web_secure_cookie),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error, Exception: _crash})
    app.state.db, app.state.settings, app.state.rosters = db, settings, Rosters()
    app.state.clock = clock or SystemClock()
    return app
