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
            raise file_error(name, "file not found") from None
        except UnicodeDecodeError:
            raise file_error(name, "the file is not UTF-8 text") from None
        except OSError as err:
            raise file_error(name, f"cannot read the file ({err.strerror or err})") from None
    root, data = _parse(name, text)

    def locate(loc: Loc) -> tuple[str, str]:
        return f"line {_line_of(root, loc)}", field_label(loc)

    duplicates = [CountyProblem(name, f"line {line}", field_label(loc), message)
                  for line, loc, message in _duplicate_keys(root, ())]
    return validate_county(name, data, locate, duplicates)


def _parse(name: str, text: str) -> tuple[Node, Any]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise file_error(name, "the file is empty")
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        location = f"line {mark.line + 1}" if mark else ""
        detail = " ".join(str(p) for p in (err.context, err.problem) if p)
        if err.context_mark and mark and err.context_mark.line != mark.line:
            detail += f" (that started on line {err.context_mark.line + 1})"
        raise file_error(name, f"invalid YAML: {detail}", location) from None
    except (yaml.YAMLError, ValueError, RecursionError) as err:
        raise file_error(name, f"invalid YAML: {err}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        line = f"line {root.start_mark.line + 1}"
        raise file_error(name, "the file must be a mapping (county:, districts:, schools: ...)", line)
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


def _duplicate_keys(node: Node, loc: Loc, seen: set[int] | None = None) -> list[tuple[int, Loc, str]]:
    """Keys given twice in one mapping (YAML would silently keep the last): (line, loc, message)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return []
    seen.add(id(node))
    found: list[tuple[int, Loc, str]] = []
    if isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*loc, i), seen)
    elif isinstance(node, MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            label = key.value if isinstance(key, ScalarNode) else "?"
            if isinstance(key, ScalarNode) and label in keys:
                found.append((key.start_mark.line + 1, (*loc, label), f"duplicate key “{label}”"))
            keys.add(label)
            found += _duplicate_keys(value, (*loc, label), seen)
    return found
