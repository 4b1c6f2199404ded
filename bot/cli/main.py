"""The `dudao` command line: county, db, invite, user, console, run, web, export, doctor, status, demo,
replay.

The operator reads Chinese: the help, every answer and every mistake in the command itself (a missing argument, an
unknown option, a bad value) are said in Chinese (templates/cli/say.j2); so is a database that cannot be opened.
typer's own words are reached through private names (its copy of click, its rich_utils): each is a row of
bot/private_names.py, looked up here, and without one typer says its own words in English.
"""
from __future__ import annotations

import asyncio
import functools
import importlib.abc
import importlib.util
import re
import sys
import tempfile
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import typer
from typer.core import TyperGroup

from bot.cli.backup_cli import backup, restore
from bot.cli.db_copy_cli import db_copy
from bot.cli.db_problem import DatabaseUnavailable
from bot.cli.desk_cli import user_app, web
from bot.cli.export_cli import export_app
from bot.cli.findings_cli import findings_app
from bot.cli.options import DbOption, _fail, _logging, _settings, kept_evidence_dir
from bot.cli.say import say
from bot.private_names import AT_START, available, check

CHINESE = available("typer-click")  # typer's own copy of click (typer._click) has every name used below
if CHINESE:
    from typer._click import exceptions as cx  # typer raises these, not click's
    from typer._click.core import Command as ClickCommand
    from typer._click.formatting import HelpFormatter


PANEL_WORDS = {"ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
               "REQUIRED_LONG_STRING": "[必填]", "DEFAULT_STRING": "[默认：{}]"}  # typer.rich_utils's constants


def _chinese_panels(rich_utils: ModuleType) -> None:
    check("typer-panels")  # a constant typer no longer has is set for nothing: English titles, and a warning
    for name, words in PANEL_WORDS.items():
        setattr(rich_utils, name, words)


class _WhenRichUtilsLoads(importlib.abc.MetaPathFinder):
    """typer imports its rich_utils (and rich with it, ~6 MB a running bot would carry for nothing) only to print
    help or a mistake: the Chinese panel titles are set when it does."""

    def find_spec(self, name: str, path: object, target: object = None) -> ModuleSpec | None:
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            loader, exec_module = spec.loader, spec.loader.exec_module

            def exec_and_label(module: ModuleType) -> None:
                exec_module(module)
                _chinese_panels(module)

            loader.exec_module = exec_and_label  # type: ignore[method-assign]
        return spec


if "typer.rich_utils" in sys.modules:
    _chinese_panels(sys.modules["typer.rich_utils"])
else:
    sys.meta_path.insert(0, _WhenRichUtilsLoads())


def _chinese_usage(write_usage):  # noqa: ANN001, ANN202 — typer's HelpFormatter.write_usage
    @functools.wraps(write_usage)
    def wrapped(self, prog: str, args: str = "", prefix: str | None = None) -> None:  # noqa: ANN001
        write_usage(self, prog, args, "用法：" if prefix is None else prefix)
    return wrapped


def _chinese_help_option(get_help_option):  # noqa: ANN001, ANN202 — typer's Command.get_help_option
    @functools.wraps(get_help_option)
    def wrapped(self, ctx):  # noqa: ANN001, ANN202
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = "显示本说明后退出。"
        return option
    return wrapped


if CHINESE:  # typer's own words in the help ("Usage:", "Show this message and exit.") in the operator's language
    HelpFormatter.write_usage = _chinese_usage(HelpFormatter.write_usage)  # type: ignore[method-assign]
    ClickCommand.get_help_option = _chinese_help_option(ClickCommand.get_help_option)  # type: ignore[method-assign]

