"""Load a county from YAML, reporting each problem with the 1-based line of the offending item or field.

The loader is PyYAML's safe loader with two YAML 1.1 surprises removed: `9:00` stays the string
"9:00" (not the base-60 number 540) and dates stay strings for the models to parse (so a bad date
is reported with its line instead of crashing the loader).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.county.errors import (
    CountyProblem,
    Loc,
    field_label,
    file_error,
)
from bot.county.schema import CountyData, validate_county

_INT, _FLOAT, _TIMESTAMP = ("tag:yaml.org,2002:" + t for t in ("int", "float", "timestamp"))


class _Loader(yaml.SafeLoader):
    pass


def _resolver(tag: str, regexp: Any) -> tuple[str, Any] | None:
    if tag == _TIMESTAMP:
        return None
    if tag in (_INT, _FLOAT):  # no sexagesimal numbers: "21:30" is text
        return tag, re.compile("(?!.*:)" + regexp.pattern, regexp.flags)
    return tag, regexp


_Loader.yaml_implicit_resolvers = {
    first: [r for r in (_resolver(tag, rx) for tag, rx in resolvers) if r is not None]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_county_yaml(path: Path | str, text: str | None = None) -> CountyData:
    """Read and validate a county YAML file; raises CountyError listing every problem."""
    path = Path(path)
    name = path.name
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise file_error(name, "file_not_found") from None
        except UnicodeDecodeError:
            raise file_error(name, "file_not_utf8") from None
        except OSError:
            raise file_error(name, "file_unreadable") from None
    root, data = _parse(name, text)

    def locate(loc: Loc) -> tuple[str, str]:
        return line_place(_line_of(root, loc)), field_label(loc)

    duplicates = [CountyProblem(name, line_place(line), field_label(loc), "duplicate_key",
                                {"key": loc[-1], "other": line_place(first)})
                  for line, first, loc in _duplicate_keys(root, ())]
    return validate_county(name, data, locate, duplicates)


def line_place(line: int) -> str:
    return f"第 {line} 行"


# PyYAML's words for a problem -> the hint the office reads (templates/county/problem.j2, yaml_syntax)
_HINTS = (("'\\t'", "tab"), ("\t", "tab"), ("flow sequence", "brackets"), ("flow mapping", "brackets"),
          ("quoted scalar", "quotes"), ("mapping values are not allowed", "colon"), ("expected ':'", "colon"),
          ("block end", "indent"), ("block mapping", "indent"), ("block collection", "indent"),
          ("alias", "alias"), ("anchor", "alias"))


def _hint(err: yaml.YAMLError) -> str:
    words = " ".join(str(p) for p in (getattr(err, "context", None), getattr(err, "problem", None)) if p)
    return next((hint for needle, hint in _HINTS if needle in words), "")


def _parse(name: str, text: str) -> tuple[Node, Any]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise file_error(name, "file_empty")
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        location = line_place(mark.line + 1) if mark else ""
        since = ""
        if err.context_mark and mark and err.context_mark.line != mark.line:
            since = line_place(err.context_mark.line + 1)
        raise file_error(name, "yaml_syntax", location, hint=_hint(err), since=since) from None
    except (yaml.YAMLError, ValueError, RecursionError):
        raise file_error(name, "yaml_syntax") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise file_error(name, "yaml_not_mapping", line_place(root.start_mark.line + 1))
    return root, data


def _child(node: Node, key: str | int) -> tuple[Node, Node] | None:
    """(the node that names the child, the child): the key node for a mapping, the item for a list."""
    if isinstance(node, MappingNode) and isinstance(key, str):
        return next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key], node.value[key]
    return None


def _line_of(root: Node, loc: Loc) -> int:
    """The 1-based line of the field (where its key is), or of the item that lacks it."""
    node, named = root, root
    for key in loc:
        found = _child(node, key)
        if found is None:
            return node.start_mark.line + 1
        named, node = found
    return named.start_mark.line + 1


def _duplicate_keys(node: Node, loc: Loc, seen: set[int] | None = None) -> list[tuple[int, int, Loc]]:
    """Keys given twice in one mapping (YAML would silently keep the last): (line, line of the first, loc)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return []
    seen.add(id(node))
    found: list[tuple[int, int, Loc]] = []
    if isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*loc, i), seen)
    elif isinstance(node, MappingNode):
        keys: dict[str, int] = {}
        for key, value in node.value:
            label = key.value if isinstance(key, ScalarNode) else "?"
            line = key.start_mark.line + 1
            if isinstance(key, ScalarNode) and label in keys:
                found.append((line, keys[label], (*loc, label)))
            keys.setdefault(label, line)
            found += _duplicate_keys(value, (*loc, label), seen)
    return found
