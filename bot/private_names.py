"""Every private or internal name of a library the code relies on, in one table, and the check of each at start-up.

A library may rename or drop a private name in any release, and pyproject.toml's bounds cannot always keep the one
we need (SQLAlchemy 2.0 is supported and has another shape than 2.1). So each name below is looked up where the
feature that needs it starts (`check`), a missing one is said in one clear warning (the library's version, the
name, where we use it, what happens instead), and the code takes the public path (`available` says which).

Where each feature is checked:
- `AT_START` (typer, SQLAlchemy, aiosqlite): by the CLI at start-up (bot/cli/main.py `main`); the one-trip cursor
  again by `bot.storage.onehop.install` (so a test or a benchmark that makes an engine without the CLI is checked
  too). A name is warned about once per process.
- typer's help panels: when typer loads typer.rich_utils (only to print help or a mistake).
- wechaty: by `bot.transports.wechaty.compat.load_wechaty` once wechaty is imported (importing it needs the
  workarounds first, so nothing here imports it before); grpclib's by the doctor's gateway check.
- the ledger workbook (openpyxl), the desk beside the bot (uvicorn), the bulletin template tool (python-docx):
  where they start, so that a bot that never writes a workbook never imports openpyxl.

A name is written `module:Qual.name` (an attribute, through a class), `module:Class()._name` (an attribute its
instances get in `__init__`, found among the names `__init__` assigns) or `module` (a private module).
tests/unit/test_private_names.py checks the table is complete (every private access in the code is in it), that
every name is there on the installed versions, and that a missing one is reported.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from importlib import metadata

log = logging.getLogger("dudao.private_names")


@dataclass(frozen=True)
class Private:
    key: str  # what `check` and `available` are asked about
    library: str  # the distribution, for its version in the warning
    names: tuple[str, ...]
    used_in: str  # the files, ", " between them
    why: str
    fallback: str


_SA_ADAPTER = "sqlalchemy.dialects.sqlite.aiosqlite"

TABLE: tuple[Private, ...] = (
    Private(
        "typer-click", "typer",
        ("typer._click.exceptions:UsageError", "typer._click.exceptions:MissingParameter",
         "typer._click.exceptions:NoSuchOption", "typer._click.exceptions:BadParameter",
         "typer._click.exceptions:BadOptionUsage", "typer._click.exceptions:NoArgsIsHelpError",
         "typer._click.core:Command.get_help_option", "typer._click.formatting:HelpFormatter.write_usage"),
        "bot/cli/main.py",
        "typer 0.29 vendors click as typer._click: main() catches its exceptions to say a mistake in the command "
        "in Chinese, and its help formatter and --help option are wrapped to say 用法： and 显示本说明后退出。",
        "typer's standalone mode: its own help and error messages, in English"),
    Private(
        "typer-panels", "typer",
        ("typer.rich_utils:ARGUMENTS_PANEL_TITLE", "typer.rich_utils:OPTIONS_PANEL_TITLE",
         "typer.rich_utils:COMMANDS_PANEL_TITLE", "typer.rich_utils:REQUIRED_LONG_STRING",
         "typer.rich_utils:DEFAULT_STRING"),
        "bot/cli/main.py",
        "the help's panel titles (参数, 选项, 命令), set by a sys.meta_path hook when typer imports its rich_utils "
        "(an internal module: not imported otherwise, rich costs ~6 MB)",
        "English panel titles (a constant typer no longer reads is set for nothing)"),
    Private(
        "onehop-aiosqlite", "aiosqlite",
        ("aiosqlite:Connection._execute", "aiosqlite:Connection._conn"),
        "bot/storage/onehop.py",
        "the one-trip cursor runs a statement's execute, fetch and close as one function in the connection's "
        "thread (_execute queues it, _conn is the sqlite3 connection there): one hand-off a statement, not four",
        "SQLAlchemy's own aiosqlite cursor (same results, four hand-offs a statement)"),
    Private(
        "onehop-sqlalchemy", "sqlalchemy",
        ("sqlalchemy.util.concurrency:await_", "sqlalchemy.util:EMPTY_DICT",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_dbapi.connect",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_connection._cursor_cls",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_connection._execute_mutex",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_connection._handle_exception",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._adapt_connection",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._connection",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._cursor",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._rows",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._soft_closed_memoized",
         f"{_SA_ADAPTER}:AsyncAdapt_aiosqlite_cursor._async_soft_close"),
        "bot/storage/onehop.py",
        "OneHopCursor is SQLAlchemy 2.1's aiosqlite adapter cursor with execute replaced: it sets the slots its base "
        "reads, overrides _async_soft_close, holds the connection's execute mutex and raises through its "
        "_handle_exception; OneHopConnection swaps _cursor_cls, and install wraps the adapted dbapi's connect. "
        "SQLAlchemy 2.0's adapter has another shape (await_only, no _cursor_cls nor _execute_mutex)",
        "SQLAlchemy's own aiosqlite cursor (same results, four hand-offs a statement)"),
    Private(
        "wechaty-start", "wechaty-puppet-service",
        ("wechaty_puppet_service.puppet:PuppetService._init_puppet",
         "wechaty_puppet_service.puppet:PuppetService._listen_for_event",
         "wechaty_puppet_service.puppet:PuppetService()._puppet_stub"),
        "bot/transports/wechaty/compat.py, bot/transports/wechaty/event_stream.py",
        "start_puppet: PuppetService.start() without its Stop first (the gateway logs an error), its listener "
        "run over an EventSource that drops unreadable events and hands DIRTY ones to us (event_stream.listen "
        "restarts the listener); stop_puppet and close_puppet send Stop and drop the stub themselves",
        "PuppetService.start() (Stop then Start; DIRTY ignored: a renamed contact keeps her old name until a "
        "restart; one unreadable event ends the stream); Stop and the stub left to PuppetService"),
    Private(
        "wechaty-events", "wechaty-puppet-service",
        ("wechaty_puppet_service.puppet:PuppetService()._event_stream",),
        "bot/transports/wechaty/compat.py",
        "close_puppet removes the listeners of a closed puppet's event emitter",
        "the listeners stay until the closed puppet is collected"),
    Private(
        "wechaty-env", "wechaty-puppet-service",
        ("wechaty_puppet_service.puppet:get_token", "wechaty_puppet_service.puppet:get_endpoint"),
        "bot/transports/wechaty/compat.py",
        "module functions PuppetService.__init__ calls to read the environment (an internal seam, replaced): the "
        "bot passes both as options, and the lookups warned twice on every connect",
        "nothing replaced: the two warnings on every connect"),
    Private(
        "wechaty-pools", "wechaty",
        ("wechaty.user:Contact._pool", "wechaty.user:Room._pool"),
        "bot/transports/wechaty/compat.py",
        "the cached Contact and Room objects: forgotten after a reconnect (bound to the old puppet) and on a DIRTY "
        "event",
        "nothing forgotten: after a reconnect a cached contact or room may hold the closed puppet"),
    Private(
        "grpc-authority", "grpclib",
        ("grpclib.client:Channel()._authority",),
        "bot/transports/wechaty/checkup.py",
        "the doctor sends the gateway token as the HTTP/2 :authority, as python-wechaty does (it sets the same "
        "name)",
        "none: python-wechaty itself needs it to log in; the warning says which grpclib lacks it"),
    Private(
        "ledger-styles", "openpyxl",
        ("openpyxl.cell.cell:Cell._style", "openpyxl.cell.cell:Cell(style_array=)"),
        "bot/reports/ledger_book.py",
        "a column's style array (date format, wrapped text) made once and copied into each cell: setting a style "
        "on every cell costs several times the cell itself",
        "each cell's number_format and alignment set through the public attributes (slower, same workbook)"),
    Private(
        "desk-signals", "uvicorn",
        ("uvicorn:Server.capture_signals",),
        "bot/cli/desk_actions.py",
        "`dudao run --web`: the desk's server must not take SIGINT/SIGTERM from the bot's own handlers; "
        "capture_signals (uvicorn >= 0.29, undocumented) is overridden to do nothing there",
        "uvicorn's own signal handling beside the bot's (the desk may stop before the bot on Ctrl+C)"),
    Private(
        "docx-row", "python-docx",
        ("docx.table:_Row()._tr",),
        "tools/make_bulletin_template.py",
        "the table's header row marked to repeat on every page (w:tblHeader): python-docx has no API for it",
        "the header row is not repeated on each page of the template"),
)

BY_KEY = {row.key: row for row in TABLE}
AT_START = ("typer-click", "onehop-aiosqlite", "onehop-sqlalchemy")  # checked by the CLI at start-up

_warned: set[str] = set()


def _has(name: str) -> bool:
    module_name, _, path = name.partition(":")
    try:
        target: object = importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 — a module that will not import is a missing name, whatever the reason
        return False
    parts = path.split(".") if path else []
    for i, part in enumerate(parts):
        if part.endswith("=)"):  # Class(keyword=): a keyword of the constructor
            cls_name, _, keyword = part[:-2].partition("(")
            cls = getattr(target, cls_name, None)
            return cls is not None and _takes(cls, keyword)
        if part.endswith("()"):  # Class()._attr: set on each instance by __init__
            cls = getattr(target, part[:-2], None)
            return cls is not None and i == len(parts) - 2 and _instances_get(cls, parts[-1])
        if not hasattr(target, part):
            return False
        target = getattr(target, part)
    return True


def _takes(cls: type, keyword: str) -> bool:
    import inspect

    try:
        return keyword in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _instances_get(cls: type, attr: str) -> bool:
    if hasattr(cls, attr):
        return True
    for klass in cls.__mro__:
        code = getattr(klass.__dict__.get("__init__"), "__code__", None)
        if code is not None and attr in code.co_names:
            return True
    return False


def missing_names(key: str) -> list[str]:
    """The names of row `key` the installed library lacks."""
    return [name for name in BY_KEY[key].names if not _has(name)]


def available(key: str) -> bool:
    """Every name of row `key` is there: the code may take the private path (nothing is logged)."""
    return not missing_names(key)


def version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def check(*keys: str) -> dict[str, list[str]]:
    """Look up every name of the rows `keys` (all rows when none given); warn once per row and process, naming
    each missing name, where it is used and what happens instead. Returns {key: missing names} for the rows
    with any missing."""
    found = {}
    for key in keys or tuple(BY_KEY):
        absent = missing_names(key)
        if not absent:
            continue
        found[key] = absent
        if key not in _warned:
            _warned.add(key)
            row = BY_KEY[key]
            log.warning("%s %s lacks %s, used by %s (see %r in bot/private_names.py); instead: %s", row.library,
                        version(row.library), ", ".join(absent), row.used_in, key, row.fallback)
    return found
