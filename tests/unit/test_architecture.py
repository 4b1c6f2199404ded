"""The import graph keeps the layers of docs/architecture.md: no cycles, no arrow upwards, handlers and reminders
apart, only the bootstrap/CLI wires the app, platform libraries only in transports, one name per module."""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from tests.support.paths import REPO

# lowest first; a module may import its own layer or lower ones (prefixes, the longest match wins)
LAYERS = [
    ("bot.clock", "bot.messages", "bot.settings", "bot.text", "bot.segmenter", "bot.resources", "bot.render", "bot.redaction", "bot.spool", "bot.private_names", "bot.domain",
     "bot.county", "bot.storage"),
    ("bot.ledger", "bot.obligations", "bot.reports", "bot.contract", "bot.parsing", "bot.routing", "bot.outbox"),
    ("handlers", "reminders"),
    ("bot.app", "bot.intake"),
    ("bot.transports", "bot.cli", "bot.web", "bot.__main__"),
]
PLATFORM_LIBRARIES = ("wechaty", "wechaty_puppet", "wechaty_puppet_service", "grpclib", "pyee", "websockets")


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("bot", "handlers", "reminders"):
        for path in (REPO / top).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(project modules imported outside `if TYPE_CHECKING:`, top-level names of every import)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    inside, tops = set(), set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            continue  # the project uses absolute imports only
        targets = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for target in targets:
            tops.add(target.split(".")[0])
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                inside.add(target)
    return inside, tops


def _layer(name: str) -> int:
    best = max(((len(p), i) for i, layer in enumerate(LAYERS) for p in layer if name == p or name.startswith(p + ".")),
               default=None)
    assert best is not None, f"{name} is in no layer: add it to LAYERS (and docs/architecture.md)"
    return best[1]


MODULES = _modules()
GRAPH, TOPS = {}, {}
for _name, _path in MODULES.items():
    GRAPH[_name], TOPS[_name] = _imports(_path, _name, MODULES)


def test_no_import_goes_up_a_layer() -> None:
    upward = [f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets if _layer(b) > _layer(a)]
    assert upward == []


def test_handlers_and_reminders_never_import_each_other() -> None:
    crossing = [f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                if {a.split(".")[0], b.split(".")[0]} == {"handlers", "reminders"}]
    assert crossing == []


def test_only_the_bootstrap_and_cli_import_the_app() -> None:
    assert sorted(a for a, targets in GRAPH.items() if "bot.app" in targets) == ["bot.cli.bootstrap"]


def test_platform_libraries_only_in_transports() -> None:
    users = sorted(a for a, tops in TOPS.items() if set(tops) & set(PLATFORM_LIBRARIES))
    assert users and all(a.startswith("bot.transports.") for a in users), users


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Kosaraju: the groups of modules that import each other, directly or round about."""
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(edges):
        stack = [(start, iter(sorted(edges[start])))]
        if start in seen:
            continue
        seen.add(start)
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in seen), None)
            if child is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(child)
                stack.append((child, iter(sorted(edges[child]))))
    reverse: dict[str, set[str]] = {n: set() for n in edges}
    for a, targets in edges.items():
        for b in targets:
            reverse[b].add(a)
    groups, assigned = [], set()
    for node in reversed(order):
        if node in assigned:
            continue
        group, todo = [], [node]
        assigned.add(node)
        while todo:
            n = todo.pop()
            group.append(n)
            todo += [m for m in reverse[n] if m not in assigned and not assigned.add(m)]
        groups.append(sorted(group))
    return [g for g in groups if len(g) > 1]


def test_no_import_cycles() -> None:
    # a package's __init__ re-exporting one of its own submodules, which imports the package back, is not a cycle
    # of design; anything longer is
    cycles = [g for g in _strongly_connected(GRAPH) if not (len(g) == 2 and g[1].startswith(g[0] + "."))]
    assert cycles == []


def test_module_names_are_unique() -> None:
    names = Counter(name.rsplit(".", 1)[-1] for name, path in MODULES.items() if path.name != "__init__.py")
    assert [n for n, count in names.items() if count > 1] == []


def test_handlers_holds_command_groups_and_steps_holds_no_command() -> None:
    """Every module directly in handlers/ is a group of commands (a Router the handlers package includes); what
    they share is in handlers/steps/, which declares none."""
    import importlib

    import handlers
    from bot.routing import Router

    groups = [n for n in MODULES if n.count(".") == 1 and n.startswith("handlers.") and n != "handlers.steps"]
    steps = [n for n in MODULES if n.startswith("handlers.steps.")]
    assert groups and steps
    included = {id(spec) for spec in handlers.ROUTER.specs}
    not_groups = [n for n in groups if not isinstance(getattr(importlib.import_module(n), "router", None), Router)
                  or not all(id(spec) in included for spec in importlib.import_module(n).router.specs)]
    assert not_groups == []
    with_commands = [n for n in steps if any(isinstance(v, Router) for v in vars(importlib.import_module(n)).values())]
    assert with_commands == []
