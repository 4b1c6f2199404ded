"""Rendering the desk's pages: Jinja2 with autoescaping on (every name and description is a user's data) and every
printed value through bot.text.visible (no bidirectional override or zero-width character of a user's reaches the
page), the CSRF token every form carries, and the polite error pages (never a trace)."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, tzinfo
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.text import visible

WEB_DIR = Path(str(resources.files("bot.web")))


def _shown(value: object) -> object:
    """What a page prints of `value` (before autoescaping): text without invisible characters; markup stays markup
    (the characters removed are never part of HTML's syntax)."""
    if isinstance(value, Markup):
        return Markup(visible(str(value)))
    return visible(value) if isinstance(value, str) else value


_env = Environment(loader=FileSystemLoader(str(WEB_DIR / "templates")), undefined=StrictUndefined,
                   autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                   lstrip_blocks=True, finalize=_shown)


def _when(value: object, tz: tzinfo | None = None) -> str:
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


_env.filters["when"] = _when


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form posts it back as `csrf`."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, sent: object) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and bool(token) and isinstance(sent, str) and hmac.compare_digest(token, sent)


def render(request: Request, template: str, code: int = 200, **values: object) -> HTMLResponse:
    viewer = values.pop("viewer", None)
    html = _env.get_template(template).render(csrf=csrf_token(request), viewer=viewer, path=request.url.path,
                                              **values)
    return HTMLResponse(html, status_code=code)


def page_text(template: str, **values: object) -> str:
    """A short text from the desk's templates (a polite sentence a script shows), without the page around it."""
    return " ".join(_env.get_template(template).render(**values).split())


ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "bad_request", 500: "server_error"}


def error_page(request: Request, status: int, viewer: object = None) -> HTMLResponse:
    return render(request, "error.html", code=status, what=ERRORS.get(status, "server_error"), viewer=viewer)
