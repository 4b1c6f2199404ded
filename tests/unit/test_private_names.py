"""bot/private_names.py: the table names every private name of a library the code reaches (found here by reading the
code), each is there on the installed versions, and a missing one is said once, clearly, with its public path."""
from __future__ import annotations

import ast
import logging
import subprocess
import sys
import types
from pathlib import Path

from packaging.version import Version

from bot import private_names as pn
from tests.support.paths import REPO

SCANNED = ("bot", "handlers", "reminders", "tools")
# Private names of our own objects reached from outside them: not a library's, so not in the table.
OWN = {
    ("bot/county/schema.py", "_derived"): "CountyData's own private attribute (a pydantic PrivateAttr)",
}


def _project_modules() -> set[str]:
    found = set()
    for top in ("bot", "handlers", "reminders"):
        for path in (REPO / top).rglob("*.py"):
            found.add(".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"))
    return found


PROJECT = _project_modules()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class _Reader(ast.NodeVisitor):
    """Every private name of something else a file reaches: `x._name` (x not a method's self or cls, not a module
    of ours), getattr/hasattr/setattr(x, "_name"), an import of a private module, and in a class deriving
    from a library class, the private names it shares with that class (its slots set, its methods overridden)."""

    def __init__(self, module: str | None) -> None:
        self.module, self.found, self.own_modules, self.first_args = module, set(), set(), []
        self.library_classes: list[ast.ClassDef] = []
        self.methods: set[int] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if any(_private(part) for part in alias.name.split(".")):
                self.found.add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if any(_private(part) for part in module.split(".")):
            self.found.add(module)
        for alias in node.names:
            if f"{module}.{alias.name}" in PROJECT or module in PROJECT:
                self.own_modules.add(alias.asname or alias.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.module is not None and node.bases:
            self.library_classes.append(node)
        self.methods |= {id(n) for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args.posonlyargs + node.args.args
        self.first_args.append(args[0].arg if args and id(node) in self.methods else None)  # a method's self/cls
        self.generic_visit(node)
        self.first_args.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _private(node.attr):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            mine = owner == "self" or (owner is not None and owner in self.first_args[-1:]) or \
                owner in self.own_modules
            if not mine:
                self.found.add(node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr") and \
                len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and \
                isinstance(node.args[1].value, str) and _private(node.args[1].value):
            self.found.add(node.args[1].value)
        self.generic_visit(node)


def _shared_with_library_base(module: str, node: ast.ClassDef) -> set[str]:
    """The private names a class of ours defines or uses on self that one of its library base classes also has."""
    import importlib

    cls = getattr(importlib.import_module(module), node.name, None)
    if not isinstance(cls, type):
        return set()
    bases = [b for b in cls.__mro__[1:] if b is not object and b.__module__.split(".")[0] not in
             ("bot", "handlers", "reminders")]
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            names.add(sub.attr)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(sub.name)
        elif isinstance(sub, ast.Assign):
            names |= {t.id for t in sub.targets if isinstance(t, ast.Name)}
    return {n for n in names if _private(n) and any(hasattr(b, n) for b in bases)}


def _reached() -> set[tuple[str, str]]:
    found = set()
    for top in SCANNED:
        for path in (REPO / top).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            reader = _Reader(module if module in PROJECT else None)
            reader.visit(ast.parse(path.read_text(encoding="utf-8")))
            found |= {(rel, name) for name in reader.found}
            for node in reader.library_classes:
                found |= {(rel, name) for name in _shared_with_library_base(module, node)}
    return found


def _listed(used_in: str, name: str) -> bool:
    for row in pn.TABLE:
        if used_in not in row.used_in.split(", "):
            continue
        for spec in row.names:
            module, _, path = spec.partition(":")
            parts = [p.removesuffix("()").split("(")[0] for p in [*module.split("."), *path.split(".")] if p]
            if name in parts or spec.startswith(name):
                return True
    return False


def test_every_private_name_the_code_reaches_is_in_the_table() -> None:
    from bot.transports.wechaty.compat import load_wechaty

    load_wechaty()  # its classes are only importable through the workarounds
    unlisted = sorted(f"{where}: {name}" for where, name in _reached()
                      if (where, name) not in OWN and not _listed(where, name))
    assert unlisted == [], "add a row to bot/private_names.py (or, for our own object, to OWN here)"


def test_the_reader_finds_what_it_should() -> None:
    """The completeness test is only as good as its reader: it finds the accesses the table was written from."""
    reached = _reached()
    for expected in [("bot/cli/main.py", "typer._click"), ("bot/storage/onehop.py", "_execute"),
                     ("bot/storage/onehop.py", "_conn"), ("bot/storage/onehop.py", "_execute_mutex"),
                     ("bot/storage/onehop.py", "_handle_exception"), ("bot/storage/onehop.py", "_rows"),
                     ("bot/transports/wechaty/compat.py", "_pool"),
                     ("bot/transports/wechaty/compat.py", "_puppet_stub"),
                     ("bot/transports/wechaty/compat.py", "_init_puppet"),
                     ("bot/transports/wechaty/checkup.py", "_authority"),
                     ("bot/reports/ledger_book.py", "_style"), ("tools/make_bulletin_template.py", "_tr")]:
        assert any(where == expected[0] and name.startswith(expected[1]) for where, name in reached), expected


def test_every_row_is_well_formed() -> None:
    assert len(pn.BY_KEY) == len(pn.TABLE)
    for row in pn.TABLE:
        assert row.names and row.why and row.fallback, row.key
        assert all((REPO / path).is_file() for path in row.used_in.split(", ")), row.key
        assert pn.version(row.library) != "(not installed)", row.library
    assert set(pn.AT_START) <= set(pn.BY_KEY)


def _expected_missing() -> set[str]:
    """What the installed versions are known to lack: SQLAlchemy 2.0's aiosqlite adapter has another shape than the
    one-trip cursor is written for (the lowest-bounds job of .ci/run runs on it, through the fallback)."""
    return {"onehop-sqlalchemy"} if Version(pn.version("sqlalchemy")) < Version("2.1") else set()


def test_every_name_is_there_on_the_installed_versions() -> None:
    from bot.transports.wechaty.compat import load_wechaty

    load_wechaty()
    assert set(pn.check()) == _expected_missing()


def test_a_missing_name_is_said_once_naming_it_where_it_is_used_and_what_happens_instead(monkeypatch,
                                                                                        caplog) -> None:
    import aiosqlite

    monkeypatch.delattr(aiosqlite.Connection, "_conn")
    monkeypatch.setattr(pn, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="dudao.private_names"):
        assert pn.check("onehop-aiosqlite", "typer-click") == {"onehop-aiosqlite": ["aiosqlite:Connection._conn"]}
        assert not pn.available("onehop-aiosqlite") and pn.available("typer-click")
        pn.check("onehop-aiosqlite")
    [record] = caplog.records
    text = record.getMessage()
    assert record.levelno == logging.WARNING
    assert f"aiosqlite {pn.version('aiosqlite')} lacks aiosqlite:Connection._conn" in text
    assert "bot/storage/onehop.py" in text and "SQLAlchemy's own aiosqlite cursor" in text


def test_the_forms_of_a_name(monkeypatch) -> None:
    lib = types.ModuleType("fake_lib")

    class Thing:
        _kept = 1

        def __init__(self, style_array: object = None) -> None:
            self._given = style_array

    lib.Thing = Thing
    monkeypatch.setitem(sys.modules, "fake_lib", lib)
    monkeypatch.setitem(sys.modules, "fake_lib._inner", types.ModuleType("fake_lib._inner"))
    assert pn._has("fake_lib:Thing._kept") and not pn._has("fake_lib:Thing._gone")
    assert pn._has("fake_lib:Thing()._given") and not pn._has("fake_lib:Thing()._never")
    assert pn._has("fake_lib:Thing(style_array=)") and not pn._has("fake_lib:Thing(other=)")
    assert pn._has("fake_lib._inner") and not pn._has("fake_lib._nowhere") and not pn._has("fake_lib:Gone.x")


def test_without_typers_click_the_cli_says_typers_own_words_and_why(tmp_path: Path) -> None:
    """The public path of bot/cli/main.py: typer's standalone mode (English), after a warning naming the name."""
    code = ("import sys, typer; sys.modules['typer._click.formatting'] = None; "
            "sys.argv = ['dudao', 'county', 'check']; from bot.cli.main import main; main()")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "COLUMNS": "200"})
    assert result.returncode == 2
    assert "lacks typer._click.formatting:HelpFormatter.write_usage, used by bot/cli/main.py" in result.stderr
    assert "Missing argument" in result.stderr and "缺少" not in result.stderr