app = typer.Typer(help="督导助手（dudao）：县教育督导室的聊天机器人。", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
county_app = typer.Typer(help="载入、检查县名册文件（人员、学校、群、制度设置）。", no_args_is_help=True)
db_app = typer.Typer(help="数据库结构。", no_args_is_help=True)
app.add_typer(county_app, name="county")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(export_app, name="export")
app.add_typer(findings_app, name="findings")
app.command(help="备份：把数据库（运行中也能做一致的副本）、证据照片和县名册文件写成一个归档 OUT"
                 "（文件名，或放进的文件夹），附带校验清单。")(backup)
app.command(help="从备份归档 ARCHIVE 恢复到空的数据库和照片文件夹（先校验整个归档，出错时不改动任何数据）。")(restore)
app.command(help="启动督导室工作台（网页），地址见 WEB_LISTEN（默认 127.0.0.1:8080）。")(web)

# What each command's argument is and an example, for "缺少…" (keyed by the command's path and the argument's name).
ARGUMENTS = {
    "file": ("县名册文件（.yaml 或 .xlsx）", {"county load": "dudao county load 城口县.yaml",
                                      "county check": "dudao county check 城口县.xlsx"}),
    "workbook": ("问题工作簿（.xlsx）", {"findings import": "dudao findings import 市级督查反馈.xlsx --by p-liu"}),
    "out": ("要写出的文件名", {"county template": "dudao county template 名册模板.xlsx",
                        "findings template": "dudao findings template 问题导入模板.xlsx",
                        "backup": "dudao backup /mnt/backup/"}),
    "archive": ("备份归档文件（.tar.gz）", {"restore": "dudao restore /mnt/backup/dudao-20250301-023000.tar.gz"}),
    "person": ("要办理的人（名册编号、姓名或微信号）", {"invite": "dudao invite p-li",
                                          "user add": "dudao user add 刘建国",
                                          "user passwd": "dudao user passwd p-liu",
                                          "user disable": "dudao user disable p-liu"}),
    "scenario": ("场景文件（.jsonl）", {"replay": "dudao replay 场景.jsonl --county 城口县.yaml"}),
    "county": ("县名册文件（--county 文件）", {"replay": "dudao replay 场景.jsonl --county 城口县.yaml"}),
}
VALUE_TYPES = {"float": "应当是一个数字，例如 5", "int": "应当是一个整数", "bool": "应当是 true 或 false"}


@county_app.command("load", help="载入（或重新载入）县名册 FILE（.yaml 或 .xlsx）；文件有问题时数据库不会有任何改动。")
def county_load(file: Path, db: str | None = DbOption) -> None:
    from bot.cli import actions

    _fail_on_county_error(lambda: asyncio.run(actions.county_load(_settings(db), file)), "load", file)


@county_app.command("check", help="只检查县名册 FILE，不动数据库。")
def county_check(file: Path) -> None:
    from bot.county import load_county_file

    data = _fail_on_county_error(lambda: load_county_file(file), "check", file)
    typer.echo(say("county_ok", file=file, county=data.county, districts=len(data.districts),
                   schools=len(data.schools), people=len(data.people), rooms=len(data.rooms)))


@county_app.command("template", help="写出一份 .xlsx 名册模板 OUT（工作表：设置、责任区、学校、人员、群、学期、"
                                     "专项督导、考核指标）；不加 --source 时内容是示例县。")
def county_template(out: Path,
                    source: Path | None = typer.Option(None, help="要转换成 .xlsx 的县名册 YAML 文件")) -> None:
    from bot.cli.bootstrap import demo_county_path
    from bot.county import load_county_file, write_county_xlsx

    data = _fail_on_county_error(lambda: load_county_file(source or demo_county_path()), "check",
                                 source or demo_county_path())
    try:
        write_county_xlsx(data, out)
    except OSError:
        _fail(say("write_failed", out=out))
    typer.echo(say("template_written", out=out))


def _fail_on_county_error(fn, action: str, path: Path | None):  # noqa: ANN001, ANN202 — any call that reads one
    from bot.county import CountyError

    try:
        return fn()
    except CountyError as err:
        _fail(say("county_error", file=err.file, problems=err.problems, action=action, path=path or "", limit=30))


@db_app.command("upgrade", help="把数据库结构升级到最新（机器人启动时也会自动做）。")
def db_upgrade(db: str | None = DbOption) -> None:
    from bot.cli import actions

    asyncio.run(actions.db_upgrade(_settings(db)))
    typer.echo(say("db_ok"))


db_app.command("copy", help="把 SOURCE 数据库的全部数据复制到空的目标数据库（--db 或 DATABASE_URL），"
                           "例如从 SQLite 迁到 PostgreSQL；在一个事务里完成，核对各表条数，出错时目标不变。")(db_copy)


@app.command(help="为 PERSON（名册编号、姓名或微信号）生成一次性绑定码，对方在微信里发“#绑定 绑定码”即可。")
def invite(person: str, db: str | None = DbOption) -> None:
    from bot.cli import actions

    asyncio.run(actions.invite(_settings(db), person))


@app.command(help="在终端里和机器人对话，可以扮演任何人、在任何群里（/help 查看说明）。")
def console(db: str | None = DbOption, county: Path | None = typer.Option(None, help="要载入的县名册文件")) -> None:
    from bot.cli import actions

    settings = _settings(db, county_file=county)
    _logging("WARNING", settings)
    _fail_on_county_error(lambda: asyncio.run(actions.run(settings, force_console=True, wait=False)), "start", county)


@app.command(help="运行机器人：配置了 WECOM_BOT_ID 用企业微信，配置了网关用微信（Wechaty），否则打开本地控制台。"
                  "另一个实例正在使用同一个数据库时，本实例作为备用实例等待，对方停止后自动接管。")
def run(db: str | None = DbOption,
        web: bool = typer.Option(False, "--web", help="同时在同一进程里启动督导室工作台"),
        no_wait: bool = typer.Option(False, "--no-wait",
                                     help="另一个实例正在使用这个数据库时直接退出，不作为备用实例等待接管")) -> None:
    from bot.cli import actions
    from bot.cli.desk_actions import CliError

    settings = _settings(db)
    _logging(settings.log_level, settings)
    try:
        _fail_on_county_error(lambda: asyncio.run(actions.run(settings, web=web, wait=not no_wait)), "start",
                              settings.county_file)
    except CliError as err:
        _fail(str(err))


@app.command(help="自检：县名册、网关和微信登录是否就绪，有问题时用中文说明怎么办（不能工作时退出码为 1）。")
def doctor(wait: float = typer.Option(5.0, help="等待网关返回登录状态或二维码的秒数"),
           db: str | None = DbOption) -> None:
    from bot.cli.doctor import doctor as check

    settings = _settings(db)
    _logging("ERROR", settings)
    code, text = asyncio.run(check(settings, wait=wait))
    typer.echo(text)
    raise typer.Exit(code)


@app.command(help="哪个实例正在使用数据库、从什么时候起，以及有哪些备用实例在等待接管（没有实例在工作时退出码为 1）。")
def status(db: str | None = DbOption) -> None:
    from bot.cli import actions

    settings = _settings(db)
    _logging("ERROR", settings)
    code, text = asyncio.run(actions.status(settings))
    typer.echo(text)
    raise typer.Exit(code)


@app.command(help="在示例县上演示一遍完整的闭环（发现、整改、验收），把对话打印出来。")
def demo() -> None:
    from bot.cli import actions

    _logging("WARNING")
    asyncio.run(actions.demo())


@app.command(help="按虚拟时钟回放 JSONL 场景 SCENARIO，把机器人发出的消息按 JSONL 打印出来。")
def replay(scenario: Path, county: Path = typer.Option(..., "--county", help="县名册文件"),
           db: str | None = DbOption) -> None:
    from bot.cli import actions
    from bot.transports.replay import ScenarioError

    _logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="dudao-replay-") as tmp:
        # with --db the photos and exports stay with the database it keeps; without, all of it goes with `tmp`
        evidence = kept_evidence_dir(_settings(db)) if db else Path(tmp) / "evidence"
        settings = _settings(db or f"sqlite+aiosqlite:///{tmp}/replay.db", evidence_dir=evidence)
        try:
            _fail_on_county_error(lambda: asyncio.run(actions.replay(settings, scenario, county)), "check", county)
        except ScenarioError as err:
            _fail(f"{scenario}: {err}", code=2)


