"""`dudao user add|passwd|disable` (desk logins) and `dudao web` (serve the desk)."""
from __future__ import annotations

import asyncio
import sys

import typer

from bot.cli.options import DbOption, _fail, _logging, _settings
from bot.cli.say import say

user_app = typer.Typer(help="督导室工作台（网页）的登录账号。", no_args_is_help=True)

StdinOption = typer.Option(False, "--stdin", help="从标准输入读取密码（不加时自动生成一个）")


def _desk(fn):
    from bot.cli.desk_actions import CliError

    try:
        typer.echo(asyncio.run(fn()))
    except CliError as err:
        _fail(str(err))


def _password(stdin: bool) -> str | None:
    if not stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail(say("password_empty"))
    return password


@user_app.command("add", help="为 PERSON（名册编号、姓名或微信号）开通工作台账号（不加 --stdin 时生成密码）。")
def user_add(person: str, stdin: bool = StdinOption, db: str | None = DbOption) -> None:
    """Give PERSON (roster id, name or chat id) a desk login; the password is shown once unless --stdin."""
    from bot.cli import desk_actions

    password = _password(stdin)
    _desk(lambda: desk_actions.user_set(_settings(db), person, password, new=True))


@user_app.command("passwd", help="重设 PERSON 的工作台密码（原来的登录随即失效）。")
def user_passwd(person: str, stdin: bool = StdinOption, db: str | None = DbOption) -> None:
    """Set a new desk password for PERSON (their open sessions end)."""
    from bot.cli import desk_actions

    password = _password(stdin)
    _desk(lambda: desk_actions.user_set(_settings(db), person, password, new=False))


@user_app.command("disable", help="停用 PERSON 的工作台账号（当前登录立即失效）。")
def user_disable(person: str, db: str | None = DbOption) -> None:
    """Disable PERSON's desk login (their open sessions end at once)."""
    from bot.cli import desk_actions

    _desk(lambda: desk_actions.user_disable(_settings(db), person))


def web(db: str | None = DbOption) -> None:
    """Serve the office's web desk on WEB_LISTEN (default 127.0.0.1:8080)."""
    from bot.cli import desk_actions

    settings = _settings(db)
    _logging(settings.log_level, settings)
    try:
        asyncio.run(desk_actions.serve_desk(settings))
    except desk_actions.CliError as err:
        _fail(str(err))