def usage_message(err: cx.UsageError) -> str:
    """A mistake in the command itself, in Chinese: what is missing or wrong, an example, where the help is."""
    ctx = err.ctx
    path = " ".join(ctx.command_path.split()[1:]) if ctx else ""
    help_line = f"dudao {path} --help".replace("  ", " ") if path else "dudao --help"
    values: dict[str, object] = {"help": help_line}
    if isinstance(err, cx.MissingParameter) and err.param is not None:
        name = err.param.name or ""
        thing, examples = ARGUMENTS.get(name, (name, {}))
        values |= dict(kind="missing", thing=thing, example=examples.get(path, help_line.removesuffix(" --help")))
    elif isinstance(err, cx.NoSuchOption):
        values |= dict(kind="no_such_option", option=err.option_name, possible=sorted(err.possibilities or ()))
    elif isinstance(err, cx.BadParameter) and err.param is not None:
        option = (err.param.opts or [err.param.name or ""])[0]
        expected = VALUE_TYPES.get(type(getattr(err.param, "default", None)).__name__, "请检查这个值")
        values |= dict(kind="bad_value", option=option, expected=expected)
    elif isinstance(err, cx.BadOptionUsage):
        values |= dict(kind="needs_value", option=err.option_name)
    elif ctx is not None and isinstance(ctx.command, TyperGroup) and "command" in err.message.lower():
        name = next((a for a in ctx.args if not a.startswith("-")), err.message.split("'")[1::2][0]
                    if "'" in err.message else "")
        values |= dict(kind="no_such_command", name=name, commands=ctx.command.list_commands(ctx))
    elif "extra argument" in err.message:
        extra = found.group(1) if (found := re.search(r"\(([^()]*)\)\W*$", err.message)) else ""
        values |= dict(kind="extra", extra=extra)
    else:
        values |= dict(kind="other")
    return say("usage", **values)


# nothing to catch without typer's click: its standalone mode says a mistake itself, in English, and exits
_NO_ARGS, _USAGE = (cx.NoArgsIsHelpError, cx.UsageError) if CHINESE else ((), ())


def main() -> None:
    check(*AT_START)  # a private name a library no longer has: a warning, and its public path (bot/private_names.py)
    try:
        code = app(prog_name="dudao", standalone_mode=not CHINESE)
    except _NO_ARGS as err:
        typer.echo(err.ctx.get_help())
        code = 0
    except _USAGE as err:
        typer.echo(usage_message(err), err=True)
        code = 2
    except DatabaseUnavailable as err:
        typer.echo(say("db_unavailable", url=err.shown_url, kind=err.kind), err=True)
        code = 1
    except (typer.Abort, KeyboardInterrupt):
        typer.echo(say("cancelled"), err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)
